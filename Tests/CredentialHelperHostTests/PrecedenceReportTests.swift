import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// What resolution says about precedence: values a managed source overrode, the warning for an
/// environment variable or flag ignored so, and where each effective value came from.
@Suite("Configuration precedence: ignored values are reported")
struct PrecedenceReportTests {
    let managed = ConfigurationLayer(
        source: "config file /Library/Managed Preferences/x.plist",
        values: [.helper: .string("/managed/helper"), .authScheme: .string("x-api-key")], managed: true)

    @Test("an environment variable a managed source overrides is named in a warning and listed as ignored")
    func environmentIgnored() throws {
        let environment = ConfigurationLayer.environment(["INFERENCE_GATEWAY_AUTH_SCHEME": "bearer"])
        let resolved = try HostConfiguration.resolve([managed, environment])
        #expect(resolved.configuration.authScheme == .xAPIKey)
        #expect(
            resolved.warnings.contains {
                $0.hasPrefix("INFERENCE_GATEWAY_AUTH_SCHEME in the environment is ignored: config file /Library/")
            }, "\(resolved.warnings)")
        #expect(resolved.ignored.map(\.key) == [.authScheme])
        #expect(resolved.sources[.authScheme] == managed.source)
    }

    @Test("a flag a managed source overrides is named in a warning")
    func flagIgnored() throws {
        let flags = ConfigurationLayer(
            source: "the command line", values: [.helper: .string("/flag/helper")], origin: .commandLine)
        let resolved = try HostConfiguration.resolve([managed, flags])
        #expect(resolved.configuration.helperPath == "/managed/helper")
        #expect(
            resolved.warnings.contains { $0.hasPrefix("inferenceCredentialHelper from the command line is ignored") })
    }

    @Test("a local file's value a managed file overrides is listed as ignored, without a warning")
    func localIgnored() throws {
        let local = ConfigurationLayer(source: "config file /home/u/local.json", values: [.helper: .string("/local")])
        let resolved = try HostConfiguration.resolve([local, managed])
        #expect(resolved.ignored.map(\.source) == ["config file /home/u/local.json"])
        #expect(resolved.warnings.isEmpty)
    }
}
