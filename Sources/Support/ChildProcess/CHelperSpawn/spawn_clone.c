/* Spawning with vfork semantics on Linux x86_64, as glibc's and musl's posix_spawn do inside, without
   what makes glibc's slower for every helper run: a stack mapped and unmapped for each spawn, and (with
   clone3, whose CLONE_CLEAR_SIGHAND has the kernel reset the handlers) a disposition read for all 64
   signals; the clone fallback still reads them. The child runs on a stack inside the caller's frame and
   shares the caller's memory until it execs, while the calling thread is suspended. So:
   - the calling thread blocks every signal (glibc's own, 32 and 33, too) until the child has exec'd or
     failed, with cancellation off (credhelper_spawn_with); the child has every handled signal reset
     before it empties its mask: a handler of the caller never runs in the child, nor its cancellation;
   - the child makes system calls directly (inline `syscall` instructions) and its code is built
     without sanitizer instrumentation: no libc function a sanitizer or an LD_PRELOAD library could
     replace, no lazy symbol binding, no `errno`, no sanitizer bookkeeping. Apart from its own stack it
     writes nothing of the caller's but its error, takes no lock and allocates nothing;
   - a failed exec is reported through that shared error and the child is reaped before returning.
   Other architectures use posix_spawn (spawn_posix.c): these functions return ENOSYS there. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "spawn_plan.h"

#if defined(__linux__) && defined(__x86_64__)

#ifndef CLONE_PIDFD
#define CLONE_PIDFD 0x00001000
#endif
#ifndef SYS_close_range
#define SYS_close_range 436
#endif
#ifndef SYS_clone3
#define SYS_clone3 435
#endif
#define CLEAR_SIGHAND 0x100000000ULL /* CLONE_CLEAR_SIGHAND, clone3 only (Linux 5.5) */

/* Code the child runs: no sanitizer instrumentation, whose runtime would keep its books for the
   spawning thread (a shadow call stack, shadow memory) from a child that never returns. */
#define CHILD_CODE
#if defined(__has_attribute)
#if __has_attribute(disable_sanitizer_instrumentation)
#undef CHILD_CODE
#define CHILD_CODE __attribute__((disable_sanitizer_instrumentation))
#endif
#endif

