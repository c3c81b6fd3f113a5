import CHelperSpawn
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `credhelper_spawn` itself: what a spawned child has (session, descriptors, signals, argv) and
/// what the caller gets back. The children are real processes, inspected through `/proc` (Linux).
@Suite("credhelper_spawn")
struct HelperSpawnTests {
    /// A spawned child and the descriptors returned with it.
    struct Child {
        var pid: pid_t = 0
        var stdout: Int32 = -1
        var stderr: Int32 = -1
        var pidDescriptor: Int32 = -1
        var stdinWrite: Int32 = -1

        /// Kills the child, reaps it (its wait status) and closes every descriptor.
        func end(signal: Int32 = SIGKILL) -> Int32 {
            if signal != 0 { kill(pid, signal) }
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            for descriptor in [stdout, stderr, pidDescriptor, stdinWrite] where descriptor >= 0 { close(descriptor) }
            return status
        }
    }

    func spawn(_ method: SpawnMethod, _ path: String, _ arguments: [String]?, stdinPipe: Bool = false) -> (Int32, Child)
    {
        var child = Child()
        let argv: [UnsafeMutablePointer<CChar>?] = (arguments.map { [path] + $0 } ?? []).map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { (argv + envp).forEach { free($0) } }
        let rc = argv.withUnsafeBufferPointer { argvBuffer in
            envp.withUnsafeBufferPointer { envpBuffer in
                stdinPipe
                    ? credhelper_spawn_with(
                        method.c, path, arguments == nil ? nil : argvBuffer.baseAddress, envpBuffer.baseAddress,
                        &child.pid,
                        &child.stdout, &child.stderr, &child.pidDescriptor, &child.stdinWrite)
                    : credhelper_spawn_with(
                        method.c, path, arguments == nil ? nil : argvBuffer.baseAddress, envpBuffer.baseAddress,
                        &child.pid,
                        &child.stdout, &child.stderr, &child.pidDescriptor, nil)
            }
        }
        return (rc, child)
    }

