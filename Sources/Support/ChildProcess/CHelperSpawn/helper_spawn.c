#define _GNU_SOURCE
#include "helper_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include "spawn_plan.h"

const int credhelper_reset_signals[9] = {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};

static int make_pipe(int fds[2]) {
#if defined(__linux__)
    return pipe2(fds, O_CLOEXEC);
#else
    if (pipe(fds) != 0) return -1;
    fcntl(fds[0], F_SETFD, FD_CLOEXEC);
    fcntl(fds[1], F_SETFD, FD_CLOEXEC);
    return 0;
#endif
}

/* A pipe end the child gets as 0, 1 or 2 must not already sit on one of those: moving one onto its
   place would close another (a host with its standard descriptors closed, where another thread frees
   them between two pipe2 calls, could send the helper's stderr into the pipe read for the token). */
static int above_standard(int *descriptor) {
    if (*descriptor < 0 || *descriptor > 2) return 0;
    int moved = fcntl(*descriptor, F_DUPFD_CLOEXEC, 3);
    if (moved < 0) return -1;
    close(*descriptor);
    *descriptor = moved;
    return 0;
}

static void close_pair(int fds[2]) {
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
}

#if defined(__linux__)
/* Set once clone3 has failed for a reason that will not change (an older kernel, a seccomp filter). */
static int clone3_unusable;

static int spawn_automatic(const struct child_plan *plan, pid_t *pid, int *pid_fd) {
#if defined(__x86_64__)
    if (!__atomic_load_n(&clone3_unusable, __ATOMIC_RELAXED)) {
        int unavailable = 0;
        int rc = credhelper_spawn_clone3(plan, pid, pid_fd, &unavailable);
        if (!unavailable) return rc;
        __atomic_store_n(&clone3_unusable, 1, __ATOMIC_RELAXED);
    }
    return credhelper_spawn_clone(plan, pid, pid_fd);
#else
    return credhelper_spawn_posix(plan, pid, pid_fd);
#endif
}
#endif

static int spawn_by(credhelper_spawn_method method, const struct child_plan *plan, pid_t *pid, int *pid_fd) {
    switch (method) {
#if defined(__linux__)
    case CREDHELPER_SPAWN_AUTOMATIC: return spawn_automatic(plan, pid, pid_fd);
    case CREDHELPER_SPAWN_CLONE3: {
        int unavailable = 0;
        return credhelper_spawn_clone3(plan, pid, pid_fd, &unavailable);
    }
    case CREDHELPER_SPAWN_CLONE: return credhelper_spawn_clone(plan, pid, pid_fd);
#else
    case CREDHELPER_SPAWN_AUTOMATIC: return credhelper_spawn_posix(plan, pid, pid_fd);
    case CREDHELPER_SPAWN_CLONE3:
    case CREDHELPER_SPAWN_CLONE: return ENOSYS;
#endif
    case CREDHELPER_SPAWN_POSIX_SPAWN: return credhelper_spawn_posix(plan, pid, pid_fd);
    }
    return EINVAL;
}

static int spawn_and_pipe(credhelper_spawn_method method, const char *path, char *const argv[], char *const envp[],
                          pid_t *pid, int *stdout_fd, int *stderr_fd, int *pid_fd, int *stdin_write_fd) {
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1};
    if (make_pipe(out) != 0 || make_pipe(err) != 0 || (stdin_write_fd && make_pipe(in) != 0) ||
        above_standard(&out[1]) != 0 || above_standard(&err[1]) != 0 || above_standard(&in[0]) != 0) {
        int saved = errno;
        close_pair(out);
        close_pair(err);
        close_pair(in);
        return saved;
    }
    char *bare[] = {(char *)path, NULL};
    struct child_plan plan = {path, argv ? argv : bare, envp, in[0], out[1], err[1]};
    pid_t child = -1;
    int descriptor = -1;
    int rc = spawn_by(method, &plan, &child, &descriptor);
    close(out[1]);
    close(err[1]);
    if (in[0] >= 0) close(in[0]);
    if (rc != 0) {
        close(out[0]);
        close(err[0]);
        if (in[1] >= 0) close(in[1]);
        return rc;
    }
    if (stdin_write_fd) *stdin_write_fd = in[1];
    *pid = child;
    *stdout_fd = out[0];
    *stderr_fd = err[0];
    *pid_fd = descriptor;
    return 0;
}

/* With cancellation off throughout: a pending pthread_cancel must neither act in a child that shares
   this thread's memory, nor at a close() here, which would leave a child nobody reaps. It acts at the
   caller's next cancellation point. */
int credhelper_spawn_with(credhelper_spawn_method method, const char *path, char *const argv[], char *const envp[],
                          pid_t *pid, int *stdout_fd, int *stderr_fd, int *pid_fd, int *stdin_write_fd) {
    int cancel_state;
    pthread_setcancelstate(PTHREAD_CANCEL_DISABLE, &cancel_state);
    int rc = spawn_and_pipe(method, path, argv, envp, pid, stdout_fd, stderr_fd, pid_fd, stdin_write_fd);
    pthread_setcancelstate(cancel_state, NULL);
    return rc;
}

int credhelper_spawn(const char *path, char *const argv[], char *const envp[], pid_t *pid, int *stdout_fd,
                     int *stderr_fd, int *pid_fd, int *stdin_write_fd) {
    return credhelper_spawn_with(CREDHELPER_SPAWN_AUTOMATIC, path, argv, envp, pid, stdout_fd, stderr_fd, pid_fd,
                                 stdin_write_fd);
}
