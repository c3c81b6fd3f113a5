#ifndef CREDHELPER_SPAWN_PLAN_H
#define CREDHELPER_SPAWN_PLAN_H

#include <sys/types.h>

/* What the child is to become: the program, its argv and environment, and the descriptors to put on
   0, 1 and 2 (`stdin_fd` is -1 for /dev/null). */
struct child_plan {
    const char *path;
    char *const *argv;
    char *const *envp;
    int stdin_fd, stdout_fd, stderr_fd;
};

/* The signals a host commonly ignores (SIGPIPE under SwiftNIO, SIGHUP under nohup, SIGINT/SIGQUIT for
   background jobs): an ignored signal stays ignored across exec, so these are reset to their defaults.
   Handled signals are reset by exec itself (and, under vfork semantics, before it). */
extern const int credhelper_reset_signals[9];

/* Each starts the child of `plan`: 0 and its pid (and a pidfd or -1), or an errno value and no child.
   clone3 also says, in `unavailable`, whether clone3 itself was refused (so the caller falls back), as
   opposed to the child failing to exec. */
int credhelper_spawn_clone3(const struct child_plan *plan, pid_t *pid, int *pid_fd, int *unavailable);
int credhelper_spawn_clone(const struct child_plan *plan, pid_t *pid, int *pid_fd);
int credhelper_spawn_posix(const struct child_plan *plan, pid_t *pid, int *pid_fd);

#endif
