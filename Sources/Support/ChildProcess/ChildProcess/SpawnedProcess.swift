import CHelperSpawn

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A child started by `credhelper_spawn`: its pid and the descriptors the supervisor reads, writes
/// and watches.
struct SpawnedProcess: Sendable {
    let pid: pid_t
    /// The read ends of its stdout and stderr pipes.
    let stdout: Int32
    let stderr: Int32
    /// A pidfd (Linux), or -1.
    let pidDescriptor: Int32
    /// The write end of its stdin pipe, or -1 when stdin is `/dev/null`. Non-blocking when fed bytes.
    let stdinWrite: Int32

    /// Spawns `executable` (see `credhelper_spawn`: no shell, a new session, every other descriptor
    /// closed, signals reset), with exactly `environment`; with no `arguments`, argv is the path alone.
    /// Returns the errno value on failure.
    static func spawn(
        _ executable: String, arguments: [String], environment: ChildEnvironment, standardInput: StandardInput
    ) -> Result<SpawnedProcess, ChildProcessError> {
        let stdinPipe = standardInput != .null
        var pid: pid_t = 0
        var stdout: Int32 = -1
        var stderr: Int32 = -1
        var pidDescriptor: Int32 = -1
        var stdinWrite: Int32 = -1
        var rc: Int32 = 0
        for attempt in 0..<6 {
            rc = withCStringArray(arguments.isEmpty ? [] : [executable] + arguments) { argv in
                environment.withEnvp { envp in
                    let argv = arguments.isEmpty ? nil : argv
                    return stdinPipe
                        ? credhelper_spawn(executable, argv, envp, &pid, &stdout, &stderr, &pidDescriptor, &stdinWrite)
                        : credhelper_spawn(executable, argv, envp, &pid, &stdout, &stderr, &pidDescriptor, nil)
                }
            }
            // ETXTBSY is transient: a child another thread was starting held the file open for
            // writing until it exec'd (the program was just written). Retry for about a third of a
            // second (1, 4, 16, 64, 256 ms apart), which a loaded machine can take, before reporting it.
            guard rc == ETXTBSY, attempt < 5 else { break }
            usleep(UInt32(1000 << (2 * attempt)))
        }
        guard rc == 0 else { return .failure(ChildProcessError(spawnFailed: rc, executable: executable)) }
        if case .bytes = standardInput { _ = fcntl(stdinWrite, F_SETFL, fcntl(stdinWrite, F_GETFL) | O_NONBLOCK) }
        return .success(
            SpawnedProcess(
                pid: pid, stdout: stdout, stderr: stderr, pidDescriptor: pidDescriptor, stdinWrite: stdinWrite))
    }
}

/// Calls `body` with a NULL-terminated array of C strings.
private func withCStringArray<R>(
    _ strings: [String], _ body: (UnsafePointer<UnsafeMutablePointer<CChar>?>?) -> R
) -> R {
    var pointers: [UnsafeMutablePointer<CChar>?] = strings.map { strdup($0) }
    pointers.append(nil)
    defer { pointers.forEach { free($0) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress) }
}
