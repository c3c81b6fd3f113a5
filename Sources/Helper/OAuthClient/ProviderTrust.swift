import AsyncHTTPClient
import CredentialSupport
import NIOSSL
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Which certificate authorities the identity provider's TLS certificate may chain to: the
/// system's, or the bundle `SSL_CERT_FILE` names instead (as OpenSSL reads it), plus a profile's
/// `caFile` — a company CA, as a PEM bundle — in addition (docs/helper.md, "TLS and proxies").
public struct ProviderTrust: Sendable, Hashable {
    /// A PEM bundle trusted in addition to the roots.
    public var caFile: String?
    /// A PEM bundle trusted instead of the system's roots (`SSL_CERT_FILE`).
    public var rootsFile: String?

    /// The trust for a profile's `caFile` and the process environment.
    public init(caFile: String?, environment: [String: String]) {
        self.caFile = caFile
        rootsFile = environment["SSL_CERT_FILE"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// Checks that each file can be trusted and read as PEM certificates: owned by root or this
    /// user, in directories no one else can write (``TrustedPath``), holding at least one certificate.
    public func validate() throws(OAuthError) {
        for (file, name) in [(caFile, "caFile"), (rootsFile, "SSL_CERT_FILE")] {
            guard let file else { continue }
            do { try TrustedPath.check(file, role: "the CA bundle (\(name))") } catch {
                throw OAuthError(.insecureEndpoint, error.description)
            }
            guard let text = try? String(contentsOfFile: file, encoding: .utf8),
                text.contains("-----BEGIN CERTIFICATE-----")
            else {
                throw OAuthError(
                    .insecureEndpoint,
                    "\(name) \(file) cannot be read or holds no PEM certificate (-----BEGIN CERTIFICATE-----); "
                        + "export the CA as PEM")
            }
        }
    }

    /// The HTTP client for this trust: the shared default when nothing is added, else one kept for
    /// the life of the process per distinct trust.
    public func httpClient() -> HTTPClient {
        guard caFile != nil || rootsFile != nil else { return OAuthClient.defaultHTTPClient }
        return Self.clients.withLock { clients in
            if let client = clients[self] { return client }
            var tls = TLSConfiguration.makeClientConfiguration()
            if let rootsFile { tls.trustRoots = .file(rootsFile) }
            if let caFile { tls.additionalTrustRoots = [.file(caFile)] }
            var configuration = OAuthClient.defaultConfiguration
            configuration.tlsConfiguration = tls
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[self] = client
            return client
        }
    }

    /// Clients are never shut down: a helper process is short-lived, and there is one per trust.
    private static let clients = Mutex<[ProviderTrust: HTTPClient]>([:])
}
