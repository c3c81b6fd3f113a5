import Foundation
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The real OpenID Connect provider the tests sign in to: glewlwyd from Debian, started once per
/// test process on free loopback ports by `Tests/Fixtures/glewlwyd/idp.py`, all state in a temp
/// folder. It stops when the test process exits. Fails loudly when glewlwyd is not installed.
public final class IdentityProvider: Sendable {
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
    }

    public let info: Info
    /// The fixture's folder (database, keys, `idp.json`).
    public let stateDirectory: String

    private init(info: Info, stateDirectory: String) {
        self.info = info
        self.stateDirectory = stateDirectory
    }

    private static let started = Mutex<IdentityProvider?>(nil)
    private static let startedTLS = Mutex<IdentityProvider?>(nil)

    /// The provider shared by this test process, started on first use.
    public static func shared() throws -> IdentityProvider {
        try started.withLock { cached in
            if let cached { return cached }
            let provider = try start()
            cached = provider
            return provider
        }
    }

    /// A second provider, served over HTTPS with a certificate from a CA made for this test process
    /// (``Info/caFile``): a company's identity provider behind its internal CA.
    public static func sharedTLS() throws -> IdentityProvider {
        try startedTLS.withLock { cached in
            if let cached { return cached }
            let provider = try start(tls: true)
            cached = provider
            return provider
        }
    }

    /// `Tests/Fixtures/glewlwyd/idp.py`.
    public static var fixtureScript: String {
        let here = #filePath
        let tests = here[..<(here.range(of: "/TestSupport/")?.lowerBound ?? here.endIndex)]
        return tests + "/Fixtures/glewlwyd/idp.py"
    }

    /// Environment for a `credhelper` that should sign in through this provider: the fixture acts as
    /// the browser (it logs the test user in over HTTP and approves the client).
    public var browserEnvironment: [String: String] {
        ["CREDHELPER_BROWSER": Self.fixtureScript, "CREDHELPER_TEST_IDP": stateDirectory + "/idp.json"]
    }

    /// How many access tokens each grant type produced so far for `client` (default: the public
    /// client the helper tests use), from the provider's database.
    public func grantCounts(client: String? = nil) throws -> [String: Int] {
        let output = try Self.runFixture(["count", stateDirectory, client ?? info.publicClient])
        return try JSONDecoder().decode([String: Int].self, from: Data(output.utf8))
    }

    /// Disables every refresh token, as an administrator revoking all sessions would.
    public func revokeAllRefreshTokens() throws {
        _ = try Self.runFixture(["revoke", stateDirectory])
    }

    /// Starts a TCP listener that accepts connections and never answers (a provider that hangs);
    /// returns its port. It stops when the test process exits.
    public static func startBlackHole() throws -> Int {
        let (process, line) = try launch(
            ["blackhole"], stderrPath: NSTemporaryDirectory() + "/credhelper-blackhole-\(UUID().uuidString).stderr")
        _ = process
        struct Port: Decodable { let port: Int }
        return try JSONDecoder().decode(Port.self, from: Data(line.utf8)).port
    }

    private static func start(tls: Bool = false) throws -> IdentityProvider {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/glewlwyd") else {
            throw FixtureError("glewlwyd is not installed (/usr/bin/glewlwyd); run .ci/run or apt-get install glewlwyd")
        }
        let state = NSTemporaryDirectory() + "/credhelper-idp-" + UUID().uuidString
        let (_, line) = try launch(["serve", state] + (tls ? ["--tls"] : []), stderrPath: state + ".stderr")
        let info = try JSONDecoder().decode(Info.self, from: Data(line.utf8))
        return IdentityProvider(info: info, stateDirectory: state)
    }

    /// Runs a fixture script in the background (it stops when this process exits) and returns it
    /// with the first line it printed.
    public static func launch(_ arguments: [String], script: String = fixtureScript, stderrPath: String) throws
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

    private static func runFixture(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", fixtureScript] + arguments
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
