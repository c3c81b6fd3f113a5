import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// The helper's PATH as the app builds it: launch PATH + the login shell's PATH + standard locations
/// (docs/protocol.md §3.1), with real login shells (bash reading a `.profile` in a private HOME).
@Suite("Helper PATH: login shell and standard locations", .timeLimit(.minutes(1)))
struct HelperSearchPathTests {
    let scripts = HelperScripts()

    @Test("composition: launch first, then login shell, then standard; each directory once; no relative entries")
    func composition() {
        let path = HelperSearchPath.compose(
            launch: "/usr/bin:/bin::relative:/usr/bin", login: ["/corp/bin", "/bin", "/usr/local/bin"],
            standard: ["/usr/local/bin", "/snap/bin"])
        #expect(path == "/usr/bin:/bin:/corp/bin:/usr/local/bin:/snap/bin")
    }

    @Test("the standard locations include /usr/local/bin and ~/.local/bin")
    func standardLocations() {
        let locations = HelperSearchPath.standardLocations(home: "/home/alice")
        #expect(locations.contains("/usr/local/bin"))
        #expect(locations.contains("/home/alice/.local/bin"))
    }

    @Test("the parser takes only what is between the markers: banners and PATH-shaped lines are ignored")
    func parserIgnoresNoise() {
        let output = Array(
            "Welcome to corp!\nPATH=/evil/bin:/usr/bin\nm-1<PATH=/fake>x\nm-1</opt/corp/bin:relative::/usr/bin\u{7}x:/bin>m-1\nbye\n"
                .utf8)
        #expect(LoginShellPath.parse(output, marker: "m-1") == ["/opt/corp/bin", "/bin"])
        #expect(LoginShellPath.parse(Array("PATH=/usr/bin\n".utf8), marker: "m-1") == nil)
        #expect(LoginShellPath.parse(Array("m-1</usr/bin".utf8), marker: "m-1") == nil)
    }

    @Test("a real login shell: the PATH its profile sets is found, despite banners and a PATH-shaped line")
    func realLoginShell() async throws {
        let home = scripts.subdirectory("home-real", mode: 0o700)
        scripts.write(
            """
            echo "Welcome, $(id -un)! Today's PATH=/not/this:/nor/this"
            echo 'PATH=/decoy/bin'
            export PATH="$HOME/corp/bin:$PATH"
            """, to: home + "/.profile")
        let start = ContinuousClock.now
        let entries = await LoginShellPath.entries(
            shell: "/bin/bash", environment: ["HOME": home, "PATH": "/usr/bin:/bin"])
        #expect(entries.first == home + "/corp/bin", "got \(entries)")
        #expect(!entries.contains("/decoy/bin") && !entries.contains("/not/this"))
        // Far below a hang (the profile-free probe takes milliseconds; its limit is 3 s), with room
        // for a loaded machine: the entries above already show the probe finished before its limit.
        #expect(ContinuousClock.now - start < .seconds(20))
    }

    @Test("a login shell that hangs costs the time limit, not more")
    func hangingLoginShell() async throws {
        let home = scripts.subdirectory("home-hang", mode: 0o700)
        scripts.write("sleep 60\n", to: home + "/.profile")
        let start = ContinuousClock.now
        let environment = await HelperSearchPath.environment(
            from: ["HOME": home, "PATH": "/usr/bin:/bin"], shell: "/bin/bash", timeout: .seconds(1))
        let elapsed = ContinuousClock.now - start
        // The profile sleeps 60 s: a bound well below that, with room for a loaded machine.
        #expect(elapsed < .seconds(10), "took \(elapsed)")
        #expect(environment["PATH"]?.hasPrefix("/usr/bin:/bin:") == true)
        #expect(environment["PATH"]?.contains("/usr/local/bin") == true, "standard locations still added")
    }

    @Test("a nologin shell gives no login PATH, but the standard locations are still added")
    func nologinShell() async throws {
        let home = scripts.subdirectory("home-nologin", mode: 0o700)
        let nologin = ["/usr/sbin/nologin", "/sbin/nologin"].first { FileManager.default.isExecutableFile(atPath: $0) }
        let shell = try #require(nologin, "no nologin binary on this machine")
        let environment = await HelperSearchPath.environment(
            from: ["HOME": home, "PATH": "/usr/bin:/bin"], shell: shell)
        let expected = HelperSearchPath.compose(
            launch: "/usr/bin:/bin", login: [], standard: HelperSearchPath.standardLocations(home: home))
        #expect(environment["PATH"] == expected)
        #expect(expected.contains(home + "/.local/bin"))
    }

    @Test("the probe runs once per process for a shell and home: a changed profile is not read again")
    func oncePerProcess() async throws {
        let home = scripts.subdirectory("home-once", mode: 0o700)
        scripts.write("export PATH=/first/bin:$PATH\n", to: home + "/.profile")
        let first = await LoginShellPath.entries(shell: "/bin/bash", environment: ["HOME": home])
        scripts.write("export PATH=/second/bin:$PATH\n", to: home + "/.profile")
        let second = await LoginShellPath.entries(shell: "/bin/bash", environment: ["HOME": home])
        #expect(first.first == "/first/bin")
        #expect(second == first)
    }

    @Test("exit 127 from a real helper: the host error says a program was not found and names the PATH")
    func commandNotFoundError() async throws {
        let helper = scripts.script("calls-missing.sh", "corp-token-tool-that-does-not-exist")
        let provider = CredentialProvider(
            configuration: HostConfiguration(helperPath: helper),
            runner: HelperRunner(environment: ["PATH": "/usr/bin:/bin"]))
        do {
            _ = try await provider.startSession()
            Issue.record("the helper should have failed")
        } catch {
            #expect(error.exitStatus == 127)
            #expect(error.message.contains("a program the helper runs was not found"), "\(error.message)")
            #expect(error.message.contains("PATH=\"/usr/bin:/bin\""), "\(error.message)")
        }
    }
}
