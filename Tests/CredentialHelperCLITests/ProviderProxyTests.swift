import Foundation
import TestSupport
import Testing

/// Provider traffic through a company's forward proxy: tinyproxy (its log counting the CONNECT
/// requests) or a hostile one (Tests/Fixtures/hostile-proxy) on 127.0.0.2, in front of glewlwyd over
/// HTTPS on 127.0.0.1, so the proxy's address and the provider's differ as they do on a network.
extension ReadyHelperTests {
    /// A fresh store with a client-credentials profile at the HTTPS provider (no browser involved).
    func proxiedHarness(_ extra: [String: any Sendable] = [:]) async throws -> (ReadyHelperHarness, String) {
        let idp = try await IdentityProvider.sharedTLS()
        let profile: [String: any Sendable] = [
            "issuer": idp.info.issuer, "clientId": idp.info.serviceClient, "grant": "client-credentials",
            "clientSecretFile": idp.info.clientSecretFile, "scopes": ["inference"],
            "caFile": try #require(idp.info.caFile),
        ]
        return (
            try await ReadyHelperHarness(extra: ["svc": profile.merging(extra) { $1 }]), "127.0.0.1:\(idp.info.port)"
        )
    }

    /// A profile at a provider named `idp.invalid`, which only a proxy could reach: every failure is
    /// the proxy's, since the helper connects to nothing else.
    func namedProviderHarness(_ extra: [String: any Sendable] = [:]) async throws -> ReadyHelperHarness {
        try await proxiedHarness(["issuer": "https://idp.invalid/api/oidc"].merging(extra) { $1 }).0
    }

    @Test("a provider reached by host name goes through tinyproxy with CONNECT to that name and yields a token")
    func namedProviderThroughProxy() async throws {
        let idp = try await IdentityProvider.sharedTLS()
        let proxy = try ForwardProxy(address: "127.0.0.2")
        // glewlwyd names its issuer by address (an identifier, compared, never fetched); every request
        // goes to `localhost`, which the fixture's certificate names besides 127.0.0.1. Nothing exempts
        // `localhost` from the proxy (no NO_PROXY; only plain http:// goes direct), so it all goes
        // through tinyproxy, whose address is not in the certificate: the name is what is checked.
        let named = "https://localhost:\(idp.info.port)/api/oidc"
        let (harness, _) = try await proxiedHarness([
            "discoveryUrl": named + "/.well-known/openid-configuration", "tokenEndpoint": named + "/token",
        ])
        let result = try await harness.helper(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url, "NO_PROXY": ""])
        #expect(result.status == 0, "\(result.stderr)")

        let record = try #require(try harness.record(), "no token was stored")
        let token = record.accessToken.reveal()
        let printed = !token.isEmpty && result.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == token
        #expect(printed, "the helper did not print the token it obtained")
        let log = proxy.log
        let target = "localhost:\(idp.info.port)"
        // Request lines read `Request (file descriptor N): CONNECT host:port HTTP/1.1`; the level
        // column says CONNECT on other lines too.
        let connects = log.components(separatedBy: "): CONNECT ").count - 1
        #expect(connects >= 1 && proxy.connects(to: target) == connects, "CONNECTs other than to \(target): \(log)")
        let secret = try String(contentsOfFile: idp.info.clientSecretFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let leaked =
            [result.stderr, log].contains { $0.contains(secret) || $0.contains(token) }
            || result.stdout.contains(secret)
        #expect(!leaked, "the client secret or the token appears in stderr or the proxy's log")
    }

