import CHelperSpawn
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if os(Linux) && arch(x86_64)
    /// What the spawn does where the kernel or a container's seccomp filter refuses what it prefers
    /// (clone3, close_range, CLONE_PIDFD), played with a seccomp filter on one thread; and a caller
    /// thread with a cancellation pending. Serialized: the automatic method's choice of clone3 is
    /// process-wide, and one test changes it for good.
    @Suite("credhelper_spawn: refusals, fallbacks and cancellation", .serialized)
    struct SpawnFallbackTests {
        static let clone3: Int32 = 435, clone: Int32 = 56, closeRange: Int32 = 436, execve: Int32 = 59
        static let clonePidfd: UInt32 = 0x1000

        /// On a new thread with `rule` applied (a seccomp filter), spawns a shell that prints "ran" and
        /// returns "rc R, pidfd yes|no, output O".
        static func run(_ method: SpawnMethod, refusing rule: (Int32, Int32, UInt32?)?) -> String {
            let report = Mutex("the thread did not run")
            let thread = OwnThread.start {
                if let rule, !refuseOnThisThread(rule.0, with: rule.1, whenFirstArgumentHas: rule.2) {
                    report.withLock { $0 = "the seccomp filter could not be installed: errno \(errno)" }
                    return
                }
                report.withLock { $0 = spawnShell(method, "echo ran") }
            }
            thread?.join()
            return report.withLock { $0 }
        }

        /// Spawns `/bin/sh -c script` and reports its return code, whether a pidfd came back, and what
        /// it wrote to stdout once it exited.
        static func spawnShell(_ method: SpawnMethod, _ script: String) -> String {
            spawnProgram(method, ["/bin/sh", "-c", script])
        }

        /// Spawns `words` (the program's path first) and reports as `spawnShell` does; `afterSpawn`
        /// runs right after the spawn returns.
        static func spawnProgram(_ method: SpawnMethod, _ words: [String], afterSpawn: () -> Void = {}) -> String {
            let run = spawnAndWait(method, words, afterSpawn: afterSpawn)
            guard run.rc == 0 else { return "rc \(run.rc)" }
            return "rc 0, pidfd \(run.hadPidDescriptor ? "yes" : "no"), output \(run.stdout.debugDescription)"
        }

        static let ran = "rc 0, pidfd yes, output \"ran\\n\""

        @Test(
            "an exec refused with EPERM is that error and keeps clone3 in use; clone3 refused, the automatic method falls back to clone for good"
        )
        func clone3Fallback() {
            // An exec that fails with EPERM (a security module, a filter) is the child's error, not a
            // refusal of clone3: the next spawn, on a thread where clone is refused, still works.
            #expect(Self.run(.automatic, refusing: (Self.execve, EPERM, nil)) == "rc \(EPERM)")
            #expect(Self.run(.automatic, refusing: (Self.clone, ENOSYS, nil)) == Self.ran, "clone3 was given up")
            // clone3 refused as an older kernel or a container filter refuses it: the same child, by clone.
            #expect(Self.run(.clone3, refusing: (Self.clone3, ENOSYS, nil)) == "rc \(ENOSYS)")
            #expect(Self.run(.automatic, refusing: (Self.clone3, ENOSYS, nil)) == Self.ran)
            #expect(Self.run(.automatic, refusing: nil) == Self.ran)
            #expect(Self.run(.automatic, refusing: (Self.clone3, EPERM, nil)) == Self.ran)
        }

        @Test("clone refusing CLONE_PIDFD (a kernel before 5.2): one child all the same, and a pidfd from pidfd_open")
        func pidfdRefused() {
            #expect(Self.run(.clone, refusing: (Self.clone, EINVAL, Self.clonePidfd)) == Self.ran)
            #expect(Self.run(.clone, refusing: (Self.clone, EINVAL, nil)) == "rc \(EINVAL)")
        }

        @Test(
            "close_range refused (a kernel before 5.9): every descriptor from 3 up is still closed in the child",
            arguments: SpawnMethod.available)
        func closeRangeRefused(method: SpawnMethod) {
            let report = onThreadWithOwnDescriptors {
                guard refuseOnThisThread(Self.closeRange, with: ENOSYS) else { return "no seccomp filter" }
                // Inheritable (no close-on-exec), and above the soft limit on descriptors, which is
                // lowered once it is open (process-wide, for the length of one spawn).
                let zero = open("/dev/zero", O_RDONLY)
                guard zero >= 0, dup2(zero, 1000) == 1000 else { return "could not open the test descriptors" }
                defer { close(1000) }
                var limit = rlimit()
                getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
                var lowered = limit
                lowered.rlim_cur = 512
                setrlimit(Int32(RLIMIT_NOFILE.rawValue), &lowered)
                defer { setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) }
                return Self.spawnProgram(method, ["/bin/ls", "/proc/self/fd"])
            }
            // ls lists its own descriptors: 0-2 and the one it reads the directory with (3).
            #expect(report == "rc 0, pidfd yes, output \"0\\n1\\n2\\n3\\n\"", "\(method): \(report)")
        }

        @Test("a cancellation pending on the calling thread acts neither in the child nor inside the spawn")
        func pendingCancellation() {
            let report = Mutex("the thread ended early: the cancellation acted inside the spawn")
            let thread = OwnThread.start {
                pthread_cancel(pthread_self())  // deferred: acts at the next cancellation point
                let result = Self.spawnProgram(.automatic, ["/bin/sh", "-c", "echo ran"]) {
                    pthread_setcancelstate(Int32(PTHREAD_CANCEL_DISABLE), nil)
                }
                report.withLock { $0 = result }
            }
            thread?.join()
            #expect(report.withLock { $0 } == Self.ran)
        }
    }
#endif
