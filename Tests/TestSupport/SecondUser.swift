import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Another local account for the two-user tests: `nobody`, reached with `setpriv` when the tests run
/// as root. Tests that need it are skipped with this reason otherwise (never silently).
public enum SecondUser {
    /// Whether the tests can act as another user (they run as root and `setpriv` exists).
    public static var available: Bool {
        geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv")
    }

    /// nobody's user and group ids.
    public static let uid: uid_t = 65534
    public static let gid: gid_t = 65534

    /// Runs `/bin/sh -c script` as nobody with an empty environment but `extra`; returns the exit
    /// status and what it printed on stdout and stderr together.
    @discardableResult
    public static func shell(_ script: String, environment extra: [String: String] = [:]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        process.arguments = [
            "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--", "/bin/sh", "-c", script,
        ]
        process.environment = ["PATH": "/usr/bin:/bin"].merging(extra) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
