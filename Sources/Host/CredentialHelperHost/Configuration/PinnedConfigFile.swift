import CredentialHelperProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A config file read through one descriptor, with what decides whether it is managed taken from
/// that same descriptor: the path it was opened at (symbolic links resolved first, the last
/// component not followed) and its owner (`fstat`).
///
/// Reading a path and then resolving it again to decide where it is lets the user swap a symbolic
/// link in between, so that their own values count as the managed file's. Here the path is
/// resolved once: one inside a managed directory is root's all the way down and cannot change; one
/// outside it can, but whatever is read through it then counts as local.
struct PinnedConfigFile {
    /// The path the file was opened at, with symbolic links, `.` and `..` resolved.
    let resolvedPath: String
    /// The user id that owns the file.
    let owner: UInt32
    /// The file's bytes.
    let bytes: [UInt8]

    /// Reads the regular file at `path` (shown as `path` in messages), refusing more than `limit` bytes.
    static func load(_ path: String, limit: Int) throws(ConfigurationError) -> PinnedConfigFile {
        let unreadable = ConfigurationError.unusable(
            "cannot read config file \(path): it does not exist or is not readable; check the path given to --config")
        guard let pointer = realpath(path, nil) else { throw unreadable }
        let resolved = String(cString: pointer)
        free(pointer)
        let descriptor = open(resolved, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK)
        guard descriptor >= 0 else { throw unreadable }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw unreadable }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw .unusable("config file \(path) is not a regular file; give the path of a JSON or plist file")
        }
        guard info.st_size <= limit else {
            throw .unusable(
                "config file \(path) is \(info.st_size) bytes; the limit for a config file is \(limit)")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while bytes.count <= limit {
            let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else { throw unreadable }
            if count == 0 { break }
            bytes += chunk[..<count]
        }
        guard bytes.count <= limit else {
            throw .unusable(
                "config file \(path) grew past \(limit) bytes while it was read; the limit for a config file is \(limit)"
            )
        }
        return PinnedConfigFile(resolvedPath: resolved, owner: UInt32(info.st_uid), bytes: bytes)
    }
}
