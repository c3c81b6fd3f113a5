import AsyncHTTPClient
import CredentialHelperProtocol
import CredentialSupport
import NIOSSL
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// How requests reach the identity provider on a company network (docs/helper.md, "TLS and
/// proxies"): which certificate authorities its TLS certificate may chain to — the system's, or the
/// bundle `SSL_CERT_FILE` names instead (as OpenSSL reads it), plus a profile's `caFile` — and which
/// HTTP proxy carries them (`HTTPS_PROXY`, or the profile's `proxy`; `NO_PROXY` names the hosts
/// reached directly). HTTPS goes through the proxy with `CONNECT`, so the proxy sees only the host.
public struct IdPConnection: Sendable, Hashable {
    /// A PEM bundle trusted in addition to the roots.
    public var caFile: String?
    /// A PEM bundle trusted instead of the system's roots (`SSL_CERT_FILE`).
    public var rootsFile: String?
    /// The proxy, if any.
    public var proxy: ForwardProxy?
    /// Hosts reached without the proxy (`NO_PROXY`).
    public var exemptions: ProxyExemptions

    /// An HTTP proxy: host, port, and Basic credentials from the URL's user information. Its
    /// description and mirror show `host:port` only, never the credentials.
    public struct ForwardProxy: Sendable, Hashable, CustomStringConvertible, CustomReflectable {
        public var host: String
        public var port: Int
        /// The setting that named it, for messages: `HTTPS_PROXY` or the profile's proxy.
        public var setting: String
        var credentials: String?

        /// `host:port`, an IPv6 address in brackets: what messages name.
        public var description: String { (host.contains(":") ? "[\(host)]" : host) + ":\(port)" }

        public var customMirror: Mirror { Mirror(self, children: ["address": description]) }
    }

    /// The connection for a profile's `caFile` and `proxy` (a URL, or `"none"` for no proxy
    /// whatever the environment says) and the process environment.
    public init(caFile: String?, proxy: String?, environment: [String: String]) throws(OAuthError) {
        self.caFile = caFile
        rootsFile = Self.variable("SSL_CERT_FILE", environment)
        let proxyURL = proxy ?? Self.variable("https_proxy", environment) ?? Self.variable("HTTPS_PROXY", environment)
        self.proxy = try proxyURL.flatMap { url throws(OAuthError) in
            url == "none" ? nil : try Self.parseProxy(url, source: proxy != nil ? "the profile's proxy" : "HTTPS_PROXY")
        }
        exemptions = ProxyExemptions(
            Self.variable("no_proxy", environment) ?? Self.variable("NO_PROXY", environment) ?? "")
    }

    private static func variable(_ name: String, _ environment: [String: String]) -> String? {
        environment[name].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// `http://[user:password@]host[:port]`; the port defaults to 80.
    static func parseProxy(_ url: String, source: String) throws(OAuthError) -> ForwardProxy {
        let split = SplitURL(url)
        guard split.scheme == "http" || (split.scheme.isEmpty && !url.contains("://")) else {
            throw OAuthError(
                .insecureEndpoint, "\(source) must be an http:// proxy URL (HTTPS still goes through it encrypted)")
        }
        // An '@' after the authority means a '/', '?' or '#' in the user name or password: cutting
        // there would read part of the password as the proxy's host and port, and show it in every
        // message.
        if (split.path + (split.query ?? "") + (split.fragment ?? "")).contains("@") {
            throw OAuthError(
                .insecureEndpoint,
                "\(source) has a '/', '?' or '#' in its user name or password; write them as %2F, %3F and %23 (and "
                    + "a reserved character as % and two hex digits: %40 for @, %3A for :, %25 for %)")
        }
        let userInformation = split.userInformation
        let host = String(split.host)
        // The authority must be exactly host[:port], an IPv6 address in brackets: anything else
        // ("[::1]x", an unclosed bracket, a bare "::1") would otherwise send the proxy's credentials
        // to a port no one chose.
        let written = split.isBracketed ? "[\(host)]" : host
        guard split.hostAndPort == written + (split.portText.map { ":" + $0 } ?? ""),
            !split.isBracketed || LoopbackHost.ipv6(Substring(host)) != nil
        else {
            throw OAuthError(
                .insecureEndpoint,
                "\(source) has an invalid host; use http://host:port, with an IPv6 address in brackets "
                    + "(http://[::1]:3128)")
        }
        var port = 80
        if let portText = split.portText {
            guard let number = Int(portText), (1...65_535).contains(number) else {
                throw OAuthError(.insecureEndpoint, "\(source) has an invalid port; use http://host:port")
            }
            port = number
        }
        guard !host.isEmpty, host.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw OAuthError(.insecureEndpoint, "\(source) names no host; use http://host:port")
        }
        var proxy = ForwardProxy(host: host, port: port, setting: source)
        if let userInformation {
            guard let credentials = String(userInformation).removingPercentEncoding else {
                throw OAuthError(
                    .insecureEndpoint,
                    "\(source) (proxy \(proxy)) has a bad percent-escape in its user name or password; write a "
                        + "reserved character as % and two hex digits (%40 for @, %3A for :, %25 for %)")
            }
            proxy.credentials = credentials
        }
        return proxy
    }

