import DeploymentKit
import Testing

/// Answers the app or the helper would refuse, or that would make the files disagree, are refused
/// before anything is written, each with a sentence naming the answer.
@Suite("config write: validation")
struct ValidationTests {
    static func answers(_ json: String) throws(DeploymentError) -> DeploymentAnswers {
        try DeploymentAnswers(json: Array(json.utf8), source: "answers")
    }

    static let profile = #""profiles": {"corp": {"issuer": "https://idp.example.com", "clientId": "app"}}"#

    @Test(
        "refused with a sentence naming the answer",
        arguments: [
            (
                #"{"ttlSec": 3600, "profiles": {"corp": {"issuer": "https://idp.example.com", "clientId": "app", "hostTtlSec": 60}}}"#,
                "hostTtlSec"
            ),
            (#"{"ttlSec": 90000, \#(profile)}"#, "ttlSec"),
            (#"{"timeoutSec": 601, \#(profile)}"#, "timeoutSec"),
            (#"{"helperPath": "credhelper", \#(profile)}"#, "helperPath"),
            (#"{"authScheme": "basic", \#(profile)}"#, "authScheme"),
            (#"{"appSettings": {"inferenceCredentialHelperTtlSec": "60"}, \#(profile)}"#, "ttlSec"),
            (#"{"appSettings": {"inferenceProvider": 1}, \#(profile)}"#, "inferenceProvider"),
            (#"{"ttlSecs": 60, \#(profile)}"#, "ttlSecs"),
            (#"{"customHeaders": {"Host": "x"}, \#(profile)}"#, "Host"),
            (#"{"profiles": {"corp": {"issuer": "https://idp.example.com"}}}"#, "clientId"),
            (
                #"{"profiles": {"a": {"kind": "file", "path": "/t"}, "b": {"kind": "file", "path": "/u"}}}"#,
                "defaultProfile"
            ),
            (#"{}"#, "no profile"),
            (#"{"windowsHelperPath": "credhelper.exe", \#(profile)}"#, "windowsHelperPath"),
            (#"{"otlpHeadersHelper": "nobody", \#(profile)}"#, "otlpHeadersHelper names the profile \"nobody\""),
            (#"{"appSettings": {"otlpHeadersHelper": "/x"}, \#(profile)}"#, "otlpHeadersHelper"),
        ])
    func refused(json: String, named: String) {
        do {
            _ = try Deployment(try Self.answers(json))
            Issue.record("accepted: \(json)")
        } catch {
            #expect(error.message.contains(named), "\(error.message)")
        }
    }

    @Test("the .reg export needs the Windows helper path; without it it is not a default format")
    func registryNeedsWindowsPath() throws {
        let deployment = try Deployment(try Self.answers("{\(Self.profile)}"))
        #expect(!deployment.defaultFormats.contains(.reg))
        #expect(throws: DeploymentError.self) { try deployment.files([.reg]) }
    }

    @Test("otlpHeadersHelper is the @headers link next to the helper; no .reg can name it")
    func otlpHeadersHelperLink() throws {
        let answers = try Self.answers(
            #"{"otlpHeadersHelper": "corp", "windowsHelperPath": "C:\\c\\credhelper.exe", \#(Self.profile)}"#)
        let deployment = try Deployment(answers)
        #expect(deployment.appValues.contains { $0 == ("otlpHeadersHelper", "/usr/bin/credhelper-corp@headers") })
        #expect(!deployment.defaultFormats.contains(.reg))
        #expect(throws: DeploymentError.self) { try deployment.files([.reg]) }
    }

    @Test("the same answers give the same bytes (identifiers derived, not random)")
    func deterministic() throws {
        let first = try Deployment(try Self.answers("{\(Self.profile)}")).files(
            DeploymentFormat.allCases.filter { $0 != .reg && $0 != .claudeCode })
        let second = try Deployment(try Self.answers("{\(Self.profile)}")).files(
            DeploymentFormat.allCases.filter { $0 != .reg && $0 != .claudeCode })
        #expect(first == second)
    }
}
