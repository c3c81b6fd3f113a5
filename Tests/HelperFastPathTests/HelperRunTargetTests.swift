import CredentialHelperProtocol
import TestSupport
import Testing

@testable import HelperFastPath

#if canImport(Glibc)
    import Glibc
#endif

/// One resolution of a helper-mode run, shared by the cached fast path and the full helper.
@Suite("A helper-mode run's target: profiles, mode, profile, answer")
struct HelperRunTargetTests {
    let folder = HelperScripts()

    var environment: [String: String] {
        let path = folder.path("profiles.json")
        folder.write(
            #"""
            {"defaultProfile": "plain", "profiles": {
              "plain": {"kind": "static", "token": "tok-plain-0123456789"},
              "corp": {"kind": "static", "token": "tok-corp-0123456789", "headers": {"X-Org": "acme"}}}}
            """#, to: path)
        chmod(path, 0o600)
        return ["CREDHELPER_PROFILES": path, "CREDHELPER_MACHINE_PROFILES": folder.path("no-machine-file.json")]
    }

    @Test("a link, a mode link and a subcommand resolve to the profile and mode they name")
    func resolution() throws {
        let environment = environment
        let link = try HelperRunTarget.resolve(
            HelperRequest(executable: "/usr/local/bin/credhelper-corp"),
            environment: environment)
        #expect(link.mode == .inference && link.profile.name == "corp")
        let modeLink = try HelperRunTarget.resolve(
            HelperRequest(executable: "credhelper-token-corp"),
            environment: environment)
        #expect(modeLink.mode == .token && modeLink.profile.name == "corp")
        let plain = try HelperRunTarget.resolve(HelperRequest(executable: "credhelper"), environment: environment)
        #expect(plain.mode == .inference && plain.profile.name == "plain")
        let subcommand = try #require(HelperRequest.subcommand(["credhelper", "headers", "--profile", "corp"]))
        let headers = try HelperRunTarget.resolve(subcommand, environment: environment)
        #expect(headers.mode == .headers && headers.profile.name == "corp")
        #expect(throws: CredhelperFailure.self) {
            try HelperRunTarget.resolve(HelperRequest(executable: "credhelper-nobody"), environment: environment)
        }
    }

    @Test("the answer: a bare token without headers, a JSON object with them, per mode")
    func rendering() throws {
        let environment = environment
        let plain = try HelperRunTarget.resolve(HelperRequest(executable: "credhelper"), environment: environment)
        let bare = plain.render(Secret("tok-a"))
        #expect(bare.first != UInt8(ascii: "{"), "no headers: a bare token")
        #expect(try HelperOutputParser().parse(bare).token.reveal() == "tok-a")
        let corp = try HelperRunTarget.resolve(HelperRequest(executable: "credhelper-corp"), environment: environment)
        let answer = try HelperOutputParser().parse(corp.render(Secret("tok-b")))
        #expect(answer.token.reveal() == "tok-b" && answer.headers["X-Org"] == "acme")
        let token = try HelperRunTarget.resolve(
            HelperRequest(executable: "credhelper-token-corp"),
            environment: environment)
        #expect(String(decoding: token.render(Secret("tok-c")), as: UTF8.self) == "tok-c\n")
    }
}
