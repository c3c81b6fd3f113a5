#define _GNU_SOURCE
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "spawn_plan.h"

/* posix_spawn: the method outside Linux (and a reference on Linux, where the tests run it too). */
int credhelper_spawn_posix(const struct child_plan *plan, pid_t *pid, int *pid_fd) {
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
#if defined(__linux__)
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
    short flags = POSIX_SPAWN_SETSID;
#else
    short flags = POSIX_SPAWN_CLOEXEC_DEFAULT | POSIX_SPAWN_SETSID;
#endif
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (int i = 0; i < 9; i++) sigaddset(&defaults, credhelper_reset_signals[i]);
    posix_spawnattr_setsigmask(&attributes, &empty);
    posix_spawnattr_setsigdefault(&attributes, &defaults);
    posix_spawnattr_setflags(&attributes, flags | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    int rc = posix_spawn(pid, plan->path, &actions, &attributes, plan->argv, plan->envp);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attributes);
    *pid_fd = -1;
#if defined(__linux__) && defined(SYS_pidfd_open)
    if (rc == 0) *pid_fd = (int)syscall(SYS_pidfd_open, *pid, 0);
#endif
    return rc;
}
