import Foundation
import TestSupport
import Testing

/// Provider traffic through a company's forward proxy: tinyproxy on loopback in front of glewlwyd
/// over HTTPS, its log counting the CONNECT requests.
extension ReadyHelperTests {
    /// A fresh store with a client-credentials profile at the HTTPS provider (no browser involved).
    func proxiedHarness(_ extra: [String: any Sendable] = [:]) throws -> (ReadyHelperHarness, String) {
        let idp = try IdentityProvider.sharedTLS()
        let profile: [String: any Sendable] = [
            "issuer": idp.info.issuer, "clientId": idp.info.serviceClient, "grant": "client-credentials",
            "clientSecretFile": idp.info.clientSecretFile, "scopes": ["inference"],
            "caFile": try #require(idp.info.caFile),
        ]
        return (try ReadyHelperHarness(extra: ["svc": profile.merging(extra) { $1 }]), "127.0.0.1:\(idp.info.port)")
    }

    @Test("HTTPS_PROXY carries provider traffic with CONNECT; NO_PROXY and \"proxy\": \"none\" go direct")
    func providerThroughProxy() async throws {
        let proxy = try ForwardProxy()
        let (viaProxy, target) = try proxiedHarness()
        let proxied = try await viaProxy.get("svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url])
        #expect(proxied.status == 0, "\(proxied.stderr)")
        let connects = proxy.connects(to: target)
        #expect(connects >= 1, "no CONNECT reached the proxy: \(proxy.log)")

        let (bypassed, _) = try proxiedHarness()
        let direct = try await bypassed.get(
            "svc", context: "background",
            extraEnvironment: ["https_proxy": proxy.url, "no_proxy": "localhost,127.0.0.1"])
        #expect(direct.status == 0, "\(direct.stderr)")
        let (optedOut, _) = try proxiedHarness(["proxy": "none"])
        let none = try await optedOut.get("svc", context: "background", extraEnvironment: ["HTTPS_PROXY": proxy.url])
        #expect(none.status == 0, "\(none.stderr)")
        #expect(proxy.connects(to: target) == connects, "NO_PROXY or \"proxy\": \"none\" still used the proxy")
    }

    @Test("the profile's proxy wins over the environment; a proxy that is down is reported, not waited on")
    func profileProxyAndProxyDown() async throws {
        let proxy = try ForwardProxy()
        let (harness, target) = try proxiedHarness(["proxy": proxy.url])
        let proxied = try await harness.get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": "http://127.0.0.1:9"])
        #expect(proxied.status == 0, "\(proxied.stderr)")
        #expect(proxy.connects(to: target) >= 1)

        let (down, _) = try proxiedHarness()
        let started = ContinuousClock.now
        let failed = try await down.get(
            "svc", context: "background", extraEnvironment: ["HTTPS_PROXY": "http://127.0.0.1:9"])
        #expect(failed.status != 0)
        #expect(failed.stderr.contains("identity provider unreachable"), "\(failed.stderr)")
        #expect(ContinuousClock.now - started < .seconds(10))
    }
}
