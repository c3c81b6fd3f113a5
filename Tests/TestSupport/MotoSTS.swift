import Foundation

/// A real STS on loopback: moto's server mode behind `Tests/Fixtures/aws/sts.py`, which refuses
/// expired web identity tokens (ExpiredTokenException) and roles that do not trust the token's
/// issuer (AccessDenied), and counts AssumeRoleWithWebIdentity calls.
public final class MotoSTS: Sendable {
    /// `http://127.0.0.1:PORT/`, or `https://localhost:PORT/` with TLS.
    public let endpoint: String
    /// Where ``calls()`` asks: plain HTTP, or HTTPS trusting the fixture's own certificate.
    let tls: Gateway.Certificate?
    let process: Process

    /// Starts one whose roles `trust` (role ARN → issuer) accept web identities of that issuer; with
    /// `tls`, it serves HTTPS as `localhost` with that certificate.
    public init(trust: [String: String], tls: Gateway.Certificate? = nil) async throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/aws/sts.py").path
        var arguments = trust.sorted { $0.key < $1.key }.flatMap { ["--trust", "\($0.key)=\($0.value)"] }
        if let tls { arguments += ["--tls", tls.certificateFile, tls.keyFile] }
        let (process, line) = try await IdentityProvider.launch(
            arguments, script: script,
            stderrPath: NSTemporaryDirectory() + "/credhelper-sts-\(UUID().uuidString).stderr")
        struct Port: Decodable { let port: Int }
        let port = try JSONDecoder().decode(Port.self, from: Data(line.utf8)).port
        self.process = process
        self.tls = tls
        endpoint = tls == nil ? "http://127.0.0.1:\(port)/" : "https://localhost:\(port)/"
    }

    deinit { process.terminate() }

    /// How many AssumeRoleWithWebIdentity calls it received so far (asked over HTTP with Python's
    /// urllib: this Foundation has no HTTP loader).
    public func calls() async throws -> Int {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [
            "python3", "-c",
            "import ssl, sys, urllib.request; context = ssl.create_default_context(cafile=sys.argv[2] or None); "
                + "print(urllib.request.urlopen(sys.argv[1], context=context).read().decode())",
            endpoint + "_calls", tls?.certificateFile ?? "",
        ]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = try await OffPool.wait {
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            return data
        }
        struct Calls: Decodable { let AssumeRoleWithWebIdentity: Int }
        return try JSONDecoder().decode(Calls.self, from: data).AssumeRoleWithWebIdentity
    }
}