    func link(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlink(path, &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    /// Waits until the child has exec'd `name` (its /proc comm) and its arguments are in place (the
    /// kernel sets the name first), up to 2 s, without holding a cooperative thread.
    func waitForExec(_ child: Child, _ name: String) async -> Bool {
        for _ in 0..<200 {
            if contents("/proc/\(child.pid)/comm") == name + "\n", !contents("/proc/\(child.pid)/cmdline").isEmpty {
                return true
            }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return false
    }

    @Test(
        "the child leads a new session and process group, so its group can be signalled as a whole",
        arguments: SpawnMethod.available)
    func newSession(method: SpawnMethod) async throws {
        let (rc, child) = spawn(method, "/bin/sleep", ["30"])
        try #require(rc == 0, "credhelper_spawn_with(\(method)) failed: \(rc)")
        #expect(await waitForExec(child, "sleep"))
        #expect(getsid(child.pid) == child.pid, "not a session leader")
        #expect(getpgid(child.pid) == child.pid, "not a process group leader")
        #expect(getsid(child.pid) != getsid(0), "the child shares the caller's session")
        kill(-child.pid, SIGKILL)
        #expect(child.end(signal: 0) & 0x7F == SIGKILL, "the group signal did not reach the child")
    }

    @Test(
        "stdin is /dev/null, stdout and stderr are pipes, and no other descriptor reaches the child",
        arguments: SpawnMethod.available)
    func descriptors(method: SpawnMethod) async throws {
        // A descriptor this process leaves inheritable (no close-on-exec) must still not reach the child.
        let leaked = open("/dev/zero", O_RDONLY)
        defer { close(leaked) }
        try #require(leaked > 2)
        let (rc, child) = spawn(method, "/bin/sleep", ["30"])
        try #require(rc == 0, "credhelper_spawn_with(\(method)) failed: \(rc)")
        #expect(await waitForExec(child, "sleep"))
        let directory = try #require(opendir("/proc/\(child.pid)/fd"))
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if !name.hasPrefix(".") { names.append(name) }
        }
        closedir(directory)
        #expect(names.sorted() == ["0", "1", "2"], "the child has descriptors \(names.sorted())")
        #expect(link("/proc/\(child.pid)/fd/0") == "/dev/null")
        #expect(link("/proc/\(child.pid)/fd/1").hasPrefix("pipe:"))
        #expect(link("/proc/\(child.pid)/fd/2").hasPrefix("pipe:"))
        #expect(fcntl(child.stdout, F_GETFD) & FD_CLOEXEC != 0, "the caller's read end is inheritable")
        _ = child.end()
    }

    /// Serialized: it changes process-wide dispositions (SIGUSR2, SIGPROF) while each case spawns.
    @Test(
        "the signal mask and the commonly ignored signals are reset, whatever the caller has; other ignored signals stay ignored",
        .serialized,
        arguments: SpawnMethod.available)
    func signals(method: SpawnMethod) async throws {
        var usr1 = sigset_t()
        sigemptyset(&usr1)
        sigaddset(&usr1, SIGUSR1)
        var previous = sigset_t()
        pthread_sigmask(SIG_BLOCK, &usr1, &previous)
        let oldHandler = signal(SIGUSR2, SIG_IGN)
        let oldProfile = signal(SIGPROF, SIG_IGN)
        let (rc, child) = spawn(method, "/bin/sleep", ["30"])
        signal(SIGPROF, oldProfile)
        signal(SIGUSR2, oldHandler)
        pthread_sigmask(SIG_SETMASK, &previous, nil)
        try #require(rc == 0, "credhelper_spawn_with(\(method)) failed: \(rc)")
        #expect(await waitForExec(child, "sleep"))
        let status = contents("/proc/\(child.pid)/status").split(separator: "\n")
        let blocked = Self.mask(status, "SigBlk:")
        let ignored = Self.mask(status, "SigIgn:")
        #expect(blocked == 0, "blocked signals: \(String(blocked, radix: 16))")
        // The signals a host commonly ignores, and SIGUSR2 ignored here, are back to their defaults.
        // (Real-time signals the environment ignores are not in the reset list.)
        for number in [SIGPIPE, SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGCHLD, SIGALRM, SIGUSR1, SIGUSR2] {
            #expect(ignored & (1 << UInt64(number - 1)) == 0, "signal \(number) is still ignored")
        }
        // As with posix_spawn, an ignored signal outside that list stays ignored across exec.
        #expect(ignored & (1 << UInt64(SIGPROF - 1)) != 0, "SIGPROF, ignored here, is no longer ignored")
        _ = child.end()
    }

    /// The signal mask on the `/proc/PID/status` line starting with `field`.
    static func mask(_ status: [Substring], _ field: String) -> UInt64 {
        status.first { $0.hasPrefix(field) }.flatMap { $0.split(separator: "\t").last }
            .flatMap { UInt64($0, radix: 16) } ?? .max
    }

    @Test(
        "without argv the child gets its path alone; with a stdin pipe it reads what the caller writes",
        arguments: SpawnMethod.available)
    func bareArgvAndStdinPipe(method: SpawnMethod) async throws {
        let (rc, child) = spawn(method, "/bin/cat", nil, stdinPipe: true)
        try #require(rc == 0, "credhelper_spawn_with(\(method)) failed: \(rc)")
        try #require(child.stdinWrite >= 0)
        #expect(await waitForExec(child, "cat"))
        #expect(contents("/proc/\(child.pid)/cmdline") == "/bin/cat\0")
        #expect(link("/proc/\(child.pid)/fd/0").hasPrefix("pipe:"))
        let sent = Array("hello\n".utf8)
        #expect(write(child.stdinWrite, sent, sent.count) == sent.count)
        close(child.stdinWrite)
        var buffer = [UInt8](repeating: 0, count: 64)
        let count = read(child.stdout, &buffer, buffer.count)
        #expect(count == sent.count && Array(buffer[..<max(count, 0)]) == sent)
        var done = child
        done.stdinWrite = -1
        #expect(done.end(signal: 0) == 0, "cat did not exit 0 at end of file")
    }

    @Test("the pidfd becomes readable when the child exits", arguments: SpawnMethod.available)
    func pidDescriptor(method: SpawnMethod) async throws {
        let (rc, child) = spawn(method, "/bin/true", nil)
        try #require(rc == 0, "credhelper_spawn_with(\(method)) failed: \(rc)")
        #if os(Linux)
            try #require(child.pidDescriptor >= 0, "no pidfd on Linux")
            var exited = false
            for _ in 0..<500 where !exited {
                var polled = [pollfd(fd: child.pidDescriptor, events: Int16(POLLIN), revents: 0)]
                exited = poll(&polled, 1, 0) == 1
                if !exited { try await Task.sleep(for: .milliseconds(10)) }
            }
            #expect(exited, "the pidfd did not report the exit within 5 s")
        #endif
        #expect(child.end(signal: 0) == 0)
    }

    @Test("a path that does not exist is an errno value, with no child", arguments: SpawnMethod.available)
    func missing(method: SpawnMethod) {
        let (rc, child) = spawn(method, "/nonexistent/credhelper-spawn-test", nil)
        #expect(rc == ENOENT, "rc \(rc)")
        #expect(child.pid == 0 && child.stdout == -1 && child.stderr == -1)
    }
}
