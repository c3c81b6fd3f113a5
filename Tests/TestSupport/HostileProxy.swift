import Foundation

/// A hostile or broken forward proxy on a loopback address (Tests/Fixtures/hostile-proxy/proxy.py,
/// a real TCP server), recording every byte it receives so a test can assert what reached it.
public final class HostileProxy: Sendable {
    /// What the proxy does with a `CONNECT`.
    public enum Mode: String, Sendable {
        /// Answers 407 Proxy Authentication Required.
        case auth
        /// Answers 200, then bytes that are not TLS, then closes.
        case garbage
        /// Answers 200, then terminates TLS itself with a certificate for its own address, issued by
        /// the CA whose PEM and key are given (one the client trusts).
        case terminate
    }

    public let address: String
    public let port: Int
    private let logPath: String

    /// Starts the proxy on `address` (a loopback address); `ca` is the CA's PEM and key for
    /// ``Mode/terminate``.
    public init(_ mode: Mode, address: String = "127.0.0.2", ca: (pem: String, key: String)? = nil) async throws {
        let script = IdentityProvider.fixtureScript.replacing("glewlwyd/idp.py", with: "hostile-proxy/proxy.py")
        let base = NSTemporaryDirectory() + "/credhelper-hostile-proxy-\(UUID().uuidString)"
        logPath = base + ".received"
        FileManager.default.createFile(atPath: logPath, contents: nil)
        let arguments = [address, mode.rawValue, logPath] + (ca.map { [$0.pem, $0.key] } ?? [])
        let (_, line) = try await IdentityProvider.launch(arguments, script: script, stderrPath: base + ".stderr")
        struct Port: Decodable { let port: Int }
        port = try JSONDecoder().decode(Port.self, from: Data(line.utf8)).port
        self.address = address
    }

    /// `http://ADDRESS:PORT`.
    public var url: String { "http://\(address):\(port)" }

    /// Everything clients sent it so far (decrypted, when it terminated TLS).
    public var received: Data { FileManager.default.contents(atPath: logPath) ?? Data() }
}
