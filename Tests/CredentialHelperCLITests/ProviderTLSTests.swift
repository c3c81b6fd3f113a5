import Foundation
import TestSupport
import Testing

/// A company identity provider behind an internal CA: glewlwyd over HTTPS with a certificate from a
/// CA made for the test run (openssl). The system does not trust it; `caFile` or `SSL_CERT_FILE` does.
extension ReadyHelperTests {
    func tlsHarness(_ extra: [String: any Sendable] = [:]) async throws -> (
        ReadyHelperHarness, [String: String], String
    ) {
        let idp = try await IdentityProvider.sharedTLS()
        let caFile = try #require(idp.info.caFile)
        let profile: [String: any Sendable] = [
            "issuer": idp.info.issuer, "clientId": idp.info.publicClient, "scopes": idp.info.scopes,
            "grant": "device",
        ]
        let harness = try await ReadyHelperHarness(extra: ["tls": profile.merging(extra) { $1 }])
        // The fixture acting as the browser signs in at this provider.
        let environment = harness.environment.merging(idp.browserEnvironment) { $1 }
        return (harness, environment, caFile)
    }

    @Test("an untrusted provider certificate fails with advice naming caFile; caFile trusts the company CA")
    func providerCAFile() async throws {
        let (plain, plainEnvironment, caFile) = try await tlsHarness()
        let refused = try await BuiltBinary.run(
            ["login", "--profile", "tls", "--device"], environment: plainEnvironment)
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("\"caFile\""), "\(refused.stderr)")
        #expect(try plain.record() == nil)

        let (trusted, environment, _) = try await tlsHarness(["caFile": caFile])
        let login = try await BuiltBinary.run(["login", "--profile", "tls", "--device"], environment: environment)
        #expect(login.status == 0, "\(login.stderr)")
        #expect(try trusted.record() != nil)
    }

    @Test("SSL_CERT_FILE replaces the system's CAs, as OpenSSL reads it")
    func providerSSLCertFile() async throws {
        let (harness, environment, caFile) = try await tlsHarness()
        let login = try await BuiltBinary.run(
            ["login", "--profile", "tls", "--device"],
            environment: environment.merging(["SSL_CERT_FILE": caFile]) { $1 })
        #expect(login.status == 0, "\(login.stderr)")
        #expect(try harness.record() != nil)
    }

    @Test("a caFile another user could replace, or one without a certificate, is a configuration error")
    func untrustedCAFile() async throws {
        let folder = HelperScripts()
        let (_, _, caFile) = try await tlsHarness()
        let shared = folder.subdirectory("shared", mode: 0o777)
        folder.write(try String(contentsOfFile: caFile, encoding: .utf8), to: shared + "/ca.pem", mode: 0o644)
        folder.write("not a certificate", to: folder.path("empty.pem"), mode: 0o644)
        for (file, said) in [(shared + "/ca.pem", shared), (folder.path("empty.pem"), "holds no PEM certificate")] {
            let (harness, environment, _) = try await tlsHarness(["caFile": file])
            let result = try await BuiltBinary.run(["login", "--profile", "tls", "--device"], environment: environment)
            withExtendedLifetime(harness) {}
            #expect(result.status == 2, "\(result.stderr)")
            #expect(result.stderr.contains(said), "\(result.stderr)")
        }
    }
}
