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

    /// A folder in `/tmp` that nobody can enter (0755), holding hard links to (or, across file systems,
    /// copies of) `files`, so nobody can run them wherever the checkout is: a checkout under `/root` or
    /// in a `mktemp -d` folder is out of nobody's reach. Returns the folder (deleted on deinit) and the
    /// files' new paths, in order.
    public static func reachableCopies(of files: [String]) throws -> (HelperScripts, [String]) {
        let folder = HelperScripts(in: "/tmp")
        chmod(folder.directory, 0o755)
        var placed: [String] = []
        for file in files {
            let target = folder.path(String(file.split(separator: "/").last ?? ""))
            if link(file, target) != 0 {
                try FileManager.default.copyItem(atPath: file, toPath: target)
            }
            chmod(target, 0o755)
            placed.append(target)
        }
        return (folder, placed)
    }

    /// Runs `/bin/sh -c script` as nobody with an empty environment but `extra`; returns the exit
    /// status and what it printed on stdout and stderr together.
    ///
    /// With `etc`, the script runs in a private mount namespace (`unshare`) where the folder `etc`
    /// is bind-mounted over `/etc`: a test can install files at their real system paths
    /// (`/etc/credhelper/profiles.json`) without touching the machine's, which other tests share.
    @discardableResult
    public static func shell(
        _ script: String, environment extra: [String: String] = [:], etc: String? = nil
    ) async throws -> (Int32, String) {
        let process = Process()
        let asNobody = ["/usr/bin/setpriv", "--reuid=\(uid)", "--regid=\(gid)", "--clear-groups", "--"]
        if let etc {
            process.executableURL = URL(fileURLWithPath: "/usr/bin/unshare")
            process.arguments =
                [
                    "--mount", "--propagation", "private", "/bin/sh", "-c",
                    #"mount --bind "$0" /etc && exec "$@""#,
                ]
                + [etc] + asNobody + ["/bin/sh", "-c", script]
        } else {
            process.executableURL = URL(fileURLWithPath: asNobody[0])
            process.arguments = Array(asNobody.dropFirst()) + ["/bin/sh", "-c", script]
        }
        process.environment = ["PATH": "/usr/bin:/bin"].merging(extra) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = try await OffPool.wait {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
