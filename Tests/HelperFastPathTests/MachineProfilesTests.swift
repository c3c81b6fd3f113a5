import CredentialHelperProtocol
import TestSupport
import Testing

@testable import HelperFastPath

#if canImport(Glibc)
    import Glibc
#endif

/// The machine-wide profiles file an administrator installs, and how the user's own file adds to it
/// (docs/helper.md, "Machine-wide profiles"). A machine-wide file must belong to root, so these tests
/// need to run as root (as CI does); they are reported as skipped, with that reason, otherwise.
@Suite(
    "Machine-wide profiles",
    .enabled(if: geteuid() == 0, "the machine-wide profiles file must belong to root: run the tests as root"))
struct MachineProfilesTests {
    let folder = HelperScripts()

    func write(_ name: String, _ json: String, mode: mode_t = 0o644) -> String {
        let path = folder.path(name)
        folder.write(json, to: path)
        chmod(path, mode)
        return path
    }

    var machine: String {
        write(
            "machine.json",
            #"""
            {"defaultProfile": "corp", "profiles": {
              "corp": {"issuer": "https://login.example.com", "clientId": "desktop"},
              "tool": {"kind": "exec", "command": ["/usr/bin/corp-token"]}}}
            """#)
    }

    func environment(machine: String, user: String? = nil) -> [String: String] {
        var environment = ["CREDHELPER_MACHINE_PROFILES": machine]
        if let user { environment["CREDHELPER_PROFILES"] = user }
        return environment
    }

    @Test("with only the machine-wide file and no home directory, its profiles and default are used")
    func machineOnly() throws {
        let path = machine
        let catalog = try ProfileCatalog.locate(environment: environment(machine: path))
        #expect(catalog.files == [path])
        #expect(try catalog.select(nil, environment: [:]).name == "corp")
        #expect(catalog.origins["tool"] == path)
    }

    @Test("the user's file adds profiles, but a profile of the same name stays the machine's")
    func userAdds() throws {
        let machinePath = machine
        let user = write(
            "user.json",
            #"""
            {"defaultProfile": "mine", "profiles": {
              "mine": {"kind": "exec", "command": ["/usr/local/bin/my-token"]},
              "corp": {"issuer": "https://evil.example.net", "clientId": "other"}}}
            """#, mode: 0o600)
        let catalog = try ProfileCatalog.locate(environment: environment(machine: machinePath, user: user))
        #expect(catalog.files == [machinePath, user])
        #expect(catalog.origins["mine"] == user && catalog.origins["corp"] == machinePath)
        #expect(catalog.ignoredUserProfiles == ["corp": user])
        guard case .oauth(let settings) = try catalog.select("corp", environment: [:]).source else {
            Issue.record("corp is not the machine's oauth profile")
            return
        }
        #expect(settings.issuer == "https://login.example.com")
        #expect(catalog.defaultProfile == "corp", "the machine-wide default wins")
    }

    @Test(
        "a mode link for a machine-wide profile stays the administrator's: a user's profile named like the link does not take it over"
    )
    func modeLinkNotTakenOver() throws {
        let machinePath = machine
        let user = write(
            "user.json",
            #"""
            {"profiles": {"token-corp": {"kind": "exec", "command": ["/usr/local/bin/my-token"]},
              "solo": {"kind": "exec", "command": ["/usr/local/bin/solo"]}}}
            """#, mode: 0o600)
        let catalog = try ProfileCatalog.locate(environment: environment(machine: machinePath, user: user))
        let taken = try HelperRequest(executable: "/usr/local/bin/credhelper-token-corp").resolve(in: catalog)
        #expect(taken.mode == .token && taken.profile == "corp", "the user's token-corp answered the admin's link")
        // The user's own profiles still answer their own links.
        let own = try HelperRequest(executable: "/usr/local/bin/credhelper-solo").resolve(in: catalog)
        #expect(own.mode == .inference && own.profile == "solo")
    }

    @Test("\"userProfiles\": \"replace\" lets the user's file replace a machine-wide profile and the default")
    func userReplaces() throws {
        let machinePath = write(
            "machine.json",
            #"{"userProfiles": "replace", "profiles": {"corp": {"kind": "exec", "command": ["/usr/bin/a"]}}}"#)
        let user = write(
            "user.json",
            #"{"defaultProfile": "corp", "profiles": {"corp": {"kind": "exec", "command": ["/usr/bin/b"]}}}"#,
            mode: 0o600)
        let catalog = try ProfileCatalog.locate(environment: environment(machine: machinePath, user: user))
        #expect(catalog.origins["corp"] == user && catalog.ignoredUserProfiles.isEmpty)
        #expect(catalog.defaultProfile == "corp")
    }

    @Test("\"userProfiles\": \"ignore\" does not read the user's file at all")
    func userIgnored() throws {
        let machinePath = write(
            "machine.json",
            #"{"userProfiles": "ignore", "profiles": {"corp": {"kind": "exec", "command": ["/usr/bin/a"]}}}"#)
        let user = write("user.json", "{ not json", mode: 0o600)
        let catalog = try ProfileCatalog.locate(environment: environment(machine: machinePath, user: user))
        #expect(catalog.files == [machinePath])
    }

    @Test(
        "mistakes around the machine-wide file are configuration errors naming the file and the fix",
        arguments: [
            ("user-sets-policy", "only the machine-wide profiles file may say"),
            ("bad-policy", #""userProfiles" must be "add", "replace" or "ignore""#),
            ("not-root", "belongs to another user (uid 65534)"),
            ("group-writable", "writable"),
        ])
    func mistakes(mistake: String, message: String) throws {
        var machinePath = machine
        var user: String?
        switch mistake {
        case "user-sets-policy":
            user = write(
                "user.json", #"{"userProfiles": "replace", "profiles": {}}"#, mode: 0o600)
        case "bad-policy":
            machinePath = write("machine.json", #"{"userProfiles": "all", "profiles": {}}"#)
        case "not-root":
            chown(machinePath, 65534, 65534)
        default:
            chmod(machinePath, 0o664)
        }
        #expect {
            try ProfileCatalog.locate(environment: environment(machine: machinePath, user: user))
        } throws: { error in
            guard let failure = error as? CredhelperFailure else { return false }
            return failure.code == .configuration && failure.description.contains(message)
        }
    }

    @Test("with neither file, the error names both and the fix")
    func neither() {
        let environment = environment(machine: folder.path("absent.json"), user: folder.path("mine.json"))
        #expect {
            try ProfileCatalog.locate(environment: environment)
        } throws: { error in
            let text = (error as? CredhelperFailure)?.description ?? ""
            return text.contains(folder.path("mine.json"))
                && text.contains("machine-wide \(folder.path("absent.json"))")
        }
    }
}
