#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// An exclusive advisory lock on a file (`flock`), shared by every process of this user.
///
/// The kernel releases it when the holder exits, even on `kill -9`, so a crashed helper never
/// leaves a profile locked.
public final class FileLock: Sendable {
    private let descriptor: Int32

    private init(descriptor: Int32) { self.descriptor = descriptor }

    deinit { close(descriptor) }

    /// Takes the lock on `path` (created 0600 if missing), waiting until `deadline` at most.
    /// Returns nil when the deadline passed first.
    public static func acquire(_ path: String, until deadline: ContinuousClock.Instant) throws(TokenStoreError)
        -> FileLock?
    {
        let descriptor = open(path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else {
            throw TokenStoreError(
                .unwritable, path: path,
                "cannot open the lock file \(path): \(String(cString: strerror(errno))); check the store directory")
        }
        var pause = 1
        while flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            guard errno == EWOULDBLOCK || errno == EINTR else {
                let reason = String(cString: strerror(errno))
                close(descriptor)
                throw TokenStoreError(.unwritable, path: path, "cannot lock \(path): \(reason)")
            }
            if ContinuousClock.now >= deadline {
                close(descriptor)
                return nil
            }
            usleep(UInt32(pause * 1000))
            pause = min(pause * 2, 20)
        }
        return FileLock(descriptor: descriptor)
    }
}
