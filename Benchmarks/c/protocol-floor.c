/* The floor with the protocol's work: what HelperRunner must do for every run, written in C with
   nothing else. Before the spawn, the helper path's trust walk (stat of "/", lstat of every entry on
   the way, as TrustedPath does); posix_spawn in a new session (POSIX_SPAWN_SETSID), stdin on
   /dev/null, stdout and stderr on pipes, every other descriptor closed, the signal mask emptied and
   the commonly ignored signals reset; a pidfd; a poll loop over both pipes and the pidfd until both
   reach end of file and the child is reaped. Prints the mean nanoseconds per round trip over N runs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* Every entry from "/" to the file: owned by root or this user, not writable by group or others. */
static int trusted(const char *helper) {
    char path[4096];
    struct stat info;
    snprintf(path, sizeof path, "%s", helper);
    if (stat("/", &info) != 0 || (info.st_mode & 022)) return 0;
    for (char *slash = strchr(path + 1, '/');; slash = strchr(slash + 1, '/')) {
        if (slash) *slash = 0;
        if (lstat(path, &info) != 0) return 0;
        if ((info.st_uid != 0 && info.st_uid != geteuid()) || (info.st_mode & 022)) return 0;
        if (!slash) return S_ISREG(info.st_mode);
        *slash = '/';
    }
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: protocol-floor N HELPER\n"); return 2; }
    int runs = atoi(argv[1]);
    char *args[] = {argv[2], NULL};
    char buffer[65536], discard[16384];
    int reset[] = {SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2};
    double start = now();
    for (int i = 0; i < runs; i++) {
        if (!trusted(argv[2])) return 1;
        int out[2], err[2];
        if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) return 1;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err[1], 2);
        posix_spawn_file_actions_addclosefrom_np(&actions, 3);
        posix_spawnattr_t attributes;
        posix_spawnattr_init(&attributes);
        sigset_t empty, defaults;
        sigemptyset(&empty);
        sigemptyset(&defaults);
        for (size_t k = 0; k < sizeof reset / sizeof reset[0]; k++) sigaddset(&defaults, reset[k]);
        posix_spawnattr_setsigmask(&attributes, &empty);
        posix_spawnattr_setsigdefault(&attributes, &defaults);
        posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
        pid_t pid;
        if (posix_spawn(&pid, argv[2], &actions, &attributes, args, environ) != 0) return 1;
        posix_spawn_file_actions_destroy(&actions);
        posix_spawnattr_destroy(&attributes);
        close(out[1]);
        close(err[1]);
        int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
        size_t total = 0;
        int outOpen = 1, errOpen = 1, reaped = 0, status = 0;
        while (outOpen || errOpen || !reaped) {
            struct pollfd set[3] = {{outOpen ? out[0] : -1, POLLIN, 0},
                                    {errOpen ? err[0] : -1, POLLIN, 0},
                                    {reaped ? -1 : pidfd, POLLIN, 0}};
            if (poll(set, 3, 1000) < 0) continue;
            if (set[0].revents) {
                ssize_t got = read(out[0], buffer + total, sizeof buffer - total);
                if (got <= 0) outOpen = 0; else total += got;
            }
            if (set[1].revents && read(err[0], discard, sizeof discard) <= 0) errOpen = 0;
            if (set[2].revents && waitpid(pid, &status, WNOHANG) == pid) reaped = 1;
        }
        close(out[0]);
        close(err[0]);
        close(pidfd);
        if (total == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
    }
    printf("%.0f\n", (now() - start) / runs);
    return 0;
}
