#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a file may decide what runs or what is sent: the rule OpenSSH applies with `StrictModes`
/// and sudo applies to its configuration (docs/security.md).
///
/// The file and every directory on the way to it from `/` must be owned by root or by this user and
/// must not be writable by group or others — except a directory with the sticky bit (such as `/tmp`),
/// where others cannot remove or rename what they do not own. Symbolic links are followed, and the
/// directories holding each link are checked too, so a link cannot lead out of the trusted tree.
/// Without this, another local user who can write any directory on the path can replace the file
/// and choose what the victim runs or sends.
public enum TrustedPath {
    /// Why a path is not trusted.
    public struct Failure: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public enum Code: String, Sendable, Hashable {
            /// The file does not exist.
            case missing
            /// The path or a directory on it is not what it must be (not a directory, not a regular file,
            /// a loop of links).
            case wrongType = "wrong-type"
            /// The file or a directory on its path belongs to another user.
            case foreignOwner = "foreign-owner"
            /// The file or a directory on its path can be written by its group or by every user.
            case writableByOthers = "writable-by-others"
        }

        /// What is wrong.
        public let code: Code
        /// The file or directory at fault.
        public let path: String
        /// A sentence naming the path, what is wrong and the command that fixes it.
        public let description: String
    }

    /// Checks `path` (absolute) and every directory above it. `role` names the file in messages
    /// ("the helper", "the profiles file"). Returns what `stat` says of the file the path leads to.
    @discardableResult
    public static func check(_ path: String, role: String) throws(Failure) -> stat {
        var pending = components(of: path)
        // As for the kernel, a trailing slash says the path leads to a directory.
        let endsInDirectory = path.count > 1 && path.hasSuffix("/")
        var directory = ""
        var hops = 0
        var last = try checkDirectory("/", role: role)
        // The path ended in "." or "..": it leads to `directory`, already checked on the way.
        var endsInDot = false
        while !pending.isEmpty {
            let name = pending.removeFirst()
            if name == "." || name == ".." {
                if name == ".." {
                    directory = String(directory[..<(directory.lastIndex(of: "/") ?? directory.startIndex)])
                }
                endsInDot = true
                continue
            }
            endsInDot = false
            let candidate = directory + "/" + name
            var info = stat()
            guard lstat(candidate, &info) == 0 else {
                throw Failure(code: .missing, path: candidate, description: "\(candidate) does not exist")
            }
            if info.st_mode & S_IFMT == S_IFLNK {
                hops += 1
                guard hops <= 40, let target = readLink(candidate) else {
                    throw Failure(
                        code: .wrongType, path: candidate,
                        description: "\(candidate) is a symbolic link that cannot be followed (a loop?)")
                }
                // The link sits in `directory`, which is checked; now check where it leads.
                if target.hasPrefix("/") {
                    directory = ""
                    last = try checkDirectory("/", role: role)
                }
                pending = components(of: target) + pending
                continue
            }
            if pending.isEmpty {
                if endsInDirectory && info.st_mode & S_IFMT != S_IFDIR {
                    throw Failure(code: .wrongType, path: candidate, description: "\(candidate) is not a directory")
                }
                try checkEntry(candidate, info, isDirectory: info.st_mode & S_IFMT == S_IFDIR, role: role)
            } else {
                guard info.st_mode & S_IFMT == S_IFDIR else {
                    throw Failure(code: .wrongType, path: candidate, description: "\(candidate) is not a directory")
                }
                try checkEntry(candidate, info, isDirectory: true, role: role)
            }
            directory = candidate
            last = info
        }
        if endsInDot {
            var info = stat()
            let resolved = directory.isEmpty ? "/" : directory
            guard stat(resolved, &info) == 0 else {
                throw Failure(code: .missing, path: resolved, description: "\(resolved) does not exist")
            }
            last = info
        }
        return last
    }

    private static func checkDirectory(_ path: String, role: String) throws(Failure) -> stat {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw Failure(code: .missing, path: path, description: "\(path) does not exist")
        }
        try checkEntry(path, info, isDirectory: true, role: role)
        return info
    }

    private static func checkEntry(_ path: String, _ info: stat, isDirectory: Bool, role: String) throws(Failure) {
        // Built only for a message: this runs for every entry of every checked path.
        var what: String { isDirectory ? "the directory \(path), which holds \(role)," : "\(role) \(path)" }
        let owner = info.st_uid
        guard owner == 0 || owner == geteuid() else {
            throw Failure(
                code: .foreignOwner, path: path,
                description: "\(what) belongs to another user (uid \(owner)), who could replace \(role); "
                    + "run chown \(geteuid() == 0 ? "root" : "$(id -un)") \(path), or move \(role) to a directory of yours"
            )
        }
        let mode = info.st_mode & 0o7777
        let sticky = isDirectory && mode & mode_t(S_ISVTX) != 0
        guard mode & 0o022 == 0 || sticky else {
            let who = mode & 0o002 != 0 ? "every user" : "its group"
            throw Failure(
                code: .writableByOthers, path: path,
                description: "\(what) is writable by \(who) (mode \(String(mode, radix: 8))), so another user "
                    + "could replace \(role); run chmod go-w \(path)")
        }
    }

    private static func components(of path: String) -> [String] {
        path.split(separator: "/").map(String.init)
    }

    private static func readLink(_ path: String) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
        let count = readlink(path, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