    /// Whether a request to `url` bypasses the proxy: `NO_PROXY` covers its host and port
    /// (``ProxyExemptions``), or it is plain `http://`, which a provider may use only on loopback.
    public func isDirect(_ url: String) -> Bool {
        guard proxy != nil, url.lowercased().hasPrefix("https://") else { return true }
        let split = SplitURL(url)
        return exemptions.covers(host: String(split.host), port: split.port)
    }

    /// Checks that each CA file can be trusted and read as PEM certificates: owned by root or this
    /// user, in directories no one else can write (`TrustedPath`), holding at least one certificate.
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

    /// The HTTP client for a request to `url` and the proxy it goes through: the shared default
    /// client when nothing is changed, else one kept for the life of the process per distinct
    /// connection. A provider given as an IP address is never sent through the proxy: the HTTP
    /// client would check its certificate against the proxy's address, not the provider's, so a
    /// proxy holding a trusted certificate for its own address could answer in its place.
    public func route(for url: String) throws(OAuthError) -> (client: HTTPClient, proxy: ForwardProxy?) {
        var connection = self
        if isDirect(url) { connection.proxy = nil }
        connection.exemptions = ProxyExemptions("")
        let host = String(SplitURL(url).host)
        if let proxy = connection.proxy, IPAddress(host) != nil {
            throw OAuthError(
                .insecureEndpoint,
                "the identity provider is given as the IP address \(host), which is not sent through the proxy "
                    + "\(proxy) (\(proxy.setting)): its TLS certificate could not be checked against that address "
                    + "through a proxy; reach it directly by adding \(host) to NO_PROXY or setting \"proxy\": \"none\" "
                    + "in the profile, or use the provider's host name in the issuer")
        }
        guard connection.caFile != nil || connection.rootsFile != nil || connection.proxy != nil else {
            return (OAuthClient.defaultHTTPClient, nil)
        }
        let client = Self.clients.withLock { clients in
            if let client = clients[connection] { return client }
            var configuration = OAuthClient.defaultConfiguration
            var tls = TLSConfiguration.makeClientConfiguration()
            if let rootsFile = connection.rootsFile { tls.trustRoots = .file(rootsFile) }
            if let caFile = connection.caFile { tls.additionalTrustRoots = [.file(caFile)] }
            configuration.tlsConfiguration = tls
            if let proxy = connection.proxy {
                configuration.proxy = .server(
                    host: proxy.host, port: proxy.port,
                    authorization: proxy.credentials.map { .basic(credentials: Data($0.utf8).base64EncodedString()) })
            }
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[connection] = client
            return client
        }
        return (client, connection.proxy)
    }

    /// Clients are never shut down: a helper process is short-lived, and there is one per connection.
    private static let clients = Mutex<[IdPConnection: HTTPClient]>([:])
}