/* A system call without libc: the result, or -errno. */
CHILD_CODE static inline long direct(long number, long a, long b, long c, long d) {
    long result;
    register long r10 __asm__("r10") = d;
    __asm__ volatile("syscall" : "=a"(result) : "a"(number), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
    return result;
}

/* The kernel's struct sigaction on x86_64 (not libc's), and its signal set: one 64-bit word. */
struct kernel_sigaction {
    void (*handler)(int);
    unsigned long flags;
    void (*restorer)(void);
    unsigned long mask;
};

/* The child's half of a spawn. */
struct child_start {
    const struct child_plan *plan;
    int handlers_cleared; /* the kernel already reset every handled signal (CLONE_CLEAR_SIGHAND) */
    volatile int error;   /* the errno value of the step that failed, written only by the child */
};

CHILD_CODE static int is_reset_signal(int signal) {
    for (int i = 0; i < 9; i++) {
        if (credhelper_reset_signals[i] == signal) return 1;
    }
    return 0;
}

/* `from` onto `to`; when they are the same descriptor, only its close-on-exec flag is cleared. */
CHILD_CODE static long move_descriptor(int from, int to) {
    if (from == to) return direct(SYS_fcntl, to, F_SETFD, 0, 0);
    return direct(SYS_dup3, from, to, 0, 0);
}

/* Handled signals back to their defaults (unless the kernel did it already), and the reset list too. */
CHILD_CODE static long reset_signals(int handlers_cleared) {
    struct kernel_sigaction defaulted; /* field by field: an initializer is a memset call at -O0 */
    defaulted.handler = SIG_DFL;
    defaulted.flags = 0;
    defaulted.restorer = 0;
    defaulted.mask = 0;
    for (int signal = 1; signal <= 64; signal++) {
        if (signal == SIGKILL || signal == SIGSTOP) continue;
        if (handlers_cleared) {
            if (!is_reset_signal(signal)) continue;
        } else {
            struct kernel_sigaction current;
            if (direct(SYS_rt_sigaction, signal, 0, (long)&current, 8) != 0) continue;
            if (current.handler == SIG_DFL) continue;
            if (current.handler == SIG_IGN && !is_reset_signal(signal)) continue;
        }
        long rc = direct(SYS_rt_sigaction, signal, (long)&defaulted, 0, 8);
        if (rc != 0) return rc;
    }
    return 0;
}

/* Every descriptor from 3 up closed: close_range (Linux 5.9), else each one /proc/self/fd lists, as
   glibc's closefrom does. Returns 0 or -errno (no /proc: the spawn fails rather than leak). */
CHILD_CODE static long close_from_3(void) {
    if (direct(SYS_close_range, 3, ~0U, 0, 0) == 0) return 0;
    long directory = direct(SYS_openat, AT_FDCWD, (long)"/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (directory < 0) return directory;
    char buffer[512] __attribute__((aligned(8)));
    long count;
    while ((count = direct(SYS_getdents64, directory, (long)buffer, sizeof buffer, 0)) > 0) {
        for (long offset = 0; offset < count;) {
            const char *entry = buffer + offset;
            /* d_reclen (little-endian), after d_ino and d_off; d_name after d_type */
            long length = (unsigned char)entry[16] | (unsigned char)entry[17] << 8;
            const char *name = entry + 19;
            long descriptor = 0;
            int digits = 0;
            for (; *name >= '0' && *name <= '9' && digits < 10; name++, digits++) {
                descriptor = descriptor * 10 + (*name - '0');
            }
            if (digits > 0 && *name == 0 && descriptor >= 3 && descriptor != directory) {
                direct(SYS_close, descriptor, 0, 0, 0);
            }
            if (length <= 0) break;
            offset += length;
        }
    }
    direct(SYS_close, directory, 0, 0, 0);
    return count < 0 ? count : 0;
}

/* The child, from its first instruction to execve. Every signal is blocked on entry. */
CHILD_CODE static int child_main(void *argument) {
    struct child_start *start = argument;
    const struct child_plan *plan = start->plan;
    long rc;
    if ((rc = direct(SYS_setsid, 0, 0, 0, 0)) < 0 || (rc = reset_signals(start->handlers_cleared)) != 0) goto failed;
    long input = plan->stdin_fd;
    if (input < 0 && (input = direct(SYS_openat, AT_FDCWD, (long)"/dev/null", O_RDONLY, 0)) < 0) {
        rc = input;
        goto failed;
    }
    if ((rc = move_descriptor((int)input, 0)) < 0 || (rc = move_descriptor(plan->stdout_fd, 1)) < 0 ||
        (rc = move_descriptor(plan->stderr_fd, 2)) < 0 || (rc = close_from_3()) != 0)
        goto failed;
    unsigned long empty = 0;
    if ((rc = direct(SYS_rt_sigprocmask, SIG_SETMASK, (long)&empty, 0, 8)) != 0) goto failed;
    rc = direct(SYS_execve, (long)plan->path, (long)plan->argv, (long)plan->envp, 0);
failed:
    start->error = rc < 0 ? (int)-rc : ECHILD;
    for (;;) direct(SYS_exit_group, 127, 0, 0, 0);
}

/* The child's stack, inside the caller's frame: the caller is suspended until the child execs. The
   child makes no library call, so it needs far less. */
#define CHILD_STACK_SIZE 16384

/* Blocks every signal on the calling thread (glibc's own too: the set is all ones, not sigfillset's),
   saving its mask in `previous`. (Cancellation is already off: credhelper_spawn_with.) */
static long block_signals(unsigned long *previous) {
    unsigned long all = ~0UL;
    return direct(SYS_rt_sigprocmask, SIG_SETMASK, (long)&all, (long)previous, 8);
}

static void restore_signals(const unsigned long *previous) {
    direct(SYS_rt_sigprocmask, SIG_SETMASK, (long)previous, 0, 8);
}

/* Touches each page of the next `bytes` below the stack pointer, from the top down, before a frame
   that large is entered: on a thread near the end of its stack, the frame then meets the guard page
   (a crash) instead of stepping over it onto whatever is mapped below. */
__attribute__((noinline)) static void probe_stack(unsigned long bytes) {
    char *top = __builtin_frame_address(0);
    for (unsigned long offset = 4096; offset <= bytes + 4096; offset += 4096) {
        __asm__ volatile("orq $0, (%0)" : : "r"(top - offset) : "memory");
    }
}

/* After the child has exec'd or failed: its error (the child reaped, its pidfd closed), or 0 with the
   pid and a pidfd. */
static int finish(pid_t child, const struct child_start *start, int descriptor, pid_t *pid, int *pid_fd) {
    if (start->error != 0) {
        if (descriptor >= 0) close(descriptor);
        while (waitpid(child, NULL, 0) < 0 && errno == EINTR) {}
        return start->error;
    }
    if (descriptor < 0) descriptor = (int)direct(SYS_pidfd_open, child, 0, 0, 0);
    *pid = child;
    *pid_fd = descriptor < 0 ? -1 : descriptor;
    return 0;
}

/* The child's first instructions after clone or clone3, on its new stack, with `body` in r9 and its
   argument in r8 (the trampolines below put them there; the system calls keep every register but rax,
   rcx and r11): `body(argument)`, then exit with what it returns. */
__asm__(".pushsection .text\n"
        "credhelper_child_entry:\n"
        "xor %ebp, %ebp\n" /* the child's outermost frame */
        "and $-16, %rsp\n"
        "mov %r8, %rdi\n"
        "call *%r9\n"
        "mov %rax, %rdi\n"
        "mov $231, %eax\n" /* SYS_exit_group */
        "syscall\n"
        "hlt\n"
        ".popsection\n");

/* clone(flags, stack_top, parent_tid), then, in the child only, `body(argument)` on the new stack and
   exit. Not glibc's clone(): a sanitizer intercepts that one and runs its fork bookkeeping in a child
   that shares its memory. Returns the child's pid, or -errno. The argument rides in r8, clone's `tls`,
   which the kernel ignores without CLONE_SETTLS. */
__attribute__((naked, noinline)) static long raw_clone(unsigned long flags, void *stack_top, int *parent_tid,
                                                       int (*body)(void *), void *argument) {
    __asm__ volatile("mov %rcx, %r9\n"    /* the body */
                     "xor %r10d, %r10d\n" /* no child_tid */
                     "mov $56, %eax\n"    /* SYS_clone */
                     "syscall\n"
                     "test %rax, %rax\n"
                     "jz credhelper_child_entry\n"
                     "ret\n"); /* the caller: a pid or -errno */
}

__attribute__((noinline)) static int spawn_clone_on_stack(const struct child_plan *plan, pid_t *pid, int *pid_fd) {
    _Alignas(64) char stack[CHILD_STACK_SIZE];
    struct child_start start = {plan, 0, 0};
    unsigned long previous;
    long blocked = block_signals(&previous);
    if (blocked != 0) return (int)-blocked;
    int descriptor = -1;
    unsigned long flags = CLONE_VM | CLONE_VFORK | SIGCHLD;
    long child = raw_clone(flags | CLONE_PIDFD, stack + sizeof stack, &descriptor, child_main, &start);
    if (child == -EINVAL) { /* a filter that refuses CLONE_PIDFD (no child was made); kernels before 5.2
                               ignore the flag instead, and finish() asks pidfd_open */
        descriptor = -1;
        child = raw_clone(flags, stack + sizeof stack, NULL, child_main, &start);
    }
    int rc = child < 0 ? (int)-child : finish((pid_t)child, &start, descriptor, pid, pid_fd);
    restore_signals(&previous);
    return rc;
}

int credhelper_spawn_clone(const struct child_plan *plan, pid_t *pid, int *pid_fd) {
    probe_stack(CHILD_STACK_SIZE + 1024);
    return spawn_clone_on_stack(plan, pid, pid_fd);
}

/* The clone3 arguments, version 0 (Linux 5.3): the fields up to `tls`. */
struct clone3_arguments {
    unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls;
};

/* clone3(arguments, size), then, in the child only, `body(argument)` on the new stack and exit. There is
   no C wrapper: a child with a stack of its own cannot return through a C function's frame (glibc's
   own is internal: sysdeps/unix/sysv/linux/x86_64/clone3.S). Returns the child's pid, or -errno. */
__attribute__((naked, noinline)) static long raw_clone3(struct clone3_arguments *arguments, unsigned long size,
                                                        int (*body)(void *), void *argument) {
    __asm__ volatile("mov %rdx, %r9\n"  /* the body */
                     "mov %rcx, %r8\n"  /* the argument */
                     "mov $435, %eax\n" /* SYS_clone3 */
                     "syscall\n"
                     "test %rax, %rax\n"
                     "jz credhelper_child_entry\n"
                     "ret\n"); /* the caller: a pid or -errno */
}

__attribute__((noinline)) static int spawn_clone3_on_stack(const struct child_plan *plan, pid_t *pid, int *pid_fd,
                                                           int *unavailable) {
    _Alignas(64) char stack[CHILD_STACK_SIZE];
    struct child_start start = {plan, 1, 0};
    int descriptor = -1;
    struct clone3_arguments arguments = {
        .flags = CLONE_VM | CLONE_VFORK | CLONE_PIDFD | CLEAR_SIGHAND,
        .pidfd = (unsigned long long)(unsigned long)&descriptor,
        .exit_signal = SIGCHLD,
        .stack = (unsigned long long)(unsigned long)stack,
        .stack_size = sizeof stack,
    };
    unsigned long previous;
    long blocked = block_signals(&previous);
    if (blocked != 0) return (int)-blocked;
    long child = raw_clone3(&arguments, sizeof arguments, child_main, &start);
    int rc;
    if (child < 0) {
        rc = (int)-child;
        /* clone3 itself refused: an older kernel (ENOSYS; EINVAL for CLONE_CLEAR_SIGHAND before 5.5) or
           a seccomp filter (ENOSYS, EPERM). Not the child's exec error, which comes back through `start`. */
        *unavailable = rc == ENOSYS || rc == EINVAL || rc == EPERM;
    } else {
        rc = finish((pid_t)child, &start, descriptor, pid, pid_fd);
    }
    restore_signals(&previous);
    return rc;
}

int credhelper_spawn_clone3(const struct child_plan *plan, pid_t *pid, int *pid_fd, int *unavailable) {
    *unavailable = 0;
    probe_stack(CHILD_STACK_SIZE + 1024);
    return spawn_clone3_on_stack(plan, pid, pid_fd, unavailable);
}

#else

int credhelper_spawn_clone(const struct child_plan *plan, pid_t *pid, int *pid_fd) {
    (void)plan, (void)pid, (void)pid_fd;
    return ENOSYS;
}

int credhelper_spawn_clone3(const struct child_plan *plan, pid_t *pid, int *pid_fd, int *unavailable) {
    (void)plan, (void)pid, (void)pid_fd;
    *unavailable = 1;
    return ENOSYS;
}

#endif
