import CHelperSpawn
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if os(Linux)
    /// Set by the SIGWINCH handler when it runs in any process but this one: a child that ran the
    /// caller's handler before it exec'd (with `CLONE_VM`, the child's store lands in this memory).
    /// SIGWINCH is not among the signals reset whatever their disposition, and is ignored by default,
    /// so a child that gets it after exec carries on.
    nonisolated(unsafe) private var handlerRanInChild: Int32 = 0
    nonisolated(unsafe) private var callerPid: pid_t = 0

    /// On Linux `credhelper_spawn` starts the child with vfork semantics: until it execs, the child
    /// runs on the caller's memory. These are the hazards of that, each with the hostile case: a
    /// caller whose standard descriptors are closed, a signal that reaches the child before exec, an
    /// exec that fails. Every method runs them (posix_spawn as the reference). Serialized: one test
    /// installs a process-wide SIGWINCH handler for its duration.
    @Suite("credhelper_spawn: the child shares the caller's memory until exec", .serialized)
    struct SharedMemorySpawnTests {
        /// Spawns a shell that reads a line and echoes it to stdout and stderr, with the standard
        /// descriptors in `closed` closed in the caller first, so the new pipes land on 0, 1 or 2 (a
        /// pipe end can land on the very descriptor it must become in the child). Returns what the
        /// child wrote, or what went wrong.
        static func echoWithClosed(_ closed: [Int32], stdinPipe: Bool, method: SpawnMethod) -> String {
            for descriptor in closed { close(descriptor) }
            let script = stdinPipe ? "read line; echo \"out:$line\"; echo \"err:$line\" >&2" : "echo out; echo err >&2"
            let run = spawnAndWait(method, ["/bin/sh", "-c", script], input: stdinPipe ? "x\n" : nil)
            guard run.rc == 0 else { return "credhelper_spawn failed: \(run.rc)" }
            let output = run.stdout + "|" + run.stderr
            return run.status == 0 ? output : "\(output) (wait status \(run.status))"
        }

        @Test(
            "with any of the caller's standard descriptors closed, the child still gets its stdin, stdout and stderr",
            arguments: SpawnMethod.available, [false, true])
        func closedStandardDescriptors(method: SpawnMethod, stdinPipe: Bool) {
            let expected = stdinPipe ? "out:x\n|err:x\n" : "out\n|err\n"
            let subsets: [[Int32]] = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]
            for closed in subsets {
                let got = onThreadWithOwnDescriptors {
                    Self.echoWithClosed(closed, stdinPipe: stdinPipe, method: method)
                }
                #expect(got == expected, "\(method): with \(closed) closed the child wrote \(got.debugDescription)")
            }
        }

        @Test(
            "a signal that reaches the child before it execs never runs the caller's handler there",
            arguments: SpawnMethod.available)
        func noHandlerBeforeExec(method: SpawnMethod) async throws {
            callerPid = getpid()
            handlerRanInChild = 0
            var handler = sigaction()
            handler.__sigaction_handler.sa_handler = { _ in
                if getpid() != callerPid { handlerRanInChild = 1 }
            }
            var previous = sigaction()
            sigaction(SIGWINCH, &handler, &previous)
            defer { sigaction(SIGWINCH, &previous, nil) }

            // One thread spawns children; another reads that thread's children from /proc as fast as
            // it can and signals each one, so some signals land between the spawn and the exec.
            let spawnerTid = Atomic<pid_t>(0)
            let done = Atomic<Bool>(false)
            let signalled = Atomic<Int>(0)
            let readable = Atomic<Bool>(true)
            let spawned = Atomic<Int>(0)
            let spawner = try #require(
                OwnThread.start {
                    spawnerTid.store(threadID(), ordering: .releasing)
                    let argv: [UnsafeMutablePointer<CChar>?] = [strdup("/bin/true"), nil]
                    let envp: [UnsafeMutablePointer<CChar>?] = [nil]
                    defer { free(argv[0]) }
                    for _ in 0..<400 {
                        var pid: pid_t = 0
                        var stdout: Int32 = -1
                        var stderr: Int32 = -1
                        var pidDescriptor: Int32 = -1
                        guard
                            credhelper_spawn_with(
                                method.c, "/bin/true", argv, envp, &pid, &stdout, &stderr, &pidDescriptor, nil) == 0
                        else { continue }
                        spawned.add(1, ordering: .relaxed)
                        var status: Int32 = 0
                        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                        for descriptor in [stdout, stderr, pidDescriptor] where descriptor >= 0 { close(descriptor) }
                    }
                    done.store(true, ordering: .releasing)
                })
            let sniper = try #require(
                OwnThread.start {
                    while spawnerTid.load(ordering: .acquiring) == 0 { usleep(100) }
                    let path = "/proc/\(getpid())/task/\(spawnerTid.load(ordering: .acquiring))/children"
                    var buffer = [UInt8](repeating: 0, count: 512)
                    while !done.load(ordering: .acquiring) {
                        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
                        guard descriptor >= 0 else {
                            readable.store(false, ordering: .releasing)
                            return
                        }
                        let count = read(descriptor, &buffer, buffer.count)
                        close(descriptor)
                        for field in buffer[..<max(count, 0)].split(whereSeparator: { $0 == 0x20 || $0 == 0x0A }) {
                            if let pid = pid_t(String(decoding: field, as: UTF8.self)), pid > 0 {
                                kill(pid, SIGWINCH)
                                signalled.add(1, ordering: .relaxed)
                            }
                        }
                    }
                })
            spawner.join()
            sniper.join()
            let sawChildren = readable.load(ordering: .acquiring)
            try #require(sawChildren, "/proc/PID/task/TID/children is not readable on this kernel")
            #expect(spawned.load(ordering: .relaxed) == 400)
            #expect(signalled.load(ordering: .relaxed) > 0, "no child was ever signalled: the test proved nothing")
            #expect(handlerRanInChild == 0, "\(method): a child ran the caller's SIGWINCH handler before exec")
        }

        @Test(
            "a program that cannot run is its errno, with no child left behind and no descriptor open",
            arguments: SpawnMethod.available)
        func execFailures(method: SpawnMethod) throws {
            let directory = "/tmp/credhelper-spawn-\(getpid())-\(method)"
            mkdir(directory, 0o700)
            defer {
                for name in ["not-executable", "not-a-program"] { unlink("\(directory)/\(name)") }
                rmdir(directory)
            }
            for (name, mode) in [("not-executable", 0o600), ("not-a-program", 0o700)] {
                let descriptor = open("\(directory)/\(name)", O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode_t(mode))
                try #require(descriptor >= 0)
                _ = write(descriptor, "no interpreter line\n", 20)
                close(descriptor)
            }
            let cases: [(String, Int32)] = [
                ("\(directory)/not-executable", EACCES), ("\(directory)/not-a-program", ENOEXEC),
                ("\(directory)/missing", ENOENT),
            ]
            for (path, expected) in cases {
                let report = onThreadWithOwnDescriptors {
                    let before = entries("/proc/thread-self/fd")
                    var pid: pid_t = 0
                    var stdout: Int32 = -1
                    var stderr: Int32 = -1
                    var pidDescriptor: Int32 = -1
                    var stdinWrite: Int32 = -1
                    let envp: [UnsafeMutablePointer<CChar>?] = [nil]
                    let rc = credhelper_spawn_with(
                        method.c, path, nil, envp, &pid, &stdout, &stderr, &pidDescriptor, &stdinWrite)
                    let children = contents("/proc/\(getpid())/task/\(threadID())/children")
                    let after = entries("/proc/thread-self/fd")
                    return
                        "rc \(rc), children [\(children)], descriptors \(before == after ? "unchanged" : "\(before) → \(after)")"
                }
                #expect(report == "rc \(expected), children [], descriptors unchanged", "\(method) \(path): \(report)")
            }
        }
    }
#endif
