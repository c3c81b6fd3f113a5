import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The app's plain `credhelper`, with only the machine-wide profiles file an administrator installed:
/// no environment variable naming it, no file in the user's home (docs/helper.md, "The profiles file").
@Suite(
    "Machine-wide profiles, end to end", .timeLimit(.minutes(1)),
    .enabled(if: geteuid() == 0, "the machine-wide profiles file must belong to root: run the tests as root"))
struct MachineProfilesCLITests {
    let folder = HelperScripts()

    @Test("the plain credhelper answers from the machine-wide file; profiles names where each profile comes from")
    func plainPath() async throws {
        let token = folder.path("token")
        folder.write("machine-token-0123456789\n", to: token, mode: 0o600)
        let machine = folder.path("machine.json")
        folder.write(
            #"{"defaultProfile": "corp", "profiles": {"corp": {"kind": "file", "path": "\#(token)"}}}"#, to: machine,
            mode: 0o644)
        let home = folder.subdirectory("home", mode: 0o700)
        let environment = [
            "CREDHELPER_MACHINE_PROFILES": machine, "HOME": home, "CLAUDE_HELPER_CONTEXT": "background",
        ]
        let answer = try await BuiltBinary.run([], environment: environment)
        #expect(answer.status == 0, "\(answer.stderr)")
        let printed = answer.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "machine-token-0123456789"
        #expect(printed, "the plain credhelper did not print the machine-wide profile's token")

        let user = home + "/.config/credhelper"
        mkdir(home + "/.config", 0o700)
        mkdir(user, 0o700)
        folder.write(
            #"{"profiles": {"corp": {"kind": "file", "path": "/nonexistent"}, "mine": {"kind": "file", "path": "\#(token)"}}}"#,
            to: user + "/profiles.json", mode: 0o600)
        let listed = try await BuiltBinary.run(["profiles"], environment: environment)
        #expect(listed.status == 0, "\(listed.stderr)")
        #expect(listed.stdout.contains("corp (default): file \(token) [\(machine)]"), "\(listed.stdout)")
        #expect(listed.stdout.contains("mine: file \(token) [\(user)/profiles.json]"), "\(listed.stdout)")
        #expect(listed.stdout.contains("ignored: corp in \(user)/profiles.json"), "\(listed.stdout)")
        let still = try await BuiltBinary.run([], environment: environment)
        let same = still.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "machine-token-0123456789"
        #expect(still.status == 0 && same, "the user's file replaced the machine-wide profile: \(still.stderr)")
    }
}
