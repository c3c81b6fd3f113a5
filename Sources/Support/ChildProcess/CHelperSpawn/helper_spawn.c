#define _GNU_SOURCE
#include "helper_spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

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

    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attributes;
    posix_spawn_file_actions_init(&actions);
    posix_spawnattr_init(&attributes);
    if (stdin_write_fd) {
        posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    } else {
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    }
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, err[1], 2);
#if defined(__linux__)
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    short flags = POSIX_SPAWN_SETSID;
#else
    short flags = POSIX_SPAWN_CLOEXEC_DEFAULT | POSIX_SPAWN_SETSID;
#endif
    /* An ignored signal stays ignored across exec: reset the ones a host commonly ignores (SIGPIPE
       under SwiftNIO, SIGHUP under nohup, SIGINT/SIGQUIT for background jobs). Handled signals are
       reset by exec itself. */
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    int reset[] = {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};
    for (size_t i = 0; i < sizeof reset / sizeof reset[0]; i++) sigaddset(&defaults, reset[i]);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    flags |= POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF;
    posix_spawnattr_setflags(&attributes, flags);

    char *bare[] = {(char *)path, NULL};
    pid_t child = -1;
    int rc = posix_spawn(&child, path, &actions, &attributes, argv ? argv : bare, envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
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
#if defined(__linux__) && defined(SYS_pidfd_open)
    *pid_fd = (int)syscall(SYS_pidfd_open, child, 0);
#else
    *pid_fd = -1;
#endif
    return 0;
}
