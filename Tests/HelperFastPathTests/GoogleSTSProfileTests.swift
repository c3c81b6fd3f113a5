import CredentialHelperProtocol
import TestSupport
import Testing

@testable import HelperFastPath

@Suite("google-sts profiles in the profiles file")
struct GoogleSTSProfileTests {
    func load(_ vertex: String) throws(CredhelperFailure) -> ProfileCatalog {
        let json = """
            {"profiles": {"corp": {"issuer": "https://login.example.com", "clientId": "app", "credential": "id-token"},
                          "vertex": \(vertex)}}
            """
        return try ProfileCatalog.decode(Array(json.utf8), path: "/p.json", environment: [:], fileIsPrivate: true)
    }

    @Test("defaults follow the pool: id_token for a workforce pool, jwt for a workload pool; cloud-platform scope")
    func defaults() throws {
        let workforce = try load(
            #"{"kind": "google-sts", "subjectProfile": "corp", "audience": "//iam.googleapis.com/locations/global/workforcePools/p/providers/c", "workforcePoolUserProject": "42"}"#
        )
        guard case .googleSTS(let settings) = workforce.profiles["vertex"]?.source else {
            Issue.record("vertex is not a google-sts profile")
            return
        }
        #expect(settings.subjectTokenType == "urn:ietf:params:oauth:token-type:id_token")
        #expect(settings.scopes == ["https://www.googleapis.com/auth/cloud-platform"])
        #expect(settings.tokenURL == "https://sts.googleapis.com/v1/token" && settings.workforcePoolUserProject == "42")
        let workload = try load(
            #"{"kind": "google-sts", "subjectProfile": "corp", "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/c"}"#
        )
        guard case .googleSTS(let other) = workload.profiles["vertex"]?.source else {
            Issue.record("vertex is not a google-sts profile")
            return
        }
        #expect(other.subjectTokenType == "urn:ietf:params:oauth:token-type:jwt")
        #expect(settings.storeKey != other.storeKey)
    }

    @Test("mistakes name the key and the fix")
    func mistakes() {
        let cases: [(String, String)] = [
            (#"{"kind": "google-sts", "audience": "//iam.googleapis.com/x"}"#, "\"subjectProfile\""),
            (
                #"{"kind": "google-sts", "subjectProfile": "vertex", "audience": "//iam.googleapis.com/x"}"#,
                "\"subjectProfile\""
            ),
            (
                #"{"kind": "google-sts", "subjectProfile": "corp", "audience": "https://sts.googleapis.com"}"#,
                "\"audience\""
            ),
            (
                #"{"kind": "google-sts", "subjectProfile": "corp", "audience": "//iam.googleapis.com/projects/1/locations/global/workloadIdentityPools/p/providers/c", "workforcePoolUserProject": "1"}"#,
                "workforce pools only"
            ),
            (
                #"{"kind": "google-sts", "subjectProfile": "corp", "audience": "//iam.googleapis.com/x", "subjectTokenType": "jwt"}"#,
                "urn:ietf"
            ),
        ]
        for (profile, expected) in cases {
            do {
                _ = try load(profile)
                Issue.record("accepted \(profile)")
            } catch {
                #expect(error.code == .configuration && error.detail.contains(expected), "\(error.description)")
            }
        }
    }
}
