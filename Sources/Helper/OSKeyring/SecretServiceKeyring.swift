import ChildProcess
import CredentialHelperProtocol
import CredentialSupport

/// The freedesktop.org Secret Service (GNOME Keyring, KWallet, KeePassXC), reached through
/// `secret-tool` from libsecret (Debian and Ubuntu: `libsecret-tools`).
///
/// `secret-tool` is found on `PATH` by its own trust rule (``locate(environment:)``) and run through
/// the child-process layer directly (never through a shell), with a bounded time and 64 KiB output
/// caps; the secret travels on its stdin and stdout, never in its arguments. Items carry the attributes `service credhelper` and
/// `account <item>`.
public struct SecretServiceKeyring: Keyring {
    /// The environment `secret-tool` runs with (its D-Bus session comes from it).
    public let environment: [String: String]
    /// The longest one `secret-tool` run may take; a locked keyring that waits for a password
    /// prompt no one can answer is stopped then.
    public var timeout: Duration = .seconds(5)

    /// A keyring reached with `environment`.
    public init(environment: [String: String]) {
        self.environment = environment
    }

    public var name: String { "the Secret Service (secret-tool)" }

    /// The largest secret `secret-tool store` takes on its stdin: 8191 bytes. libsecret's tool reads
    /// at most 8 KiB there; past that it says "password is too long" and stores the first 8 KiB, with
    /// exit status 0 (measured with libsecret 0.20.5, Debian 12). A longer secret is refused with
    /// ``KeyringError/Code/tooLarge`` rather than stored cut short.
    public static let secretLimit = 8191

