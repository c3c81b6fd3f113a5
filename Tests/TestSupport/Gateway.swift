import Foundation

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The test inference gateway (`Tests/Fixtures/gateway/gateway.py`): accepts only JWTs from the
/// test identity provider and answers the Messages API, with counters for the tests.
public struct Gateway: Sendable {
    public let port: Int
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Starts a gateway trusting `idp`'s keys. It stops when the test process exits.
    public static func start(trusting idp: IdentityProvider) throws -> Gateway {
        let tests = IdentityProvider.fixtureScript.replacingOccurrences(of: "/glewlwyd/idp.py", with: "")
        let (_, line) = try IdentityProvider.launch(
            [idp.info.issuer, idp.info.issuer + "/jwks"], script: tests + "/gateway/gateway.py",
            stderrPath: NSTemporaryDirectory() + "/credhelper-gateway-\(UUID().uuidString).stderr")
        struct Port: Decodable { let port: Int }
        return Gateway(port: try JSONDecoder().decode(Port.self, from: Data(line.utf8)).port)
    }
}
