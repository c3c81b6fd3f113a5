#ifndef CREDHELPER_HELPER_SPAWN_H
#define CREDHELPER_HELPER_SPAWN_H

#include <sys/types.h>

/// Spawns `path` with the environment `envp` and, when `argv` is NULL, no arguments besides argv[0],
/// as docs/protocol.md §3 asks (a profile that wraps another CLI passes its own NULL-terminated `argv`):
/// no shell, stdin on /dev/null (or, when `stdin_write_fd` is not NULL, on an empty pipe whose write
/// end is returned there — a checker closes it to deliver EOF once it has seen the helper read), stdout and stderr on new pipes, every other descriptor closed, signal
/// mask and dispositions reset, and a new session (its own process group, no controlling terminal).
///
/// On success returns 0 and fills the child's pid, the read ends of its stdout and stderr pipes
/// (close-on-exec; read them only when poll says they are readable) and, on Linux, a pidfd for the child (or -1 where unavailable).
/// On failure returns an errno value and leaves nothing open.
int credhelper_spawn(const char *path, char *const argv[], char *const envp[], pid_t *pid, int *stdout_fd,
                     int *stderr_fd, int *pid_fd, int *stdin_write_fd);

#endif