    @Test("a provider given as an IP address is not sent through the proxy: refused, naming the proxy and the fix")
    func ipProviderNotProxied() async throws {
        let proxy = try ForwardProxy(address: "127.0.0.2")
        let (harness, target) = try await proxiedHarness()
        let refused = try await harness.get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url])
        #expect(refused.status == 3 && refused.stderr.contains("configuration error"), "\(refused.stderr)")
        #expect(refused.stderr.contains("127.0.0.2:\(proxy.port)"), "\(refused.stderr)")
        #expect(refused.stderr.contains("NO_PROXY"), "\(refused.stderr)")
        #expect(proxy.connects(to: target) == 0, "a CONNECT reached the proxy: \(proxy.log)")

        let (bypassed, _) = try await proxiedHarness()
        let direct = try await bypassed.get(
            "svc", context: "background",
            extraEnvironment: ["https_proxy": proxy.url, "no_proxy": "example.com,127.0.0.0/8"])
        #expect(direct.status == 0, "\(direct.stderr)")
        let (optedOut, _) = try await proxiedHarness(["proxy": "none"])
        let none = try await optedOut.get("svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(proxy.connects(to: target) == 0, "NO_PROXY or \"proxy\": \"none\" still used the proxy")
    }

    @Test("a proxy that terminates TLS with a trusted certificate for its own address gets nothing secret")
    func hostileProxyTerminatingTLS() async throws {
        let idp = try await IdentityProvider.sharedTLS()
        let ca = (pem: try #require(idp.info.caFile), key: idp.stateDirectory + "/ca.key")
        let proxy = try await HostileProxy(.terminate, ca: ca)
        let secret = try String(contentsOfFile: idp.info.clientSecretFile, encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        let (harness, _) = try await proxiedHarness()
        let result = try await harness.get("svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url])
        #expect(result.status != 0, "\(result.stderr)")
        let tokenPrinted = result.stdout.contains("from-the-proxy")
        #expect(!tokenPrinted, "the proxy's token was printed")
        let received = String(decoding: proxy.received, as: UTF8.self)
        let secretReached =
            received.contains(secret) || received.contains("client_secret")
            || received.contains("Authorization:") || received.contains("grant_type")
        #expect(!secretReached, "a client secret or token request reached the proxy")
        #expect(received.isEmpty, "the IP-address provider's traffic reached the proxy: \(received)")

        // A provider given by name: AsyncHTTPClient (NIOSSL) also accepts a certificate whose IP
        // address entry names the peer it is connected to — the proxy — whatever host name was asked
        // for, so this proxy's certificate passes. Not fixed here (docs/security.md); kept visible.
        let named = try await HostileProxy(.terminate, ca: ca)
        _ = try await namedProviderHarness().get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": named.url])
        withKnownIssue("NIOSSL matches a certificate's IP entry against the proxy's address for a named provider") {
            #expect(!String(decoding: named.received, as: UTF8.self).contains("GET "), "a request reached the proxy")
        }
    }

    @Test("the profile's proxy wins over the environment; a proxy that is down is named, with the fix")
    func profileProxyAndProxyDown() async throws {
        let proxy = try ForwardProxy(address: "127.0.0.2")
        let (harness, target) = try await proxiedHarness(["proxy": proxy.url])
        let refused = try await harness.get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": "http://127.0.0.1:9"])
        #expect(
            refused.stderr.contains("127.0.0.2:\(proxy.port)"), "the profile's proxy did not win: \(refused.stderr)")
        #expect(proxy.connects(to: target) == 0)

        let started = ContinuousClock.now
        let failed = try await namedProviderHarness().get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": "http://proxyuser:hunter2@127.0.0.1:9"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("proxy 127.0.0.1:9"), "\(failed.stderr)")
        #expect(failed.stderr.contains("HTTPS_PROXY"), "\(failed.stderr)")
        #expect(!failed.stderr.contains("hunter2") && !failed.stderr.contains("proxyuser"), "proxy credentials printed")
        #expect(ContinuousClock.now - started < .seconds(10))
    }

    @Test("a 407 from the proxy names the proxy and how to give it credentials")
    func proxyAuthenticationRequired() async throws {
        let proxy = try await HostileProxy(.auth)
        let failed = try await namedProviderHarness().get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("proxy 127.0.0.2:\(proxy.port)"), "\(failed.stderr)")
        #expect(failed.stderr.contains("407"), "\(failed.stderr)")
        #expect(failed.stderr.contains("user:password@"), "\(failed.stderr)")
        #expect(!failed.stderr.contains("HTTPClientError"), "\(failed.stderr)")
    }

    @Test("a proxy that opens the tunnel and then sends garbage is named as the cause")
    func proxyGarbageAfterConnect() async throws {
        let proxy = try await HostileProxy(.garbage)
        let failed = try await namedProviderHarness().get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("proxy 127.0.0.2:\(proxy.port)"), "\(failed.stderr)")
        #expect(failed.stderr.contains("idp.invalid:443"), "\(failed.stderr)")
    }

    @Test("a bad percent-escape in the proxy password is a configuration error naming the setting")
    func proxyPasswordBadEscape() async throws {
        let (harness, _) = try await proxiedHarness()
        let failed = try await harness.get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": "http://proxyuser:pass%zz@127.0.0.2:3128"])
        #expect(failed.status == 3 && failed.stderr.contains("configuration error"), "\(failed.stderr)")
        #expect(failed.stderr.contains("HTTPS_PROXY") && failed.stderr.contains("127.0.0.2:3128"), "\(failed.stderr)")
        #expect(!failed.stderr.contains("pass%zz") && !failed.stderr.contains("proxyuser"), "proxy credentials printed")
    }
}
