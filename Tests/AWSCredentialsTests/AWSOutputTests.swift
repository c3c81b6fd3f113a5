import AWSSigning
import CredentialHelperProtocol
import Foundation
import HelperFastPath
import Testing

@testable import AWSCredentials

@Suite struct AWSOutputTests {
    let credentials = AWSSessionCredentials(
        accessKeyID: "ASIAEXAMPLE", secretAccessKey: Secret("se\"cr/et+"), sessionToken: Secret("to\\ken="),
        expiration: 1_780_000_000.9)

    @Test("credential_process JSON: Version 1, the keys, and Expiration in RFC 3339 UTC")
    func credentialProcess() {
        let text = String(decoding: AWSCredentialOutput.credentialProcess(credentials), as: UTF8.self)
        let expected =
            #"{"Version":1,"AccessKeyId":"ASIAEXAMPLE","SecretAccessKey":"se\"cr/et+","SessionToken":"to\\ken=","#
            + #""Expiration":"2026-05-28T20:26:40Z"}"# + "\n"
        let same = text == expected
        #expect(same, "credential_process JSON differs from the documented shape")
        var longTerm = credentials
        longTerm.sessionToken = nil
        longTerm.expiration = nil
        let bare = String(decoding: AWSCredentialOutput.credentialProcess(longTerm), as: UTF8.self)
        #expect(!bare.contains("Expiration") && !bare.contains("SessionToken"))
    }

    @Test("awsCredentialExport JSON: Claude Code's Credentials object")
    func credentialExport() throws {
        let data = Data(AWSCredentialOutput.credentialExport(credentials))
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: String]])
        #expect(object.keys.sorted() == ["Credentials"])
        #expect(object["Credentials"]?.keys.sorted() == ["AccessKeyId", "SecretAccessKey", "SessionToken"])
        let same = object["Credentials"]?["SessionToken"] == "to\\ken="
        #expect(same, "the session token did not survive JSON escaping")
    }

    @Test("STS answers: credentials with fractional expirations, errors, entities")
    func stsResponse() throws {
        let xml = """
            <AssumeRoleWithWebIdentityResponse><AssumeRoleWithWebIdentityResult><Credentials>
            <AccessKeyId>ASIAX</AccessKeyId><SecretAccessKey>a&amp;b</SecretAccessKey>
            <SessionToken>t&#x2B;1</SessionToken><Expiration>2026-12-04T04:47:06.594382Z</Expiration>
            </Credentials></AssumeRoleWithWebIdentityResult></AssumeRoleWithWebIdentityResponse>
            """
        let parsed = try #require(STSResponse.credentials(xml))
        let decoded = parsed.secretAccessKey.reveal() == "a&b" && parsed.sessionToken?.reveal() == "t+1"
        #expect(decoded, "XML entities were not decoded")
        #expect(parsed.expiration == 1_796_359_626)
        #expect(STSResponse.parseTimestamp("2000-02-29T23:59:59Z") == 951_868_799)
        #expect(STSResponse.parseTimestamp("2026-13-01T00:00:00Z") == nil)
        let error = STSResponse.error("<ErrorResponse><Error><Code>AccessDenied</Code><Message>No</Message></Error>")
        #expect(error?.code == "AccessDenied" && error?.message == "No")
    }

    @Test("An STS message that quotes the web identity token shows it as [token]")
    func stsMessageHidesToken() {
        let cleaned = STSClient.clean("bad token eyJabc.def.ghi\nsecond line", hiding: Secret("eyJabc.def.ghi"))
        #expect(cleaned == "bad token [token] second line")
    }

    @Test("The \"aws\" settings: defaults, and one error naming the fix for each mistake")
    func settings() throws {
        func decode(_ aws: String) throws(CredhelperFailure) -> Profile {
            let json = #"{"profiles": {"corp": {"issuer": "https://idp.example", "clientId": "c", "aws": \#(aws)}}}"#
            return try ProfileCatalog.decode(Array(json.utf8), path: "/p.json", environment: [:], fileIsPrivate: true)
                .select("corp", environment: [:])
        }
        let profile = try decode(#"{"roleArn": "arn:aws:iam::123456789012:role/team/Bedrock", "region": "eu-west-3"}"#)
        guard case .oauth(let settings) = profile.source, let aws = settings.aws else {
            Issue.record("no aws settings")
            return
        }
        #expect(aws.stsEndpoint == "https://sts.eu-west-3.amazonaws.com" && aws.duration == 3600)
        #expect(aws.sessionNameClaim == "sub" && aws.bedrockKeyLifetime == 43_200)
        #expect(Profile.AWSSettings.defaultEndpoint(region: "cn-north-1") == "https://sts.cn-north-1.amazonaws.com.cn")
        let mistakes: [(String, String)] = [
            (
                #"{"roleArn": "arn:aws:iam::123456789012:user/x", "region": "us-east-1"}"#,
                "\"aws\".\"roleArn\" must be a role ARN"
            ),
            (#"{"roleArn": "arn:aws:iam::123456789012:role/B", "region": "eu-wset-1"}"#, "did you mean \"eu-west-1\"?"),
            (
                #"{"roleArn": "arn:aws:iam::123456789012:role/B", "region": "us-east-1", "durationSec": 60}"#,
                "\"durationSec\" must be a whole number from 900 to 43200"
            ),
            (
                #"{"roleArn": "arn:aws:iam::123456789012:role/B", "region": "us-east-1", "rolearn": "x"}"#,
                "unknown key \"aws\".\"rolearn\""
            ),
            (
                #"{"roleArn": "arn:aws:iam::123456789012:role/B", "region": "us-east-1", "stsEndpoint": "http://sts.example"}"#,
                "must be an https:// URL"
            ),
            // User information before "@" makes the real host sts.example: the token would go there in clear text.
            (
                #"{"roleArn": "arn:aws:iam::123456789012:role/B", "region": "us-east-1", "stsEndpoint": "http://127.0.0.1:@sts.example/"}"#,
                "must be an https:// URL"
            ),
            (
                #"{"roleArn": "arn:aws:iam::123456789012:role/B", "region": "us-east-1", "stsEndpoint": "http://localhost:x@sts.example:80/"}"#,
                "must be an https:// URL"
            ),
        ]
        for (aws, message) in mistakes {
            #expect(throws: CredhelperFailure.self, "\(aws)") { _ = try decode(aws) }
            do { _ = try decode(aws) } catch {
                #expect(error.code == .configuration && error.detail.contains(message), "\(error.detail)")
            }
        }
    }
}
