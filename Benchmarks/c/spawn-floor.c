/* The floor: posix_spawn the helper with stdin on /dev/null and stdout on a pipe, read to EOF,
   waitpid. Prints the mean nanoseconds per round trip over N runs. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: spawn-floor N HELPER\n"); return 2; }
    int runs = atoi(argv[1]);
    char *args[] = {argv[2], NULL};
    char buffer[65536];
    double start = now();
    for (int i = 0; i < runs; i++) {
        int fds[2];
        if (pipe2(fds, O_CLOEXEC) != 0) return 1;
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, fds[1], 1);
        pid_t pid;
        if (posix_spawn(&pid, argv[2], &actions, NULL, args, environ) != 0) return 1;
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        size_t total = 0;
        ssize_t got;
        while ((got = read(fds[0], buffer + total, sizeof buffer - total)) > 0) total += got;
        close(fds[0]);
        int status;
        waitpid(pid, &status, 0);
        if (total == 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0) return 1;
    }
    printf("%.0f\n", (now() - start) / runs);
    return 0;
}
