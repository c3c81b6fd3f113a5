import Foundation
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#endif

/// The `google-sts` profile kind against google-auth's identity-pool client (PyPI google-auth
/// 2.63.0, Tests/Fixtures/google-sts/differential.py): both exchange the same subject token at a
/// recording STS on loopback, and the requests must match field for field.
@Suite("Google STS token exchange, differential with google-auth", .timeLimit(.minutes(2)))
struct GoogleSTSTests {
    struct Report: Decodable {
        let googleAuthVersion: String
        let requests: Int
        let credhelperStatus: Int32
        let credhelperStderr: String
        let credhelperPrintedIssuedToken: Bool
        let googleAuthGotIssuedToken: Bool
        let secondRunFromStore: Bool
        let googleFields: [String]?
        let credhelperFields: [String]?
        let differentValues: [String]?
        let subjectTokenSent: Bool?
        let same_method: Bool?
        let same_path: Bool?
        let same_contentType: Bool?
    }

    static let fixture: String = {
        let here = #filePath
        let tests = here[..<(here.range(of: "/CredentialHelperCLITests/")?.lowerBound ?? here.endIndex)]
        return tests + "/Fixtures/google-sts/differential.py"
    }()

    func differential(audience: String, subjectTokenType: String, userProject: String? = nil) async throws -> Report {
        let folder = HelperScripts()
        let result = try await ProgramRun.run(
            "/usr/bin/env",
            ["python3", Self.fixture, BuiltBinary.path, folder.directory, audience, subjectTokenType]
                + (userProject.map { [$0] } ?? []))
        #expect(result.status == 0, "the differential script failed: \(result.stderr)")
        return try JSONDecoder().decode(Report.self, from: Data(result.stdout.utf8))
    }

