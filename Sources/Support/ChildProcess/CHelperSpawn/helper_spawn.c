#define _GNU_SOURCE
#include "helper_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#if defined(__linux__)
#include <sched.h>
#include <sys/resource.h>
#include <sys/wait.h>
#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#endif

/* An ignored signal stays ignored across exec: these are reset to their defaults, the ones a host
   commonly ignores (SIGPIPE under SwiftNIO, SIGHUP under nohup, SIGINT/SIGQUIT for background jobs).
   Handled signals are reset by exec itself. */
static const int reset_signals[] = {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};

static int is_reset_signal(int signal) {
    for (size_t i = 0; i < sizeof reset_signals / sizeof reset_signals[0]; i++) {
        if (reset_signals[i] == signal) return 1;
    }
    return 0;
}

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

static void close_pair(int fds[2]) {
    if (fds[0] >= 0) close(fds[0]);
    if (fds[1] >= 0) close(fds[1]);
}

/* What the child is to become. `stdin_fd` is -1 for /dev/null. */
struct child_plan {
    const char *path;
    char *const *argv;
    char *const *envp;
    int stdin_fd, stdout_fd, stderr_fd;
};

#if defined(__linux__)

/* The child's half of the spawn, shared with the parent until it execs (see spawn_child). */
struct child_start {
    const struct child_plan *plan;
    volatile int error; /* the errno value of the step that failed, written only by the child */
};

/* `from` onto `to`; when they are the same descriptor, only its close-on-exec flag is cleared. */
static int move_descriptor(int from, int to) {
    if (from == to) return fcntl(to, F_SETFD, 0);
    return dup2(from, to) < 0 ? -1 : 0;
}

/* Runs in the child, on its own stack inside the parent's frame, sharing the parent's memory while
   the parent is suspended (CLONE_VM | CLONE_VFORK). Every signal is blocked on entry. It writes
   nothing shared but `error`, takes no lock and allocates nothing: only system calls until execve. */
static int child_main(void *argument) {
    struct child_start *start = argument;
    const struct child_plan *plan = start->plan;
    if (setsid() < 0) goto failed;
    /* A handler of the parent must never run here (it would run on the parent's memory): every
       handled signal goes back to its default before the mask is emptied, and so do the ignored ones
       of the reset list. SIGCANCEL and SIGSETXID, glibc's own, refuse sigaction and are never sent
       to this process: they go to threads of the parent by thread id. */
    struct sigaction defaulted;
    memset(&defaulted, 0, sizeof defaulted);
    defaulted.sa_handler = SIG_DFL;
    for (int signal = 1; signal < _NSIG; signal++) {
        if (signal == SIGKILL || signal == SIGSTOP) continue;
        struct sigaction current;
        if (sigaction(signal, NULL, &current) != 0) continue;
        if (current.sa_handler == SIG_DFL) continue;
        if (current.sa_handler == SIG_IGN && !is_reset_signal(signal)) continue;
        if (sigaction(signal, &defaulted, NULL) != 0) goto failed;
    }
    int input = plan->stdin_fd;
    if (input < 0 && (input = open("/dev/null", O_RDONLY)) < 0) goto failed;
    if (move_descriptor(input, 0) != 0 || move_descriptor(plan->stdout_fd, 1) != 0 ||
        move_descriptor(plan->stderr_fd, 2) != 0)
        goto failed;
#if defined(SYS_close_range)
    if (syscall(SYS_close_range, 3U, ~0U, 0U) != 0)
#endif
    {
        struct rlimit limit;
        int top = getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < 65536 ? (int)limit.rlim_cur : 65536;
        for (int descriptor = 3; descriptor < top; descriptor++) close(descriptor);
    }
    sigset_t empty;
    sigemptyset(&empty);
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, _NSIG / 8) != 0) goto failed;
    execve(plan->path, plan->argv, plan->envp);
failed:
    start->error = errno ? errno : ECHILD;
    _exit(127);
}

/* vfork semantics through clone, as glibc's and musl's posix_spawn do, without what makes glibc's
   slower for every helper run: a stack mapped and unmapped for each spawn (the unmap reaches every
   CPU that runs one of the host's threads) and a disposition read and written for all 64 signals
   whatever the caller has. The parent thread blocks every signal (glibc's own too, by the raw system
   call) until the child has exec'd or failed, so no handler runs in the child before it resets them.
   Returns 0 and the pid (and a pidfd where the kernel gives one), or an errno value with no child. */
static int spawn_child(const struct child_plan *plan, pid_t *pid, int *pid_fd) {
    /* The child's stack: 32 KiB, as glibc gives its own (the dynamic linker's lazy binding in the
       child saves the vector registers on it). Aligned for every ABI. */
    _Alignas(64) char stack[32768];
    struct child_start start = {plan, 0};
    sigset_t all, previous;
    sigfillset(&all);
    if (syscall(SYS_rt_sigprocmask, SIG_SETMASK, &all, &previous, _NSIG / 8) != 0) return errno;
    int descriptor = -1;
    int flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
    pid_t child = clone(child_main, stack + sizeof stack, flags | CLONE_PIDFD, &start, &descriptor);
    if (child < 0 && errno == EINVAL) {
        descriptor = -1;
        child = clone(child_main, stack + sizeof stack, flags, &start);
    }
    int saved = errno;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &previous, NULL, _NSIG / 8);
    if (child < 0) return saved;
    if (start.error != 0) {
        if (descriptor >= 0) close(descriptor);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        return start.error;
    }
#if defined(SYS_pidfd_open)
    if (descriptor < 0) descriptor = (int)syscall(SYS_pidfd_open, child, 0);
#endif
    *pid = child;
    *pid_fd = descriptor;
    return 0;
}

#else

static int spawn_child(const struct child_plan *plan, pid_t *pid, int *pid_fd) {
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    if (plan->stdin_fd >= 0) {
        posix_spawn_file_actions_adddup2(&actions, plan->stdin_fd, 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, plan->stdout_fd, 1);
    posix_spawn_file_actions_adddup2(&actions, plan->stderr_fd, 2);
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (size_t i = 0; i < sizeof reset_signals / sizeof reset_signals[0]; i++) sigaddset(&defaults, reset_signals[i]);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes,
                             POSIX_SPAWN_CLOEXEC_DEFAULT | POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(pid, plan->path, &actions, &attributes, plan->argv, plan->envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    *pid_fd = -1;
    return rc;
}

#endif

int credhelper_spawn(const char *path, char *const argv[], char *const envp[], pid_t *pid, int *stdout_fd,
                     int *stderr_fd, int *pid_fd, int *stdin_write_fd) {
    int out[2] = {-1, -1}, err[2] = {-1, -1}, in[2] = {-1, -1};
    if (make_pipe(out) != 0 || make_pipe(err) != 0 || (stdin_write_fd && make_pipe(in) != 0)) {
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
    int rc = spawn_child(&plan, &child, &descriptor);
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
