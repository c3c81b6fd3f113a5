import Foundation
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// A real OpenID Connect provider the tests sign in to, started once per test process on free
/// loopback ports by its fixture script, all state in a temp folder: glewlwyd from Debian
/// (`Tests/Fixtures/glewlwyd/idp.py`), or django-oauth-toolkit from PyPI (`Tests/Fixtures/dot/idp.py`).
/// Both scripts take the same commands. It stops when the test process exits. Fails loudly when the
/// provider is not installed.
public final class IdentityProvider: Sendable {
    /// Which provider.
    public enum Kind: String, Sendable, CaseIterable, CustomStringConvertible {
        case glewlwyd
        case djangoOAuthToolkit = "django-oauth-toolkit"
        /// django-oauth-toolkit configured not to rotate refresh tokens.
        case djangoOAuthToolkitWithoutRotation = "django-oauth-toolkit without rotation"

        public var description: String { rawValue }

        /// The fixture script that starts and drives it.
        public var script: String {
            let here = #filePath
            let tests = here[..<(here.range(of: "/TestSupport/")?.lowerBound ?? here.endIndex)]
            return tests + (self == .glewlwyd ? "/Fixtures/glewlwyd/idp.py" : "/Fixtures/dot/idp.py")
        }

        /// What `serve STATE` is given besides the state folder.
        var serveOptions: [String] { self == .djangoOAuthToolkitWithoutRotation ? ["--no-rotation"] : [] }
    }

    /// What the fixture printed about the running provider.
    public struct Info: Decodable, Sendable {
        public let issuer: String
        public let base: String
        public let port: Int
        public let redirectPort: Int
        public let publicClient: String
        public let confidentialClient: String
        public let serviceClient: String
        public let gatewayClient: String
        public let clientSecretFile: String
        public let user: String
        public let scopes: [String]
        public let database: String
        public let log: String
        /// The PEM of the CA that issued the provider's TLS certificate (``sharedTLS()`` only).
        public let caFile: String?
        /// The public client for the device grant, when it is not ``publicClient`` (providers that
        /// allow one grant type per client).
        public let deviceClient: String?
        /// The device authorization endpoint, when the provider's metadata does not publish it.
        public let deviceAuthorizationEndpoint: String?
    }

    /// Which provider this is.
    public let kind: Kind
    public let info: Info
    /// The fixture's folder (database, keys, `idp.json`).
    public let stateDirectory: String

    private init(kind: Kind, info: Info, stateDirectory: String) {
        self.kind = kind
        self.info = info
        self.stateDirectory = stateDirectory
    }

    /// One start per kind (and one over TLS), shared by every test that asks; awaiting it holds no
    /// thread of the cooperative pool while the provider starts.
    private static let starts = Mutex<[String: Task<IdentityProvider, any Error>]>([:])

    private static func startOnce(_ key: String, _ start: @escaping @Sendable () throws -> IdentityProvider)
        async throws -> IdentityProvider
    {
        let task = starts.withLock { tasks in
            if let task = tasks[key] { return task }
            let task = Task { try await OffPool.wait(start) }
            tasks[key] = task
            return task
        }
        return try await task.value
    }

    /// The provider of `kind` shared by this test process, started on first use.
    public static func shared(_ kind: Kind = .glewlwyd) async throws -> IdentityProvider {
        try await startOnce(kind.rawValue) { try start(kind) }
    }

    /// A second provider, served over HTTPS with a certificate from a CA made for this test process
    /// (``Info/caFile``): a company's identity provider behind its internal CA.
    public static func sharedTLS() async throws -> IdentityProvider {
        try await startOnce("tls") { try start(.glewlwyd, tls: true) }
    }

    /// `Tests/Fixtures/glewlwyd/idp.py`.
    public static var fixtureScript: String { Kind.glewlwyd.script }

    /// Environment for a `credhelper` that should sign in through this provider: the fixture acts as
    /// the browser (it logs the test user in over HTTP and approves the client).
    public var browserEnvironment: [String: String] {
        ["CREDHELPER_BROWSER": kind.script, "CREDHELPER_TEST_IDP": stateDirectory + "/idp.json"]
    }

    /// How many access tokens each grant type produced so far for `client` (default: the public
    /// client the helper tests use), from the provider's database.
    public func grantCounts(client: String? = nil) async throws -> [String: Int] {
        let output = try await runFixture(["count", stateDirectory, client ?? info.publicClient])
        return try JSONDecoder().decode([String: Int].self, from: Data(output.utf8))
    }

    /// Disables every refresh token, as an administrator revoking all sessions would.
    public func revokeAllRefreshTokens() async throws {
        _ = try await runFixture(["revoke", stateDirectory])
    }

    /// Starts a TCP listener that accepts connections and never answers (a provider that hangs);
    /// returns its port. It stops when the test process exits.
    public static func startBlackHole() async throws -> Int {
        let (process, line) = try await launch(
            ["blackhole"], stderrPath: NSTemporaryDirectory() + "/credhelper-blackhole-\(UUID().uuidString).stderr")
        _ = process
        struct Port: Decodable { let port: Int }
        return try JSONDecoder().decode(Port.self, from: Data(line.utf8)).port
    }

    private static func start(_ kind: Kind, tls: Bool = false) throws -> IdentityProvider {
        if kind == .glewlwyd, !FileManager.default.isExecutableFile(atPath: "/usr/bin/glewlwyd") {
            throw FixtureError("glewlwyd is not installed (/usr/bin/glewlwyd); run .ci/run or apt-get install glewlwyd")
        }
        let state = NSTemporaryDirectory() + "/credhelper-idp-" + UUID().uuidString
        let (_, line) = try launchBlocking(
            ["serve", state] + kind.serveOptions + (tls ? ["--tls"] : []), script: kind.script,
            stderrPath: state + ".stderr")
        let info = try JSONDecoder().decode(Info.self, from: Data(line.utf8))
        return IdentityProvider(kind: kind, info: info, stateDirectory: state)
    }

    /// Runs a fixture script in the background (it stops when this process exits) and returns it
    /// with the first line it printed, waiting off the cooperative pool.
    public static func launch(_ arguments: [String], script: String = fixtureScript, stderrPath: String)
        async throws -> (Process, String)
    {
        try await OffPool.wait { try launchBlocking(arguments, script: script, stderrPath: stderrPath) }
    }

    private static func launchBlocking(_ arguments: [String], script: String, stderrPath: String) throws
        -> (Process, String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        process.standardInput = FileHandle.nullDevice
        // A new file of our own: createFile replaces whatever is at the path (it would turn a device
        // such as /dev/null into a regular file).
        precondition(!FileManager.default.fileExists(atPath: stderrPath), "\(stderrPath) exists")
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        try process.run()
        var line = Data()
        while !line.contains(0x0A) {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty {
                let log = (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? ""
                throw FixtureError("the identity provider fixture exited before it was ready: \(log)")
            }
            line.append(chunk)
        }
        return (process, String(decoding: line, as: UTF8.self))
    }

    private func runFixture(_ arguments: [String]) async throws -> String {
        let script = kind.script
        return try await OffPool.wait { try Self.runFixture(arguments, script: script) }
    }

    private static func runFixture(_ arguments: [String], script: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw FixtureError("idp.py \(arguments.first ?? "") exited with status \(process.terminationStatus)")
        }
        return String(decoding: data, as: UTF8.self)
    }
}

/// A test fixture that could not be set up.
public struct FixtureError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
