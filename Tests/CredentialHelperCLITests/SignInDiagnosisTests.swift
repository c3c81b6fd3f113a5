import Foundation
import TestSupport
import Testing

/// Sign-ins that can never finish are reported at once with their cause (docs/helper.md, "When a
/// sign-in fails"): the helper probes the authorization endpoint before it opens the browser, and a
/// wrong `clientId` or an unregistered redirect port is named with the fix, not found out after the
/// whole timeout. Against the real glewlwyd, which answers both with HTTP 403.
extension ReadyHelperTests {
    /// `credhelper login --profile NAME` with the harness's environment and a browser that records
    /// whether it was opened.
    private func login(_ harness: ReadyHelperHarness, _ profile: String) async throws -> (BuiltBinary.Result, Bool) {
        let marker = harness.folder.path("browser-opened-\(profile)")
        let browser = harness.folder.script("browser-\(profile).sh", "touch '\(marker)'")
        let result = try await BuiltBinary.run(
            ["login", "--profile", profile, "--timeout", "15"],
            environment: harness.environment.merging(["CREDHELPER_BROWSER": browser]) { $1 })
        return (result, FileManager.default.fileExists(atPath: marker))
    }

    @Test("a clientId the provider does not know: named at once, before any browser opens")
    func unknownClientNamedAtOnce() async throws {
        let idp = try await IdentityProvider.shared()
        let harness = try await ReadyHelperHarness(extra: [
            "wrongclient": [
                "issuer": idp.info.issuer, "clientId": "no-such-client", "scopes": idp.info.scopes,
                "redirectPort": idp.info.redirectPort,
            ]
        ])
        let started = ContinuousClock.now
        let (result, opened) = try await login(harness, "wrongclient")
        #expect(ContinuousClock.now - started < .seconds(5), "the failure was not reported at once")
        #expect(result.status != 0)
        #expect(result.stderr.contains("clientId"), "\(result.stderr)")
        #expect(result.stderr.contains("no-such-client"), "\(result.stderr)")
        #expect(!result.stderr.contains("redirectPort"), "blamed the redirect port: \(result.stderr)")
        #expect(!opened, "the browser was opened for a sign-in that cannot finish")
    }

    @Test("a redirect port the client has not registered: named at once, with the URI to register")
    func unregisteredRedirectPortNamedAtOnce() async throws {
        let idp = try await IdentityProvider.shared()
        let port = try LoopbackPort.unused()
        let harness = try await ReadyHelperHarness(extra: [
            "wrongport": [
                "issuer": idp.info.issuer, "clientId": idp.info.publicClient, "scopes": idp.info.scopes,
                "redirectPort": port,
            ]
        ])
        let started = ContinuousClock.now
        let (result, opened) = try await login(harness, "wrongport")
        #expect(ContinuousClock.now - started < .seconds(5), "the failure was not reported at once")
        #expect(result.status != 0)
        #expect(result.stderr.contains("redirectPort"), "\(result.stderr)")
        #expect(result.stderr.contains("http://127.0.0.1:\(port)/callback"), "\(result.stderr)")
        #expect(!opened, "the browser was opened for a sign-in that cannot finish")
    }

    @Test("a sign-in nobody finishes: the timeout says the redirect never came and the browser was opened")
    func timeoutSaysWhichStepNeverHappened() async throws {
        let harness = try await ReadyHelperHarness()
        let marker = harness.folder.path("opened")
        let browser = harness.folder.script("browser.sh", "touch '\(marker)'")
        let result = try await BuiltBinary.run(
            ["login", "--profile", "corp", "--timeout", "3"],
            environment: harness.environment.merging(["CREDHELPER_BROWSER": browser]) { $1 })
        #expect(result.status != 0)
        #expect(result.stderr.contains("no redirect reached"), "\(result.stderr)")
        #expect(result.stderr.contains("the browser was opened"), "\(result.stderr)")
    }
}
