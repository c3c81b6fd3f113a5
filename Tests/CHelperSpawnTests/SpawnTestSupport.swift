import CHelperSpawn
import Synchronization
import Testing

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads `descriptor` to end of file.
func drain(_ descriptor: Int32) -> String {
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

/// The whole of a small file, or a sentence saying it cannot be read.
func contents(_ path: String) -> String {
    let descriptor = open(path, O_RDONLY | O_CLOEXEC)
    guard descriptor >= 0 else { return "cannot open \(path)" }
    defer { close(descriptor) }
    return drain(descriptor)
}

#if os(Linux)
    /// unshare(2) and its CLONE_FILES flag (the same on every Linux architecture), which the Glibc
    /// module does not import.
    @_silgen_name("unshare") func unshare(_ flags: Int32) -> Int32
    let cloneFiles: Int32 = 0x400

    /// The calling thread's id, from the /proc/thread-self link ("PID/task/TID").
    func threadID() -> pid_t {
        var buffer = [CChar](repeating: 0, count: 64)
        let count = readlink("/proc/thread-self", &buffer, buffer.count - 1)
        let link = String(decoding: buffer[..<max(count, 0)].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        return link.split(separator: "/").last.flatMap { pid_t($0) } ?? -1
    }

    /// A thread of its own (not one of Swift concurrency's few), joined by the test. It starts with no
    /// signal blocked, as a host's own thread may be (a thread of Swift concurrency's pool blocks them
    /// all, which would hide a spawn that forgot to).
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
                    var none = sigset_t()
                    sigemptyset(&none)
                    pthread_sigmask(SIG_SETMASK, &none, nil)
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

    /// The entries of a /proc directory listing, without "." and "..".
    func entries(_ path: String) -> [String] {
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

    /// A seccomp filter on the calling thread alone (and the children it starts): the system call
    /// `number` fails with `error`, when its first argument has any bit of `argumentBits` (or always).
    /// It is how these tests play an older kernel or a container's filter. The thread keeps it until
    /// it ends, so install it on an `OwnThread`. Returns whether it is in place.
    func refuseOnThisThread(_ number: Int32, with error: Int32, whenFirstArgumentHas argumentBits: UInt32? = nil)
        -> Bool
    {
        struct Instruction {
            var code: UInt16
            var jumpIfTrue: UInt8
            var jumpIfFalse: UInt8
            var value: UInt32
        }
        struct Program {
            var length: UInt16
            var instructions: UnsafePointer<Instruction>
        }
        let load: UInt16 = 0x20, equal: UInt16 = 0x15, and: UInt16 = 0x54, ret: UInt16 = 0x06
        let allow: UInt32 = 0x7fff_0000, refuse: UInt32 = 0x0005_0000 | UInt32(error)
        var instructions = [Instruction(code: load, jumpIfTrue: 0, jumpIfFalse: 0, value: 0)]  // the number
        if let argumentBits {
            instructions += [
                Instruction(code: equal, jumpIfTrue: 0, jumpIfFalse: 4, value: UInt32(number)),
                Instruction(code: load, jumpIfTrue: 0, jumpIfFalse: 0, value: 16),  // args[0], low half
                Instruction(code: and, jumpIfTrue: 0, jumpIfFalse: 0, value: argumentBits),
                Instruction(code: equal, jumpIfTrue: 1, jumpIfFalse: 0, value: 0),
            ]
        } else {
            instructions.append(Instruction(code: equal, jumpIfTrue: 0, jumpIfFalse: 1, value: UInt32(number)))
        }
        instructions += [
            Instruction(code: ret, jumpIfTrue: 0, jumpIfFalse: 0, value: refuse),
            Instruction(code: ret, jumpIfTrue: 0, jumpIfFalse: 0, value: allow),
        ]
        let noNewPrivileges: Int32 = 38, setSeccomp: Int32 = 22, filterMode: UInt = 2
        return instructions.withUnsafeBufferPointer { buffer in
            guard let first = buffer.baseAddress else { return false }
            var program = Program(length: UInt16(buffer.count), instructions: first)
            return prctl(noNewPrivileges, 1, 0, 0, 0) == 0
                && withUnsafePointer(to: &program) { prctl(setSeccomp, filterMode, UInt(bitPattern: $0), 0, 0) } == 0
        }
    }

    /// prctl(2), declared with fixed arguments (Swift does not import C variadic functions).
    @_silgen_name("prctl") func prctl(_ option: Int32, _ a: UInt, _ b: UInt, _ c: UInt, _ d: UInt) -> Int32

    /// What `spawnAndWait` saw: the spawn's return code, then (when it is 0) what the child wrote, its
    /// wait status, and whether a pidfd came back.
    struct SpawnRun {
        var rc: Int32
        var stdout = ""
        var stderr = ""
        var status: Int32 = 0
        var hadPidDescriptor = false
    }

    /// Spawns `words` (the program's path first; `PATH=/usr/bin:/bin` its whole environment) by
    /// `method`, writes `input` to a stdin pipe (without it, stdin is /dev/null), reads stdout and then
    /// stderr to end of file, and reaps the child. `afterSpawn` runs as soon as the spawn returns.
    func spawnAndWait(
        _ method: SpawnMethod, _ words: [String], input: String? = nil, afterSpawn: () -> Void = {}
    ) -> SpawnRun {
        let argv: [UnsafeMutablePointer<CChar>?] = words.map { strdup($0) } + [nil]
        let envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { (argv + envp).forEach { free($0) } }
        var pid: pid_t = 0
        var stdout: Int32 = -1
        var stderr: Int32 = -1
        var pidDescriptor: Int32 = -1
        var stdinWrite: Int32 = -1
        let rc =
            input == nil
            ? credhelper_spawn_with(method.c, words[0], argv, envp, &pid, &stdout, &stderr, &pidDescriptor, nil)
            : credhelper_spawn_with(
                method.c, words[0], argv, envp, &pid, &stdout, &stderr, &pidDescriptor, &stdinWrite)
        afterSpawn()
        guard rc == 0 else { return SpawnRun(rc: rc) }
        if let input {
            let bytes = Array(input.utf8)
            _ = write(stdinWrite, bytes, bytes.count)
            close(stdinWrite)
        }
        var run = SpawnRun(rc: 0, stdout: drain(stdout), stderr: drain(stderr), hadPidDescriptor: pidDescriptor >= 0)
        while waitpid(pid, &run.status, 0) < 0 && errno == EINTR {}
        for descriptor in [stdout, stderr, pidDescriptor] where descriptor >= 0 { close(descriptor) }
        return run
    }
#endif
