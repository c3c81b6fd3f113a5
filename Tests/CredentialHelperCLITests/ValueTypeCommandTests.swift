import Foundation
import TestSupport
import Testing

/// The documented value-type mistake, caught by both `get` and `check --config`, naming the key.
@Suite("credhelper get/check --config: native plist containers are refused", .timeLimit(.minutes(1)))
struct ValueTypeCommandTests {
    let scripts = HelperScripts()

    @Test("a native <dict> for inferenceCustomHeaders, written by plistlib, is refused by get and check --config")
    func nativeDictionary() async throws {
        let helper = scripts.script("helper.sh", "echo tok-0123456789")
        let plist = scripts.path("com.anthropic.claudefordesktop.plist")
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        writer.arguments = [
            "python3", "-c",
            "import plistlib, sys; plistlib.dump({'inferenceCredentialHelper': sys.argv[2], "
                + "'inferenceCustomHeaders': {'X-Org': 'acme'}}, open(sys.argv[1], 'wb'))",
            plist, helper,
        ]
        try writer.run()
        writer.waitUntilExit()
        try #require(writer.terminationStatus == 0)
        for arguments in [["get", "--config", plist, "--no-cache"], ["check", "--config", plist]] {
            let result = try await BuiltBinary.run(arguments)
            #expect(result.status == 2, "\(arguments[0]): \(result.stderr)")
            #expect(
                result.stderr.contains("inferenceCustomHeaders (from config file \(plist)) is a native <dict>"),
                "\(arguments[0]): \(result.stderr)")
            #expect(result.stderr.contains("the app will not read"))
        }
    }
}
