#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// What the processes of a child's process group are doing, read from `/proc` (Linux only; on
/// other systems every answer is "no").
enum GroupProcesses {
    /// Whether a process in process group `group` is blocked in `read` on descriptor 0 while that
    /// descriptor is the pipe whose write end is `pipeWriteEnd` (not a file it redirected).
    static func anyBlockedReadingStdin(group: pid_t, pipeWriteEnd: Int32) -> Bool {
        #if os(Linux)
            var info = stat()
            guard fstat(pipeWriteEnd, &info) == 0 else { return false }
            let pipeName = "pipe:[\(info.st_ino)]"
            guard let directory = opendir("/proc") else { return false }
            defer { closedir(directory) }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard let pid = pid_t(name), getpgid(pid) == group else { continue }
                // /proc/PID/syscall: "0 0x0 …" is read(0, …) in progress.
                let fields = contents("/proc/\(name)/syscall").split(separator: " ")
                if fields.count > 1 && fields[0] == "0" && fields[1] == "0x0" && link("/proc/\(name)/fd/0") == pipeName
                {
                    return true
                }
            }
        #endif
        return false
    }

    private static func link(_ path: String) -> String {
        var buffer = [CChar](repeating: 0, count: 128)
        let count = readlink(path, &buffer, buffer.count - 1)
        return count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
    }

    private static func contents(_ path: String) -> String {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { return "" }
        defer { close(descriptor) }
        var buffer = [UInt8](repeating: 0, count: 256)
        let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
        return count > 0 ? String(decoding: buffer[..<count], as: UTF8.self) : ""
    }
}
