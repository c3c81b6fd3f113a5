#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The process's environment and raw writes to its standard streams, for the helper executables
/// (no Foundation `ProcessInfo` or `FileHandle` on the hot path).
public enum ProcessIO {
    /// The environment, from `environ`.
    public static func environment() -> [String: String] {
        var count = 0
        while environ[count] != nil { count += 1 }
        var environment: [String: String] = [:]
        environment.reserveCapacity(count)
        for index in 0..<count {
            guard let pointer = environ[index] else { continue }
            // Split at the first '=' on the bytes: cheaper at start-up than Character-wise String search.
            let entry = UnsafeRawPointer(pointer).assumingMemoryBound(to: UInt8.self)
            let pair = UnsafeBufferPointer(start: entry, count: strlen(pointer))
            guard let equals = pair.firstIndex(of: UInt8(ascii: "=")) else { continue }
            environment[String(decoding: pair[..<equals], as: UTF8.self)] = String(
                decoding: pair[(equals + 1)...], as: UTF8.self)
        }
        return environment
    }

    /// Writes all of `bytes` to `descriptor`, retrying on EINTR. Returns false on a write error.
    @discardableResult
    public static func write(_ descriptor: Int32, _ bytes: [UInt8]) -> Bool {
        var offset = 0
        while offset < bytes.count {
            let written = bytes[offset...].withUnsafeBytes { writeBytes(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            guard written > 0 else { return false }
            offset += written
        }
        return true
    }
}

/// The C library's `write`, under a name `ProcessIO.write` does not shadow (portable to Darwin).
private func writeBytes(_ descriptor: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
