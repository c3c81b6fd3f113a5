#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reading and writing files that hold secrets: a 0700 directory owned by the user, 0600 files
/// written atomically (temp file, fsync, rename), and a refusal to read a file whose permissions
/// were widened or that is not the user's.
public enum SecureFile {
    /// A problem with a secret file, as a sentence naming the path and the fix.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What went wrong and what to do.
        public let description: String

        /// A failure saying `description`.
        public init(description: String) { self.description = description }
    }

    /// Creates `path` (and missing parents) as 0700, or checks that an existing one is private.
    public static func ensureDirectory(_ path: String) throws(Failure) {
        var info = stat()
        if lstat(path, &info) != 0 {
            let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
            if !parent.isEmpty, parent != path { try ensureParent(parent) }
            guard mkdir(path, 0o700) == 0 || errno == EEXIST, lstat(path, &info) == 0 else {
                throw Failure(
                    description: "cannot create directory \(path): \(errorText()); check its parent's permissions")
            }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw Failure(description: "\(path) is not a directory; remove it so it can be created as one")
        }
        guard info.st_uid == geteuid() else {
            throw Failure(
                description: "directory \(path) belongs to another user; remove it or choose another directory")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o077 == 0 else {
            throw Failure(
                description: "directory \(path) has mode \(String(mode, radix: 8)); secrets need a private "
                    + "directory: run chmod 700 \(path)")
        }
    }

    /// The contents of `path`, or nil when it does not exist. Refuses a file that is not a regular file
    /// owned by this user with mode 0600 or narrower, or that lies in a directory another user could
    /// write (``TrustedPath``). `role` names the file in messages.
    public static func contents(of path: String, role: String = "the file", limit: Int = 1 << 20) throws(Failure)
        -> [UInt8]?
    {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return nil }
            throw Failure(description: "cannot open \(path): \(errorText())")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
            throw Failure(description: "\(path) is not a regular file; remove it")
        }
        let mode = info.st_mode & 0o777
        guard info.st_uid == geteuid(), mode & 0o077 == 0 else {
            throw Failure(
                description: "\(path) has mode \(String(mode, radix: 8)) or another owner, so it may have "
                    + "been read or replaced by someone else; it is not trusted — remove it")
        }
        do { try TrustedPath.check(path, role: role) } catch {
            throw Failure(description: error.description)
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw Failure(description: "cannot read \(path): \(errorText())")
            }
            if count == 0 { return bytes }
            bytes += chunk[..<count]
            if bytes.count > limit { throw Failure(description: "\(path) is larger than \(limit) bytes; remove it") }
        }
    }

    /// Writes `bytes` to `path` atomically with mode 0600: a temp file in the same directory, fsync,
    /// rename over the old file. A crash at any point leaves either the old or the new contents.
    public static func store(_ bytes: [UInt8], at path: String) throws(Failure) {
        let temp = "\(path).\(getpid()).\(UInt32.random(in: 0...UInt32.max)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temp): \(errorText())") }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            if count <= 0 {
                let reason = errorText()
                close(fd)
                unlink(temp)
                throw Failure(description: "cannot write \(temp): \(reason)")
            }
            written += count
        }
        let synced = fsync(fd) == 0
        close(fd)
        guard synced, rename(temp, path) == 0 else {
            let reason = errorText()
            unlink(temp)
            throw Failure(description: "cannot replace \(path): \(reason)")
        }
    }

    private static func ensureParent(_ path: String) throws(Failure) {
        var info = stat()
        if stat(path, &info) == 0 { return }
        let parent = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !parent.isEmpty, parent != path { try ensureParent(parent) }
        guard mkdir(path, 0o700) == 0 || errno == EEXIST else {
            throw Failure(description: "cannot create directory \(path): \(errorText())")
        }
    }

    private static func errorText() -> String { String(cString: strerror(errno)) }
}
