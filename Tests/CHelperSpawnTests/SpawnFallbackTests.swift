import CHelperSpawn
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if os(Linux) && arch(x86_64)
    /// What the spawn does where the kernel or a container's seccomp filter refuses what it prefers
    /// (clone3, CLONE_PIDFD), played with a seccomp filter on one thread (close_range refused is in
    /// InterpositionTests: it needs a process of its own); and a caller
    /// thread with a cancellation pending. Serialized: the automatic method's choice of clone3 is
    /// process-wide, and one test changes it for good.
    @Suite("credhelper_spawn: refusals, fallbacks and cancellation", .serialized)
    struct SpawnFallbackTests {
        static let clone3: Int32 = 435, clone: Int32 = 56, execve: Int32 = 59
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

        /// (Kernels before 5.2 ignore the flag instead: the pidfd then comes from pidfd_open, or is -1.)
        @Test("clone refusing CLONE_PIDFD (a filter): one child all the same, and a pidfd from pidfd_open")
        func pidfdRefused() {
            #expect(Self.run(.clone, refusing: (Self.clone, EINVAL, Self.clonePidfd)) == Self.ran)
            #expect(Self.run(.clone, refusing: (Self.clone, EINVAL, nil)) == "rc \(EINVAL)")
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
