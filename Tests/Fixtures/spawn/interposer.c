/* A host whose libc functions are replaced, as a sanitizer or an LD_PRELOAD library replaces them:
   each replacement notes when it runs in any process but the host. A child started with vfork
   semantics shares the host's memory until it execs, so a note it makes lands here. CHelperSpawnTests
   compiles this with the CHelperSpawn sources and runs it; it prints, for each method given, the
   functions a child called before exec ("none" is the only right answer). */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "helper_spawn.h"

static pid_t host;
static char notes[4096];

static void note(const char *name) {
    if (getpid() == host || strstr(notes, name)) return;
    strncat(notes, name, sizeof notes - strlen(notes) - 2);
    strcat(notes, " ");
}

#define REAL(name) ((__typeof__(&name))dlsym(RTLD_NEXT, #name))

int sigaction(int signal, const struct sigaction *action, struct sigaction *old) {
    note("sigaction");
    return REAL(sigaction)(signal, action, old);
}
int dup2(int from, int to) {
    note("dup2");
    return REAL(dup2)(from, to);
}
int dup3(int from, int to, int flags) {
    note("dup3");
    return REAL(dup3)(from, to, flags);
}
int fcntl(int descriptor, int command, ...) {
    va_list list;
    va_start(list, command);
    long argument = va_arg(list, long);
    va_end(list);
    note("fcntl");
    return REAL(fcntl)(descriptor, command, argument);
}
int open(const char *path, int flags, ...) {
    note("open");
    return REAL(openat)(-100, path, flags, 0);
}
int openat(int directory, const char *path, int flags, ...) {
    note("openat");
    return REAL(openat)(directory, path, flags, 0);
}
int close(int descriptor) {
    note("close");
    return REAL(close)(descriptor);
}
pid_t setsid(void) {
    note("setsid");
    return REAL(setsid)();
}
int execve(const char *path, char *const argv[], char *const envp[]) {
    note("execve");
    return REAL(execve)(path, argv, envp);
}
int getrlimit(__rlimit_resource_t resource, struct rlimit *limit) {
    note("getrlimit");
    return REAL(getrlimit)(resource, limit);
}
int sigprocmask(int how, const sigset_t *set, sigset_t *old) {
    note("sigprocmask");
    return REAL(sigprocmask)(how, set, old);
}
int pthread_sigmask(int how, const sigset_t *set, sigset_t *old) {
    note("pthread_sigmask");
    return REAL(pthread_sigmask)(how, set, old);
}

int main(int argc, char **argv) {
    host = getpid();
    char *envp[] = {NULL};
    for (int i = 1; i < argc; i++) {
        notes[0] = 0;
        pid_t pid;
        int out, err, pidfd, in;
        int rc = credhelper_spawn_with((credhelper_spawn_method)atoi(argv[i]), "/bin/true", NULL, envp, &pid, &out,
                                       &err, &pidfd, &in);
        if (rc == 0) {
            REAL(close)(in);
            while (waitpid(pid, NULL, 0) < 0) {}
        }
        printf("method %s: rc %d, called in the child: %s\n", argv[i], rc, notes[0] ? notes : "none");
    }
    return 0;
}
