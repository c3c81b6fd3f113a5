import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The .deb from scripts/package.sh (with the built binaries: PREBUILT, no release build inside the
/// test), installed into a scratch root with `dpkg --root` and purged: what the package installed
/// goes, and nothing of an administrator's or a user's files does (docs/deploy.md, "Uninstall").
@Suite(
    "The .deb: install and purge", .timeLimit(.minutes(5)),
    .enabled(
        if: geteuid() == 0 && FileManager.default.isExecutableFile(atPath: "/usr/bin/dpkg-deb"),
        "dpkg --root installs as root: run the tests as root, with dpkg-deb"))
struct PackagePurgeTests {
    let folder = HelperScripts()

    func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) async throws -> (
        Int32, String
    ) {
        let result = try await ProgramRun.run(executable, arguments, environment: environment)
        return (result.status, result.stdout + result.stderr)
    }

    @Test("dpkg --purge removes the binaries and the proxy's unit, and leaves /etc/credhelper and users' homes")
    func purgeKeepsUsersData() async throws {
        let prebuilt = folder.subdirectory("prebuilt", mode: 0o755)
        let full = String(BuiltBinary.path.dropLast("credhelper".count)) + "credhelper-full"
        try await OffPool.wait {  // two large debug binaries
            for (from, name) in [(BuiltBinary.path, "credhelper"), (full, "credhelper-full")] {
                try FileManager.default.copyItem(atPath: from, toPath: prebuilt + "/" + name)
            }
        }
        let dist = folder.subdirectory("dist", mode: 0o755)
        let (built, log) = try await run(
            "/bin/bash", [ProxyServiceTests.repository + "/scripts/package.sh"],
            environment: ["PREBUILT": prebuilt, "DIST": dist, "DEB_COMPRESSION": "none"])
        #expect(built == 0, "\(log)")
        let deb = try #require(try FileManager.default.contentsOfDirectory(atPath: dist).first { $0.hasSuffix(".deb") })

        let root = folder.directory + "/root"
        for directory in [
            "var/lib/dpkg/info", "var/lib/dpkg/updates", "etc/credhelper", "home/alice/.config/credhelper",
            "home/alice/.local/state/credhelper/tokens", "home/alice/.cache/credhelper/host",
        ] {
            try FileManager.default.createDirectory(atPath: root + "/" + directory, withIntermediateDirectories: true)
        }
        let kept = [
            "etc/credhelper/profiles.json", "home/alice/.config/credhelper/profiles.json",
            "home/alice/.config/credhelper/proxy.env", "home/alice/.local/state/credhelper/tokens/0123.json",
            "home/alice/.cache/credhelper/host/4567.json",
        ]
        for file in kept + ["var/lib/dpkg/status", "var/lib/dpkg/available"] {
            FileManager.default.createFile(atPath: root + "/" + file, contents: Data())
        }
        let dpkg = ["--root=\(root)", "--force-depends"]
        // dpkg refuses to run without ldconfig and start-stop-daemon on PATH (root's sbin directories),
        // which a bare environment (env -i, a CI runner) may not have.
        let sbin = [
            "PATH": (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")
                + ":/usr/local/sbin:/usr/sbin:/sbin"
        ]
        let (installed, installLog) = try await run(
            "/usr/bin/dpkg", dpkg + ["-i", dist + "/" + deb], environment: sbin)
        #expect(installed == 0, "\(installLog)")
        let shipped = [
            "usr/bin/credhelper", "usr/bin/credhelper-full", "usr/lib/systemd/user/credhelper-proxy.service",
            "usr/share/doc/credhelper/deploy.md", "usr/share/doc/credhelper/examples/com.credhelper.proxy.plist",
        ]
        for file in shipped {
            #expect(FileManager.default.fileExists(atPath: root + "/" + file), "the package did not install /\(file)")
        }

        let (purged, purgeLog) = try await run("/usr/bin/dpkg", dpkg + ["--purge", "credhelper"], environment: sbin)
        #expect(purged == 0, "\(purgeLog)")
        for file in shipped {
            #expect(!FileManager.default.fileExists(atPath: root + "/" + file), "dpkg --purge left /\(file)")
        }
        for file in kept {
            #expect(FileManager.default.fileExists(atPath: root + "/" + file), "dpkg --purge removed /\(file)")
        }
        let (listed, _) = try await run("/usr/bin/dpkg-query", ["--root=\(root)", "-W", "credhelper"])
        #expect(listed != 0, "dpkg still lists credhelper after --purge")
    }
}