    public func secret(for item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Secret?
    {
        let run = try await secretTool(["lookup"] + attributes(item), until: deadline)
        if case .exited(0) = run.outcome {
            return Secret(String(decoding: run.stdout, as: UTF8.self))
        }
        if case .exited(1) = run.outcome, run.stderrLines.isEmpty { return nil }
        throw failure(run, doing: "read")
    }

    public func store(_ secret: Secret, for item: String, label: String, until deadline: ContinuousClock.Instant)
        async throws(KeyringError)
    {
        let bytes = Array(secret.reveal().utf8)
        guard bytes.count <= Self.secretLimit else {
            throw KeyringError(
                .tooLarge,
                "the tokens are \(bytes.count) bytes, more than the \(Self.secretLimit) secret-tool can store in "
                    + "the Secret Service")
        }
        let run = try await secretTool(["store", "--label=\(label)"] + attributes(item), input: bytes, until: deadline)
        if case .exited(0) = run.outcome, !run.stderrLines.contains(where: { $0.contains("too long") }) { return }
        throw failure(run, doing: "store")
    }

    public func remove(_ item: String, until deadline: ContinuousClock.Instant) async throws(KeyringError) -> Bool {
        let run = try await secretTool(["clear"] + attributes(item), until: deadline)
        if case .exited(0) = run.outcome { return true }
        if case .exited(1) = run.outcome, run.stderrLines.isEmpty { return false }
        throw failure(run, doing: "remove")
    }

    private func attributes(_ item: String) -> [String] { ["service", SystemKeyring.service, "account", item] }

    private func secretTool(_ arguments: [String], input: [UInt8]? = nil, until deadline: ContinuousClock.Instant)
        async throws(KeyringError) -> ToolRun
    {
        let search = Self.locate(environment: environment)
        guard let tool = search.found else {
            guard search.skipped.isEmpty else {
                throw KeyringError(
                    .unavailable,
                    "no secret-tool on PATH can be trusted, so the Secret Service cannot be used: "
                        + search.skipped.joined(separator: "; ")
                        + "; install it where only root can change it (Debian and Ubuntu: apt install libsecret-tools)")
            }
            throw KeyringError(
                .unavailable,
                "secret-tool is not installed, so the Secret Service cannot be used; install it (Debian and "
                    + "Ubuntu: apt install libsecret-tools; Fedora: dnf install libsecret)")
        }
        let timeout = min(timeout, max(deadline - ContinuousClock.now, .milliseconds(500)))
        let runner = ChildProcessRunner(outputLimit: 64 * 1024, teardown: .gracefulShutDown(allowing: .seconds(1)))
        do {
            let run = try await runner.run(
                tool, arguments: arguments, environment: environment.map { "\($0.key)=\($0.value)" },
                standardInput: input.map { .bytes($0) } ?? .null, timeout: timeout)
            return ToolRun(run: run, timeout: timeout)
        } catch {
            // secret-tool was found and checked above: it changed since, or the system cannot start it.
            let why = error.code == .spawnFailed ? error.reason : error.message
            throw KeyringError(
                .unavailable,
                "secret-tool at \(tool) could not be started (\(error.code.rawValue): \(why)); check that it is an "
                    + "executable file owned by root or you, in directories only you or root can change")
        }
    }

    /// One `secret-tool` run, with the time it was allowed and its stderr lines, redacted.
    struct ToolRun {
        let run: ChildProcessRun
        let timeout: Duration
        var outcome: ChildProcessRun.Outcome { run.outcome }
        var stdout: [UInt8] { run.stdout }
        var stderrLines: [String] { TextRedactor().redactedLines(of: run.stderr) }
    }

    /// Where `secret-tool` was found, and why the candidates before it were skipped.
    struct Search {
        /// The first trusted `secret-tool`, if any.
        var found: String?
        /// One sentence per candidate passed over: not a regular file, not executable, or not trusted.
        var skipped: [String] = []
    }

    /// The first `secret-tool` on `PATH` (`/usr/bin:/bin` when it is unset) that is a regular,
    /// executable file trusted as ``TrustedPath`` says (it and every directory above it owned by root
    /// or this user and not writable by group or others). Relative entries, directories, files that
    /// are not executable, and untrusted copies are skipped, and the search goes on: a copy another
    /// user could have planted would receive the refresh token on its stdin.
    static func locate(environment: [String: String]) -> Search {
        var search = Search()
        for directory in (environment["PATH"] ?? "/usr/bin:/bin").split(separator: ":") where directory.hasPrefix("/") {
            let candidate = "\(directory)/secret-tool"
            var info = stat()
            guard stat(candidate, &info) == 0 else { continue }
            guard info.st_mode & S_IFMT == S_IFREG else {
                search.skipped.append("\(candidate) is not a regular file")
                continue
            }
            guard access(candidate, X_OK) == 0 else {
                search.skipped.append("\(candidate) is not executable")
                continue
            }
            do { try TrustedPath.check(candidate, role: "secret-tool") } catch {
                search.skipped.append(error.description)
                continue
            }
            search.found = candidate
            return search
        }
        return search
    }

    private func failure(_ run: ToolRun, doing action: String) -> KeyringError {
        // secret-tool starts its messages with its own name; the detail below names it once.
        var said = Substring(run.stderrLines.last ?? "")
        while said.hasPrefix("secret-tool: ") { said = said.dropFirst("secret-tool: ".count) }
        let detail = said.isEmpty ? "" : " (secret-tool: \(said))"
        switch run.outcome {
        case .timedOut:
            return KeyringError(
                .unavailable,
                "the Secret Service did not \(action) within \(run.timeout)\(detail); it may be locked and waiting "
                    + "for a password prompt no one can see: unlock it (log in to the desktop, or run "
                    + "gnome-keyring-daemon --unlock) and try again")
        case .exited(1) where Self.noService(String(said)):
            return KeyringError(
                .unavailable,
                "no Secret Service answers in this session\(detail); start and unlock one (GNOME Keyring, KWallet "
                    + "or KeePassXC with Secret Service enabled), or check DBUS_SESSION_BUS_ADDRESS (over SSH, "
                    + "run inside dbus-run-session)")
        default:
            return KeyringError(.failed, "the Secret Service could not \(action) the item\(detail)")
        }
    }

    /// Whether secret-tool's message says there is no bus or no Secret Service on it.
    private static func noService(_ message: String) -> Bool {
        let lowered = message.lowercased()
        return ["d-bus", "dbus", "could not connect", "org.freedesktop.secrets", "was not provided", "no such"]
            .contains { lowered.contains($0) }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
