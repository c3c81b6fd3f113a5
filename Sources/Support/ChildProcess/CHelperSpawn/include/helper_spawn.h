#ifndef CREDHELPER_HELPER_SPAWN_H
#define CREDHELPER_HELPER_SPAWN_H

#include <sys/types.h>

/// Spawns `path` with the environment `envp` and, when `argv` is NULL, no arguments besides argv[0],
/// as docs/protocol.md §3 asks (a profile that wraps another CLI passes its own NULL-terminated `argv`):
/// no shell, stdin on /dev/null (or, when `stdin_write_fd` is not NULL, on an empty pipe whose write
/// end is returned there — a checker closes it to deliver EOF once it has seen the helper read),
/// stdout and stderr on new pipes, every other descriptor closed, the signal mask emptied, handled
/// signals and the commonly ignored ones back to their defaults, and a new session (its own process
/// group, no controlling terminal).
///
/// On success returns 0 and fills the child's pid, the read ends of its stdout and stderr pipes
/// (close-on-exec; read them only when poll says they are readable) and, on Linux, a pidfd for the
/// child (or -1 where unavailable). On failure (including a program that cannot be executed) returns
/// an errno value and leaves nothing open and no child behind.
int credhelper_spawn(const char *path, char *const argv[], char *const envp[], pid_t *pid, int *stdout_fd,
                     int *stderr_fd, int *pid_fd, int *stdin_write_fd);

/// How a child is started. Every method gives the child the same state (see `credhelper_spawn`).
typedef enum {
    /// Linux on x86_64: `CLONE3` where the kernel allows it, else `CLONE`. Elsewhere `POSIX_SPAWN`.
    CREDHELPER_SPAWN_AUTOMATIC = 0,
    /// Linux on x86_64: clone3 with vfork semantics, the kernel clearing the caller's signal handlers
    /// (CLONE_CLEAR_SIGHAND, Linux 5.5). ENOSYS where unavailable.
    CREDHELPER_SPAWN_CLONE3 = 1,
    /// Linux on x86_64: clone with vfork semantics; the child resets each handled signal itself.
    /// ENOSYS elsewhere.
    CREDHELPER_SPAWN_CLONE = 2,
    /// posix_spawn, with a new session (POSIX_SPAWN_SETSID).
    CREDHELPER_SPAWN_POSIX_SPAWN = 3,
} credhelper_spawn_method;

/// `credhelper_spawn` by a given method; the tests run every method through the same checks.
int credhelper_spawn_with(credhelper_spawn_method method, const char *path, char *const argv[], char *const envp[],
                          pid_t *pid, int *stdout_fd, int *stderr_fd, int *pid_fd, int *stdin_write_fd);

#endif
