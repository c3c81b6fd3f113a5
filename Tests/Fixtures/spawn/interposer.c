/* A host whose libc functions are replaced, as a sanitizer or an LD_PRELOAD library replaces them.
   CHelperSpawnTests compiles this with the CHelperSpawn sources (and -Wl,--wrap=pipe2) and runs it:
   - `interposer calls M...`: each replacement notes when it runs in any process but the host. A child
     started with vfork semantics shares the host's memory until it execs, so a note it makes lands
     here. Prints, for each method M, the functions a child called before exec ("none" is the only
     right answer).
   - `interposer order M...`: a host with 0, 1 and 2 taken when the spawn starts, and freed by
     "another thread" between the spawn's first two pipe2 calls, so the stderr pipe can land on 0 or 1.
     Prints what the child's stdout and stderr pipes got ("OUT" and "ERR" are the right answers).
   - `interposer closefrom M...`: close_range refused (ENOSYS, as before Linux 5.9, by a seccomp
     filter on this process), an inheritable descriptor open at 1000 and the descriptor limit lowered
     to 512 below it. Prints the descriptors `ls /proc/self/fd` sees in the child ("0/1/2/3/": its
     own three and the one it reads the directory with). A process of its own, because the limit is
     process-wide. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
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

/* memset and memcpy, which a compiler can emit for an initializer or a struct copy without any call in
   the source; written with volatile stores so that they do not become calls to themselves. */
void *memset(void *destination, int value, size_t count) {
    note("memset");
    volatile unsigned char *to = destination;
    for (size_t i = 0; i < count; i++) to[i] = (unsigned char)value;
    return destination;
}
void *memcpy(void *destination, const void *source, size_t count) {
    note("memcpy");
    volatile unsigned char *to = destination;
    const unsigned char *from = source;
    for (size_t i = 0; i < count; i++) to[i] = from[i];
    return destination;
}

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

int __real_pipe2(int fds[2], int flags);
static int pipe_calls, free_standard_at_second_pipe;

int __wrap_pipe2(int fds[2], int flags) {
    if (free_standard_at_second_pipe && ++pipe_calls == 2) {
        REAL(close)(0);
        REAL(close)(1);
    }
    return __real_pipe2(fds, flags);
}

/* Reads `descriptor` to end of file into `buffer` (size 256), newlines as '/'. */
static void drain(int descriptor, char *buffer) {
    int count = 0, got;
    while (count < 255 && (got = read(descriptor, buffer + count, 255 - count)) > 0) count += got;
    buffer[count] = 0;
    for (char *c = buffer; *c; c++) if (*c == '\n') *c = '/';
}

static int order(int argc, char **argv) {
    int report = fcntl(1, F_DUPFD_CLOEXEC, 10);
    for (int i = 2; i < argc; i++) {
        REAL(close)(0);
        REAL(close)(1);
        REAL(close)(2);
        for (int k = 0; k < 3; k++) REAL(openat)(-100, "/dev/zero", O_RDONLY | O_CLOEXEC, 0);
        pipe_calls = 0;
        free_standard_at_second_pipe = 1;
        char *words[] = {"/bin/sh", "-c", "echo OUT; echo ERR >&2", NULL};
        char *envp[] = {"PATH=/usr/bin:/bin", NULL};
        pid_t pid;
        int out, err, pidfd;
        int rc = credhelper_spawn_with((credhelper_spawn_method)atoi(argv[i]), "/bin/sh", words, envp, &pid, &out, &err,
                                       &pidfd, NULL);
        free_standard_at_second_pipe = 0;
        char stdout_got[256] = "", stderr_got[256] = "";
        if (rc == 0) {
            drain(out, stdout_got);
            drain(err, stderr_got);
            while (waitpid(pid, NULL, 0) < 0) {}
            REAL(close)(out);
            REAL(close)(err);
            if (pidfd >= 0) REAL(close)(pidfd);
        }
        dprintf(report, "method %s: rc %d, stdout \"%s\", stderr \"%s\"\n", argv[i], rc, stdout_got, stderr_got);
    }
    return 0;
}

static int close_range_refused(int argc, char **argv) {
    struct sock_filter filter[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 436 /* close_range */, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | 38 /* ENOSYS */),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog program = {sizeof filter / sizeof filter[0], filter};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0 || prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &program) != 0) {
        perror("seccomp");
        return 1;
    }
    int zero = REAL(openat)(-100, "/dev/zero", O_RDONLY, 0);
    if (zero < 0 || REAL(dup2)(zero, 1000) != 1000) return 1;
    struct rlimit limit;
    REAL(getrlimit)(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = 512;
    if (setrlimit(RLIMIT_NOFILE, &limit) != 0) return 1;
    for (int i = 2; i < argc; i++) {
        char *words[] = {"/bin/ls", "/proc/self/fd", NULL};
        char *envp[] = {NULL};
        pid_t pid;
        int out, err, pidfd;
        int rc = credhelper_spawn_with((credhelper_spawn_method)atoi(argv[i]), "/bin/ls", words, envp, &pid, &out, &err,
                                       &pidfd, NULL);
        char listed[256] = "";
        if (rc == 0) {
            drain(out, listed);
            while (waitpid(pid, NULL, 0) < 0) {}
            REAL(close)(out);
            REAL(close)(err);
            if (pidfd >= 0) REAL(close)(pidfd);
        }
        printf("method %s: rc %d, descriptors \"%s\"\n", argv[i], rc, listed);
    }
    return 0;
}

int main(int argc, char **argv) {
    host = getpid();
    if (argc > 1 && strcmp(argv[1], "order") == 0) return order(argc, argv);
    if (argc > 1 && strcmp(argv[1], "closefrom") == 0) return close_range_refused(argc, argv);
    char *envp[] = {NULL};
    for (int i = 2; i < argc; i++) {
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
