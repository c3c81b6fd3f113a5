import Foundation
import TestSupport
import Testing

/// Value types as the app reads them (docs/configuration.md): a native `<dict>` in a property list
/// is read as the equivalent JSON; the retired `"Name: Value"` list is caught by both `get` and
/// `check --config`, naming the key. Plists written by Python's plistlib.
@Suite("credhelper get/check --config: value types in property lists", .timeLimit(.minutes(1)))
struct ValueTypeCommandTests {
    let scripts = HelperScripts()

    /// A plist written by plistlib with the helper and `headers` (a Python literal) as inferenceCustomHeaders.
    func plist(headers: String) async throws -> (plist: String, helper: String) {
        let helper = scripts.script("helper.sh", "echo tok-0123456789")
        let plist = scripts.path("com.anthropic.claudefordesktop.plist")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = [
            "python3", "-c",
            "import plistlib, sys; plistlib.dump({'inferenceCredentialHelper': sys.argv[2], "
                + "'inferenceCustomHeaders': \(headers)}, open(sys.argv[1], 'wb'))",
            plist, helper,
        ]
        try writer.run()
        try await OffPool.wait { writer.waitUntilExit() }
        try #require(writer.terminationStatus == 0)
        return (plist, helper)
    }

    @Test("a native <dict> for inferenceCustomHeaders is read as JSON: get sends the header")
    func nativeDictionary() async throws {
        let (plist, _) = try await plist(headers: "{'X-Org': 'acme'}")
        let result = try await BuiltBinary.run(["get", "--config", plist, "--no-cache", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("X-Org"), "\(result.stdout)")
    }

    @Test("a native <array> of \"Name: Value\" strings is refused by get and check --config, naming the key")
    func nativeList() async throws {
        let (plist, _) = try await plist(headers: "['X-Org: acme']")
        for arguments in [["get", "--config", plist, "--no-cache"], ["check", "--config", plist]] {
            let result = try await BuiltBinary.run(arguments)
            #expect(result.status == 2, "\(arguments[0]): \(result.stderr)")
            #expect(
                result.stderr.contains("inferenceCustomHeaders (from config file \(plist)) is a list of"),
                "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("rejects as malformed"))
        }
    }
}
