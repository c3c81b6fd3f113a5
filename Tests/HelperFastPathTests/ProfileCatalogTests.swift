import CredentialHelperProtocol
import TestSupport
import Testing

@testable import HelperFastPath

#if canImport(Glibc)
    import Glibc
#endif

@Suite("The profiles file")
struct ProfileCatalogTests {
    func load(_ json: String, mode: mode_t = 0o600) throws(CredhelperFailure) -> ProfileCatalog {
        let folder = HelperScripts()
        let path = folder.path("profiles.json")
        folder.write(json, to: path)
        chmod(path, mode)
        return try ProfileCatalog.load(path: path, environment: [:])
    }

    @Test("a full file: kinds, defaults, headers and selection")
    func fullFile() throws {
        let catalog = try load(
            """
            {"defaultProfile": "corp", "profiles": {
              "corp": {"issuer": "https://login.example.com", "clientId": "app", "scopes": ["openid", "offline_access"],
                       "headers": {"X-Org": "acme"}},
              "cli": {"kind": "exec", "command": ["/usr/bin/gcloud", "auth", "print-access-token"], "timeoutSec": 5},
              "disk": {"kind": "file", "path": "/etc/credhelper/token"},
              "fixed": {"kind": "static", "token": "sk-0123456789"}
            }}
            """)
        let corp = try catalog.select(nil, environment: [:])
        #expect(corp.name == "corp")
        #expect(corp.hostTTL == .seconds(3600) && corp.skew == .seconds(60) && corp.silentDeadline == .seconds(15))
        #expect(corp.headers["x-org"] == "acme")
        guard case .oauth(let settings) = corp.source else { Issue.record("corp is not oauth"); return }
        #expect(
            settings.grant == .authorizationCode && settings.redirectPort == 0 && settings.credential == .accessToken)
        #expect(try catalog.select(nil, environment: ["CREDHELPER_PROFILE": "cli"]).name == "cli")
        #expect(try catalog.select("disk", environment: ["CREDHELPER_PROFILE": "cli"]).name == "disk")
    }

    @Test(
        "mistakes are named precisely",
        arguments: [
            (
                #"{"profiles": {"a": {"issuer": "https://x", "clientId": "c", "scope": ["openid"]}}}"#,
                #"unknown key "scope""#
            ),
            (#"{"profiles": {"a": {"issuer": "https://x"}}}"#, #""clientId" is required"#),
            (#"{"profiles": {"a": {"kind": "ldap"}}}"#, #""kind" must be one of oauth, exec, file, static"#),
            (#"{"profiles": {"a": {"kind": "exec", "command": ["gcloud"]}}}"#, "must start with an absolute path"),
            (
                #"{"profiles": {"a": {"issuer": "https://x", "clientId": "c", "hostTtlSec": -1}}}"#,
                #""hostTtlSec" must be a whole number"#
            ),
            (
                #"{"profiles": {"a": {"issuer": "https://x", "clientId": "c", "grant": "client-credentials"}}}"#,
                "needs \"clientSecretFile\""
            ),
            (#"{"profiles": {"a": {"issuer": "https://x", "clientId": "c", "headers": {"Host": "x"}}}}"#, "Host"),
            (
                #"{"defaultProfile": "b", "profiles": {"a": {"kind": "file", "path": "/t"}}}"#,
                "must name one of the profiles"
            ),
            (#"{"profiles": [1]}"#, #""profiles" must be an object"#),
            ("{", "not valid JSON"),
        ])
    func mistakes(json: String, message: String) {
        #expect {
            try load(json)
        } throws: { error in
            guard let failure = error as? CredhelperFailure else { return false }
            return failure.code == .configuration && failure.description.contains(message)
        }
    }

    @Test("a static token in a file others can read is refused")
    func staticTokenNeedsPrivateFile() {
        #expect(throws: CredhelperFailure.self) {
            try load(#"{"profiles": {"a": {"kind": "static", "token": "sk-0123456789"}}}"#, mode: 0o644)
        }
    }

    @Test("credhelper-NAME selects profile NAME")
    func linkName() {
        #expect(ProfileCatalog.profileName(fromExecutable: "/usr/local/bin/credhelper-corp") == "corp")
        #expect(ProfileCatalog.profileName(fromExecutable: "/usr/local/bin/credhelper") == nil)
        #expect(ProfileCatalog.profileName(fromExecutable: "credhelper-") == nil)
        // credhelper-full run by itself names no profile "full"; its @MODE links mean the default one.
        #expect(ProfileCatalog.profileName(fromExecutable: "/usr/bin/credhelper-full") == nil)
        #expect(ProfileCatalog.profileName(fromExecutable: "/usr/bin/credhelper-full@token") == "@token")
        #expect(ProfileCatalog.profileName(fromExecutable: "/usr/bin/credhelper@headers") == "@headers")
        #expect(HelperRequest(executable: "/usr/bin/credhelper-corp@token").linkedProfile == "corp")
        #expect(HelperRequest(executable: "/usr/bin/credhelper@token").linkedProfile == nil)
    }
}

/// Findings of the fuzzer in the profiles reader, kept as tests.
@Suite("Profiles file: numbers and keys the fuzzer found")
struct ProfileReaderFuzzFindingTests {
    func decode(_ json: String) throws(CredhelperFailure) -> ProfileCatalog {
        try ProfileCatalog.decode(Array(json.utf8), path: "/p.json", environment: [:], fileIsPrivate: true)
    }

    @Test(
        "numbers beyond any range are configuration errors, not a crash",
        arguments: ["1e309", "-1e309", "1e300", "9223372036854775808", "-0.0", "3.5"])
    func hugeNumbers(number: String) {
        let json = #"{"profiles": {"e": {"kind": "exec", "command": ["/bin/true"], "timeoutSec": \#(number)}}}"#
        #expect(throws: CredhelperFailure.self) { try decode(json) }
    }

    @Test("a key given twice in one object is a configuration error")
    func duplicateKey() {
        let json = #"{"profiles": {"s": {"kind": "static", "token": "a", "token": "b"}}}"#
        do {
            _ = try decode(json)
            Issue.record("accepted")
        } catch {
            #expect(error.code == .configuration && error.detail.contains("twice"))
        }
    }
}
