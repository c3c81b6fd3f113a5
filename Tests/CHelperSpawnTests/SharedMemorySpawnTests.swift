import CHelperSpawn
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if os(Linux)
    /// Set by the SIGUSR1 handler when it runs in any process but this one: a child that ran the
    /// caller's handler before it exec'd (with `CLONE_VM`, the child's store lands in this memory).
    nonisolated(unsafe) private var handlerRanInChild: Int32 = 0
    nonisolated(unsafe) private var callerPid: pid_t = 0

    /// unshare(2) and its CLONE_FILES flag (the same on every Linux architecture), which the Glibc
    /// module does not import.
    @_silgen_name("unshare") private func unshare(_ flags: Int32) -> Int32
    private let cloneFiles: Int32 = 0x400

    /// The calling thread's id, from the /proc/thread-self link ("PID/task/TID").
    private func threadID() -> pid_t {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        let link = String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { pid_t($0) } ?? -1
    }

    /// A thread of its own (not one of Swift concurrency's few), joined by the test.
    struct OwnThread {
        let thread: pthread_t

        static func start(_ body: @escaping @Sendable () -> Void) -> OwnThread? {
            final class Work {
                let body: @Sendable () -> Void
                init(_ body: @escaping @Sendable () -> Void) { self.body = body }
            }
            var thread = pthread_t()
            let context = Unmanaged.passRetained(Work(body)).toOpaque()
            let created = pthread_create(
                &thread, nil,
                { raw in
                    raw.map { Unmanaged<Work>.fromOpaque($0).takeRetainedValue().body() }
                    return nil
                }, context)
            guard created == 0 else {
                Unmanaged<Work>.fromOpaque(context).release()
                return nil
            }
            return OwnThread(thread: thread)
        }

        func join() { pthread_join(thread, nil) }
    }

    /// On Linux `credhelper_spawn` starts the child with vfork semantics: until it execs, the child
    /// runs on the caller's memory. These are the hazards of that, each with the hostile case: a
    /// caller whose standard descriptors are closed, and a signal that reaches the child before exec.
    @Suite("credhelper_spawn: the child shares the caller's memory until exec")
    struct SharedMemorySpawnTests {
        /// Runs `body` on a new thread with a file-descriptor table of its own (`unshare(CLONE_FILES)`),
        /// so it can close 0, 1 and 2 without touching the rest of the test process.
        func onThreadWithOwnDescriptors(_ body: @escaping @Sendable () -> String) -> String {
            let result = Mutex("the thread did not run")
            let thread = OwnThread.start {
                let got = unshare(cloneFiles) == 0 ? body() : "unshare failed: errno \(errno)"
                result.withLock { $0 = got }
            }
            guard let thread else { return "pthread_create failed" }
            thread.join()
            return result.withLock { $0 }
        }

        /// Reads `descriptor` to end of file.
        static func drain(_ descriptor: Int32) -> String {
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 256)
            while true {
                let count = read(descriptor, &buffer, buffer.count)
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                bytes += buffer[..<count]
            }
            return String(decoding: bytes, as: UTF8.self)
        }

        /// Spawns a shell that reads a line and echoes it to stdout and stderr, with the standard
        /// descriptors in `closed` closed in the caller first, so the new pipes land on 0, 1 or 2 (a
        /// pipe end can land on the very descriptor it must become in the child). Returns what the
        /// child wrote, or what went wrong.
        static func echoWithClosed(_ closed: [Int32], stdinPipe: Bool) -> String {
            for descriptor in closed { close(descriptor) }
            let script = stdinPipe ? "read line; echo \"out:$line\"; echo \"err:$line\" >&2" : "echo out; echo err >&2"
            let words: [String] = ["/bin/sh", "-c", script]
            let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
            let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
            defer { (argv + envp).forEach { free($0) } }
            var pid: pid_t = 0
            var stdout: Int32 = -1
            var stderr: Int32 = -1
            var pidDescriptor: Int32 = -1
            var stdinWrite: Int32 = -1
            let rc = argv.withUnsafeBufferPointer { argvBuffer in
                envp.withUnsafeBufferPointer { envpBuffer in
                    stdinPipe
                        ? credhelper_spawn(
                            "/bin/sh", argvBuffer.baseAddress, envpBuffer.baseAddress, &pid, &stdout, &stderr,
                            &pidDescriptor, &stdinWrite)
                        : credhelper_spawn(
                            "/bin/sh", argvBuffer.baseAddress, envpBuffer.baseAddress, &pid, &stdout, &stderr,
                            &pidDescriptor, nil)
                }
            }
            guard rc == 0 else { return "credhelper_spawn failed: \(rc)" }
            if stdinPipe {
                _ = write(stdinWrite, "x\n", 2)
                close(stdinWrite)
            }
            let output = drain(stdout) + "|" + drain(stderr)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            for descriptor in [stdout, stderr, pidDescriptor] where descriptor >= 0 { close(descriptor) }
            return status == 0 ? output : "\(output) (wait status \(status))"
        }

        @Test(
            "with any of the caller's standard descriptors closed, the child still gets its stdin, stdout and stderr",
            arguments: [false, true])
        func closedStandardDescriptors(stdinPipe: Bool) {
            let expected = stdinPipe ? "out:x\n|err:x\n" : "out\n|err\n"
            let subsets: [[Int32]] = [[0], [1], [2], [0, 1], [0, 2], [1, 2], [0, 1, 2]]
            for closed in subsets {
                let got = onThreadWithOwnDescriptors { Self.echoWithClosed(closed, stdinPipe: stdinPipe) }
                #expect(got == expected, "with \(closed) closed the child wrote \(got.debugDescription)")
            }
        }

        @Test("a signal that reaches the child before it execs never runs the caller's handler there")
        func noHandlerBeforeExec() async throws {
            callerPid = getpid()
            handlerRanInChild = 0
            var handler = sigaction()
            handler.__sigaction_handler.sa_handler = { _ in
                if getpid() != callerPid { handlerRanInChild = 1 }
            }
            var previous = sigaction()
            sigaction(SIGUSR1, &handler, &previous)
            defer { sigaction(SIGUSR1, &previous, nil) }

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
                            credhelper_spawn("/bin/true", argv, envp, &pid, &stdout, &stderr, &pidDescriptor, nil) == 0
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
                                kill(pid, SIGUSR1)
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
            #expect(handlerRanInChild == 0, "a child ran the caller's SIGUSR1 handler before exec")
        }

        /// The whole of a small file, or a sentence saying it cannot be read.
        static func contents(_ path: String) -> String {
            let descriptor = open(path, O_RDONLY | O_CLOEXEC)
            guard descriptor >= 0 else { return "cannot open \(path)" }
            defer { close(descriptor) }
            return drain(descriptor)
        }

        /// The entries of a /proc directory listing, without "." and "..".
        static func entries(_ path: String) -> [String] {
            guard let directory = opendir(path) else { return ["cannot open \(path)"] }
            defer { closedir(directory) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            return names.sorted()
        }

        @Test("a program that cannot run is its errno, with no child left behind and no descriptor open")
        func execFailures() throws {
            let directory = "/tmp/credhelper-spawn-\(getpid())"
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
                    let before = Self.entries("/proc/thread-self/fd")
                    var pid: pid_t = 0
                    var stdout: Int32 = -1
                    var stderr: Int32 = -1
                    var pidDescriptor: Int32 = -1
                    var stdinWrite: Int32 = -1
                    let envp: [UnsafeMutablePointer<CChar>?] = [nil]
                    let rc = credhelper_spawn(path, nil, envp, &pid, &stdout, &stderr, &pidDescriptor, &stdinWrite)
                    let children = Self.contents("/proc/\(getpid())/task/\(threadID())/children")
                    let after = Self.entries("/proc/thread-self/fd")
                    return
                        "rc \(rc), children [\(children)], descriptors \(before == after ? "unchanged" : "\(before) → \(after)")"
                }
                #expect(report == "rc \(expected), children [], descriptors unchanged", "\(path): \(report)")
            }
        }
    }
#endif
