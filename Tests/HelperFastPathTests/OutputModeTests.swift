import CredentialHelperProtocol
import Testing

@testable import HelperFastPath

@Suite("Output modes: the subcommand and link forms, the context rules and the formats")
struct OutputModeTests {
    let catalog = ProfileCatalog(
        files: ["/p.json"], profiles: ["corp": Self.profile("corp"), "token-legacy": Self.profile("token-legacy")],
        defaultProfile: "corp", origins: [:])

    static func profile(_ name: String) -> Profile {
        Profile(
            name: name, source: .literal(Secret("x")), hostTTL: .seconds(3600), skew: .seconds(60),
            silentDeadline: .seconds(15), headers: HeaderList())
    }

    @Test("subcommands: the mode, --profile in both spellings, --interactive; anything else is left to the CLI")
    func subcommands() {
        #expect(HelperRequest.subcommand(["credhelper", "token"]) == HelperRequest(mode: .token))
        #expect(
            HelperRequest.subcommand(["credhelper", "headers", "--interactive", "--profile", "corp"])
                == HelperRequest(mode: .headers, profile: "corp", interactive: true))
        #expect(HelperRequest.subcommand(["credhelper", "token", "--profile=corp"])?.profile == "corp")
        for rejected in [
            ["credhelper"], ["credhelper", "get"], ["credhelper", "inference"], ["credhelper", "token", "--help"],
            ["credhelper", "token", "--profile"], ["credhelper", "token", "--profile="],
            ["credhelper", "token", "--interactive", "--interactive"], ["credhelper", "token", "corp"],
            ["credhelper", "token", "--profile", "a", "--profile", "b"],
        ] {
            #expect(HelperRequest.subcommand(rejected) == nil, "\(rejected)")
        }
    }

    @Test("links: credhelper-PROFILE, credhelper-MODE-PROFILE, credhelper-MODE; a profile's whole name wins")
    func links() throws {
        func resolve(_ executable: String) throws -> (String, String?) {
            let resolved = try HelperRequest(executable: executable).resolve(in: catalog)
            return (resolved.mode.name, resolved.profile)
        }
        #expect(try resolve("/usr/bin/credhelper") == ("inference", nil))
        #expect(try resolve("/usr/bin/credhelper-corp") == ("inference", "corp"))
        #expect(try resolve("/usr/bin/credhelper-token-corp") == ("token", "corp"))
        #expect(try resolve("/usr/bin/credhelper-headers-corp") == ("headers", "corp"))
        #expect(try resolve("/usr/bin/credhelper-headers") == ("headers", nil))
        #expect(try resolve("/usr/bin/credhelper-token-legacy") == ("inference", "token-legacy"))
        #expect(throws: CredhelperFailure.self) { try resolve("credhelper-tokens-corp") }
    }

    @Test("one link syntax for every mode: credhelper-PROFILE@MODE and credhelper@MODE, as the AWS modes use")
    func atLinks() throws {
        func resolve(_ executable: String) throws -> (String, String?) {
            let resolved = try HelperRequest(executable: executable).resolve(in: catalog)
            return (resolved.mode.name, resolved.profile)
        }
        #expect(try resolve("/usr/bin/credhelper-corp@token") == ("token", "corp"))
        #expect(try resolve("/usr/bin/credhelper-corp@headers") == ("headers", "corp"))
        #expect(try resolve("/usr/bin/credhelper-corp@inference") == ("inference", "corp"))
        #expect(try resolve("/usr/bin/credhelper@token") == ("token", nil))
        #expect(try resolve("/usr/bin/credhelper@headers") == ("headers", nil))
        let error = #expect(throws: CredhelperFailure.self) { try resolve("/usr/bin/credhelper-corp@tokens") }
        #expect(error?.description.contains("bedrock-key") == true, "\(error?.description ?? "")")
        // A profile whose whole name has an '@' keeps it.
        let odd = ProfileCatalog(
            files: ["/p.json"], profiles: ["a@token": Self.profile("a@token")], defaultProfile: nil, origins: [:])
        let resolved = try HelperRequest(executable: "credhelper-a@token").resolve(in: odd)
        #expect(resolved.mode == .inference && resolved.profile == "a@token")
        // The token modes are not AWS links; the AWS modes still are.
        #expect(AWSInvocation.requested(arguments: ["/usr/bin/credhelper-corp@token"]) == nil)
        #expect(AWSInvocation.requested(arguments: ["/usr/bin/credhelper@headers"]) == nil)
        #expect(AWSInvocation.requested(arguments: ["/usr/bin/credhelper-corp@bedrock-key"])?.mode == "bedrock-key")
        #expect(HelperInvocation.isHelperMode(arguments: ["/usr/bin/credhelper@token"], environment: [:]))
    }

    @Test("no context set: only a mode other than inference may sign in, with --interactive or at a terminal")
    func contextRules() {
        let plain = HelperRequest(mode: .token)
        let asked = HelperRequest(mode: .token, interactive: true)
        #expect(plain.context(mode: .token, variable: nil, stdinIsTerminal: false) == nil)
        #expect(plain.context(mode: .token, variable: nil, stdinIsTerminal: true) == .interactive)
        #expect(asked.context(mode: .token, variable: nil, stdinIsTerminal: false) == .interactive)
        // The host's context rules over both; an unknown one means silent only.
        #expect(asked.context(mode: .token, variable: "background", stdinIsTerminal: true) == .background)
        #expect(asked.context(mode: .token, variable: "bogus", stdinIsTerminal: true) == nil)
        // The inference helper keeps the protocol's rule: no context is silent only.
        #expect(HelperRequest().context(mode: .inference, variable: nil, stdinIsTerminal: true) == nil)
    }

    @Test("formats: the protocol answer, the bare token, a JSON object of headers with the credential first")
    func formats() {
        let answer = HelperAnswer(
            token: Secret("t\"1"), headers: ["X-Org": "acme", "authorization": "Basic other"], format: .jsonObject)
        let inference = String(decoding: OutputMode.inference.render(answer), as: UTF8.self)
        #expect(
            inference == "{\"token\":\"t\\\"1\",\"headers\":{\"X-Org\":\"acme\",\"authorization\":\"Basic other\"}}\n")
        #expect(String(decoding: OutputMode.token.render(answer), as: UTF8.self) == "t\"1\n")
        let headers = String(decoding: OutputMode.headers.render(answer), as: UTF8.self)
        #expect(headers == "{\"Authorization\":\"Bearer t\\\"1\",\"X-Org\":\"acme\"}\n")
    }
}
