import Foundation
import TestSupport
import Testing

/// `"tokenStorage": "keyring"` with no Secret Service: the keyring is checked before the sign-in,
/// so the user is not sent through the browser for tokens that cannot be stored, and the message is
/// one clean sentence.
extension ReadyHelperTests {
    @Test("keyring storage with no session bus: fails before the browser opens, one clean message")
    func keyringCheckedBeforeSignIn() async throws {
        let noBus = ["DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus"]
        let harness = try await ReadyHelperHarness(tokenStorage: "keyring", environment: noBus)
        let marker = harness.folder.path("browser-opened")
        let browser = harness.folder.script("browser.sh", "touch '\(marker)'")
        let codesBefore = try await harness.idp.grantCounts()["code", default: 0]
        let started = ContinuousClock.now
        let result = try await BuiltBinary.run(
            ["login", "--profile", "corp", "--timeout", "15"],
            environment: harness.environment.merging(["CREDHELPER_BROWSER": browser]) { $1 })
        #expect(ContinuousClock.now - started < .seconds(5), "the keyring failure was not reported at once")
        #expect(result.status == 1)
        #expect(!FileManager.default.fileExists(atPath: marker), "the browser was opened before the keyring check")
        #expect(try await harness.idp.grantCounts()["code", default: 0] == codesBefore, "a sign-in happened")
        #expect(result.stderr.contains("no Secret Service answers"), "\(result.stderr)")
        #expect(result.stderr.contains("keyring-or-file"), "\(result.stderr)")
        #expect(!result.stderr.contains("secret-tool: secret-tool:"), "\(result.stderr)")
        let lines = result.stderr.split(separator: "\n")
        #expect(lines.count == 1, "more than one line: \(result.stderr)")
    }
}
