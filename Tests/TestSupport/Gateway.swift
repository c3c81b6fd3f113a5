import Foundation

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The test inference gateway (`Tests/Fixtures/gateway/gateway.py`): accepts only JWTs from the
/// test identity provider and answers the Messages API, with counters for the tests.
public struct Gateway: Sendable {
    public let port: Int
    /// Whether it serves HTTPS (as `localhost`, with a certificate from ``Certificate/make()``).
    public let tls: Bool
    public var baseURL: String { tls ? "https://localhost:\(port)" : "http://127.0.0.1:\(port)" }

    /// A self-signed certificate for `localhost`, made with openssl: the gateway's, and the CA a
    /// client must trust to reach it.
    public struct Certificate: Sendable {
        public let certificateFile: String
        public let keyFile: String

        public static func make() async throws -> Certificate {
            let folder = NSTemporaryDirectory() + "/credhelper-tls-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let certificate = Certificate(certificateFile: folder + "/cert.pem", keyFile: folder + "/key.pem")
            let openssl = Process()
            openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
            openssl.arguments = [
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
                "-addext", "subjectAltName=DNS:localhost", "-keyout", certificate.keyFile, "-out",
                certificate.certificateFile,
            ]
            openssl.standardOutput = FileHandle.nullDevice
            openssl.standardError = FileHandle.nullDevice
            try openssl.run()
            try await OffPool.wait { openssl.waitUntilExit() }
            guard openssl.terminationStatus == 0 else {
                throw FixtureError("openssl could not make a test certificate; run .ci/run or apt-get install openssl")
            }
            return certificate
        }
    }

    /// Starts a gateway trusting `idp`'s keys, over HTTPS when given a certificate. It stops when
    /// the test process exits.
    public static func start(trusting idp: IdentityProvider, certificate: Certificate? = nil) async throws
        -> Gateway
    {
        let tests = IdentityProvider.fixtureScript.replacingOccurrences(of: "/glewlwyd/idp.py", with: "")
        var arguments = [idp.info.issuer, idp.info.issuer + "/jwks"]
        if let certificate { arguments += [certificate.certificateFile, certificate.keyFile] }
        let (_, line) = try await IdentityProvider.launch(
            arguments, script: tests + "/gateway/gateway.py",
            stderrPath: NSTemporaryDirectory() + "/credhelper-gateway-\(UUID().uuidString).stderr")
        struct Port: Decodable { let port: Int }
        return Gateway(
            port: try JSONDecoder().decode(Port.self, from: Data(line.utf8)).port, tls: certificate != nil)
    }

    /// Starts an upstream that answers each path with fixed bytes (see `scripted_upstream.py`),
    /// returning its port. It stops when the test process exits.
    public static func startScripted() async throws -> Int {
        let tests = IdentityProvider.fixtureScript.replacingOccurrences(of: "/glewlwyd/idp.py", with: "")
        let (_, line) = try await IdentityProvider.launch(
            [], script: tests + "/gateway/scripted_upstream.py",
            stderrPath: NSTemporaryDirectory() + "/credhelper-scripted-\(UUID().uuidString).stderr")
        struct Port: Decodable { let port: Int }
        return try JSONDecoder().decode(Port.self, from: Data(line.utf8)).port
    }
}
