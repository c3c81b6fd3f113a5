import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real Secret Service on a private D-Bus session: GNOME Keyring's secrets component, unlocked,
/// started by `Tests/Fixtures/keyring/serve` inside `dbus-run-session`, with its own HOME and
/// XDG_RUNTIME_DIR in a temp folder. Stops (bus and daemon) when released. Fails loudly when
/// gnome-keyring, libsecret-tools or dbus is not installed.
public final class SecretServiceSession: Sendable {
    /// The session bus address: set it as `DBUS_SESSION_BUS_ADDRESS` for a process to use this keyring.
    public let busAddress: String
    private let pid: pid_t
    private let input: Int32
    private let folder: HelperScripts

    /// Spawned with posix_spawn and an empty signal mask, and reaped with waitpid. Foundation's
    /// `Process` started from a test (a dispatch worker thread, most signals blocked) passes the
    /// blocked mask on: dbus-run-session never sees its child exit, the bus outlives the test, and
    /// `waitUntilExit` never returns.
    public init() async throws {
        for tool in ["/usr/bin/dbus-run-session", "/usr/bin/gnome-keyring-daemon", "/usr/bin/secret-tool"]
        where !FileManager.default.isExecutableFile(atPath: tool) {
            throw FixtureError(
                "\(tool) is not installed; run scripts/test, or apt-get install dbus gnome-keyring libsecret-tools")
        }
        folder = HelperScripts()
        let home = folder.subdirectory("home", mode: 0o700)
        let runtime = folder.subdirectory("run", mode: 0o700)
        let log = folder.path("serve.log")
        var stdin: [Int32] = [-1, -1]
        var stdout: [Int32] = [-1, -1]
        guard pipe(&stdin) == 0, pipe(&stdout) == 0 else {
            throw FixtureError("pipe2 failed: \(String(cString: strerror(errno)))")
        }
        for descriptor in [stdin[1], stdout[0]] { _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdout[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, log, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let arguments = ["/usr/bin/dbus-run-session", "--", Self.serveScript]
        let environment = ["PATH=/usr/bin:/bin", "HOME=\(home)", "XDG_RUNTIME_DIR=\(runtime)"]
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK))
        var child: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            withCStrings(environment) { envp in posix_spawn(&child, arguments[0], &actions, &attributes, argv, envp) }
        }
        close(stdin[0])
        close(stdout[1])
        guard rc == 0 else {
            close(stdin[1])
            close(stdout[0])
            throw FixtureError("cannot start dbus-run-session: \(String(cString: strerror(rc)))")
        }
        pid = child
        input = stdin[1]
        let output = stdout[0]
        // The bus takes a moment to start: wait for its address off the cooperative pool.
        let line = try await OffPool.wait { () -> [UInt8] in
            var line: [UInt8] = []
            var byte: UInt8 = 0
            while read(output, &byte, 1) == 1, byte != UInt8(ascii: "\n") { line.append(byte) }
            close(output)
            return line
        }
        busAddress = String(decoding: line, as: UTF8.self)
        guard busAddress.hasPrefix("unix:") else {
            throw FixtureError(
                "the test Secret Service did not start (dbus-run-session printed \"\(busAddress)\"): "
                    + folder.read("serve.log"))
        }
    }

    deinit {
        close(input)
        var status: Int32 = 0
        for _ in 0..<500 where waitpid(pid, &status, WNOHANG) == 0 { usleep(10_000) }
        if kill(pid, 0) == 0 {
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
        }
    }

    /// The environment entries that point a process at this keyring.
    public var environment: [String: String] { ["DBUS_SESSION_BUS_ADDRESS": busAddress] }

    /// What the keyring holds for credhelper item `account`, read with `secret-tool` directly (nil: nothing).
    public func lookup(account: String) throws -> String? {
        let output = folder.path("lookup.out")
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = ["/usr/bin/secret-tool", "lookup", "service", "credhelper", "account", account]
        var child: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            withCStrings(["DBUS_SESSION_BUS_ADDRESS=\(busAddress)"]) { envp in
                posix_spawn(&child, arguments[0], &actions, nil, argv, envp)
            }
        }
        guard rc == 0 else { throw FixtureError("cannot run secret-tool: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        waitpid(child, &status, 0)
        return status == 0 ? folder.read("lookup.out") : nil
    }

    /// Stores `secret` as credhelper item `account` with `secret-tool` directly (as another credhelper
    /// version, or a user, might have), reading it from a 0600 file on its stdin.
    public func store(account: String, secret: String) throws {
        let input = folder.path("store.in")
        folder.write(secret, to: input, mode: 0o600)
        defer { unlink(input) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, input, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let arguments = [
            "/usr/bin/secret-tool", "store", "--label=credhelper test", "service", "credhelper", "account", account,
        ]
        var child: pid_t = 0
        let rc = withCStrings(arguments) { argv in
            withCStrings(["DBUS_SESSION_BUS_ADDRESS=\(busAddress)"]) { envp in
                posix_spawn(&child, arguments[0], &actions, nil, argv, envp)
            }
        }
        guard rc == 0 else { throw FixtureError("cannot run secret-tool: \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        waitpid(child, &status, 0)
        guard status == 0 else { throw FixtureError("secret-tool store failed with status \(status)") }
    }

    /// `Tests/Fixtures/keyring/serve`.
    static var serveScript: String {
        let here = #filePath
        let tests = here[..<(here.range(of: "/TestSupport/")?.lowerBound ?? here.endIndex)]
        return tests + "/Fixtures/keyring/serve"
    }
}

/// Calls `body` with `strings` as a NULL-terminated C array.
private func withCStrings<T>(_ strings: [String], _ body: ([UnsafeMutablePointer<CChar>?]) -> T) -> T {
    let pointers = strings.map { strdup($0) } + [nil]
    defer { pointers.forEach { free($0) } }
    return body(pointers)
}