    func expectSame(_ report: Report, fields expected: [String]) {
        #expect(report.googleAuthVersion == "2.63.0")
        #expect(
            report.requests == 2, "the recording STS saw \(report.requests) requests (a second run must use the store)")
        #expect(report.secondRunFromStore, "a second run did not print the stored Google token")
        #expect(report.credhelperStatus == 0, "\(report.credhelperStderr)")
        #expect(report.googleAuthGotIssuedToken && report.credhelperPrintedIssuedToken)
        #expect(report.googleFields == expected)
        #expect(report.credhelperFields == report.googleFields, "the fields or their order differ")
        #expect(report.differentValues == [], "fields with different values: \(report.differentValues ?? [])")
        #expect(report.subjectTokenSent == true)
        #expect(report.same_method == true && report.same_path == true && report.same_contentType == true)
    }

    @Test("a workforce pool with a user project: the same fields, values and order as google-auth, options included")
    func workforcePool() async throws {
        let report = try await differential(
            audience: "//iam.googleapis.com/locations/global/workforcePools/corp-pool/providers/corp-oidc",
            subjectTokenType: "urn:ietf:params:oauth:token-type:id_token", userProject: "123456789")
        expectSame(
            report,
            fields: [
                "grant_type", "audience", "scope", "requested_token_type", "subject_token", "subject_token_type",
                "options",
            ])
    }

    @Test("a workload pool with a JWT subject: the same fields, values and order as google-auth")
    func workloadPool() async throws {
        let report = try await differential(
            audience:
                "//iam.googleapis.com/projects/123456789/locations/global/workloadIdentityPools/corp/providers/oidc",
            subjectTokenType: "urn:ietf:params:oauth:token-type:jwt")
        expectSame(
            report,
            fields: ["grant_type", "audience", "scope", "requested_token_type", "subject_token", "subject_token_type"])
    }

    @Test("an STS refusal is one line naming the audience, the STS's error and the fix, never the subject token")
    func refusal() async throws {
        let subject = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2lnbmF0dXJlLXNlY3JldA"
        let refusal =
            #"{"error":"invalid_grant","error_description":"The audience in ID Token [x] does not match the expected audience."}"#
        let sts = try ScriptedUpstream([
            "/v1/token": ScriptedUpstream.Answer(
                "HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\nContent-Length: \(refusal.utf8.count)\r\n\r\n"
                    + refusal)
        ])
        let folder = HelperScripts()
        let audience = "//iam.googleapis.com/locations/global/workforcePools/staff/providers/corp"
        let profiles: [String: Any] = [
            "defaultProfile": "vertex",
            "profiles": [
                "company": ["kind": "static", "token": subject],
                "vertex": [
                    "kind": "google-sts", "subjectProfile": "company", "audience": audience,
                    "tokenUrl": sts.baseURL + "/v1/token",
                ],
                "orphan": ["kind": "google-sts", "subjectProfile": "missing", "audience": audience],
            ],
        ]
        let path = folder.path("profiles.json")
        FileManager.default.createFile(
            atPath: path, contents: try JSONSerialization.data(withJSONObject: profiles),
            attributes: [.posixPermissions: 0o600])
        var environment = [
            "HOME": folder.directory, "CREDHELPER_PROFILES": path, "CREDHELPER_STATE_DIR": folder.path("state"),
            "CLAUDE_HELPER_CONTEXT": "background",
        ]
        let result = try await BuiltBinary.run([], environment: environment)
        #expect(result.status == 1 && result.stdout.isEmpty)
        #expect(
            result.stderr.hasPrefix("identity provider error: ") && result.stderr.contains(audience)
                && result.stderr.contains("invalid_grant") && result.stderr.contains("attribute condition"),
            "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        let leaked = result.stderr.contains(subject) || result.stderr.contains("c2lnbmF0dXJlLXNlY3JldA")
        #expect(!leaked, "the STS refusal message showed the subject token")

        environment["CREDHELPER_PROFILE"] = "orphan"
        let orphan = try await BuiltBinary.run([], environment: environment)
        #expect(orphan.status == 2)
        #expect(
            orphan.stderr.hasPrefix("configuration error: ") && orphan.stderr.contains("\"missing\"")
                && orphan.stderr.contains("subjectProfile"), "\(orphan.stderr)")
    }

    @Test("signing out of the subject profile also deletes the Google token exchanged for its credential")
    func logoutOfSubject() async throws {
        let google = "ya29.google-token-not-shown"
        let answer =
            #"{"access_token":"\#(google)","issued_token_type":"urn:ietf:params:oauth:token-type:access_token","token_type":"Bearer","expires_in":3600}"#
        let sts = try ScriptedUpstream([
            "/v1/token": ScriptedUpstream.Answer(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: \(answer.utf8.count)\r\n\r\n"
                    + answer)
        ])
        let folder = HelperScripts()
        let profiles: [String: Any] = [
            "defaultProfile": "vertex",
            "profiles": [
                "company": ["kind": "exec", "command": ["/bin/echo", "eyJhbGciOiJub25lIn0.eyJzdWIiOiJib2IifQ.c2ln"]],
                "vertex": [
                    "kind": "google-sts", "subjectProfile": "company",
                    "audience": "//iam.googleapis.com/locations/global/workforcePools/staff/providers/corp",
                    "tokenUrl": sts.baseURL + "/v1/token",
                ],
            ],
        ]
        let path = folder.path("profiles.json")
        FileManager.default.createFile(
            atPath: path, contents: try JSONSerialization.data(withJSONObject: profiles),
            attributes: [.posixPermissions: 0o600])
        let environment = [
            "HOME": folder.directory, "CREDHELPER_PROFILES": path, "CREDHELPER_STATE_DIR": folder.path("state"),
            "CLAUDE_HELPER_CONTEXT": "background",
        ]
        let first = try await BuiltBinary.run([], environment: environment)
        let gotGoogleToken = first.stdout.contains(google)
        #expect(first.status == 0 && gotGoogleToken, "the first run did not print the Google token")
        let logout = try await BuiltBinary.run(["logout", "--profile", "company"], environment: environment)
        #expect(logout.status == 0, "\(logout.stderr)")
        let storeFiles = try FileManager.default.contentsOfDirectory(atPath: folder.path("state"))
            .filter { $0.hasSuffix(".json") }
        #expect(storeFiles.isEmpty, "token files left after signing out of the subject profile: \(storeFiles)")
        // After the sign-out, the next run must exchange a fresh subject credential, not reuse the old Google token.
        _ = try await BuiltBinary.run([], environment: environment)
        #expect(sts.requestHeads.count == 2, "STS calls: \(sts.requestHeads.count); the old Google token was reused")
    }
}
