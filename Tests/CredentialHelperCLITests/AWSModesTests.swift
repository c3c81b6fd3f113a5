import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing
import TokenStore

extension ReadyHelperTests {
    /// The AWS output modes end to end: the built `credhelper`, a real sign-in at the test identity
    /// provider, and a real STS (moto) on loopback. Nested in ReadyHelperTests, which runs serialized:
    /// its sign-ins share the test provider's redirect port.
    @Suite("AWS modes", .serialized) struct AWSModesTests {
        static let role = "arn:aws:iam::123456789012:role/Bedrock"

        /// A harness whose `corp` profile (its credential: the provider's JWT access token, since the test
        /// provider issues no ID token on refresh) has an `"aws"` role at `sts`, with
        /// `credhelper-corp@MODE` links for every mode.
        static func harness(sts: MotoSTS, role: String = role, aws: [String: any Sendable] = [:]) async throws
            -> ReadyHelperHarness
        {
            let base = try await ReadyHelperHarness()
            var corp = base.profiles["corp"] ?? [:]
            var settings: [String: any Sendable] = [
                "roleArn": role, "region": "us-east-1", "stsEndpoint": sts.endpoint,
            ]
            settings.merge(aws) { $1 }
            corp["aws"] = settings
            let harness = try await ReadyHelperHarness(extra: ["corp": corp])
            for mode in ["bedrock-key", "credential-process", "aws-export", "bedrock"] {
                try FileManager.default.createSymbolicLink(
                    atPath: harness.link("corp@\(mode)"), withDestinationPath: BuiltBinary.path)
            }
            return harness
        }

        static func sts(trusting issuer: String) async throws -> MotoSTS { try await MotoSTS(trust: [role: issuer]) }

        @Test(
            "STS behind the company network: reached over the profile's proxy, trusting its caFile; without the CA, an error naming caFile"
        )
        func stsOverProfileConnection() async throws {
            let certificate = try await Gateway.Certificate.make()
            let sts = try await MotoSTS(trust: [Self.role: try Self.issuer()], tls: certificate)
            let proxy = try ForwardProxy(address: "127.0.0.2")
            func harness(connection: [String: any Sendable]) async throws -> ReadyHelperHarness {
                var corp = try await ReadyHelperHarness().profiles["corp"] ?? [:]
                corp["aws"] = ["roleArn": Self.role, "region": "us-east-1", "stsEndpoint": sts.endpoint]
                corp.merge(connection) { $1 }
                let harness = try await ReadyHelperHarness(extra: ["corp": corp])
                try FileManager.default.createSymbolicLink(
                    atPath: harness.link("corp@credential-process"), withDestinationPath: BuiltBinary.path)
                return harness
            }
            let target = String(sts.endpoint.dropFirst("https://".count).dropLast())

            let untrusted = try await harness(connection: [:])
            _ = try await untrusted.signIn()
            let refused = try await Self.run(
                untrusted.link("corp@credential-process"), environment: untrusted.environment)
            #expect(refused.status != 0 && refused.stderr.contains("caFile"), "\(refused.stderr)")

            let corporate = try await harness(connection: ["caFile": certificate.certificateFile, "proxy": proxy.url])
            _ = try await corporate.signIn()
            let answered = try await Self.run(
                corporate.link("corp@credential-process"), environment: corporate.environment)
            #expect(answered.status == 0 && answered.stdout.contains("\"AccessKeyId\""), "\(answered.stderr)")
            #expect(proxy.connects(to: target) == 1, "STS was not reached through the profile's proxy: \(proxy.log)")
            #expect(try await sts.calls() == 1)
        }

        /// Runs `executable` (a link) with no arguments.
        static func run(_ executable: String, environment: [String: String]) async throws -> BuiltBinary.Result {
            try await BuiltBinary.run([], environment: environment, executable: executable)
        }

        static func issuer() async throws -> String { try await IdentityProvider.shared(.glewlwyd).info.issuer }

        @Test(
            "credential-process, aws-export and bedrock-key from one sign-in and one STS call; botocore loads the credentials"
        )
        func modesAndBotocore() async throws {
            let sts = try await Self.sts(trusting: try Self.issuer())
            let harness = try await Self.harness(sts: sts)
            _ = try await harness.signIn()
            let process = try await Self.run(harness.link("corp@credential-process"), environment: harness.environment)
            #expect(process.status == 0, "\(process.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(process.stdout.utf8)) as? [String: Any])
            #expect(json["Version"] as? Int == 1)
            #expect((json["AccessKeyId"] as? String)?.hasPrefix("ASIA") == true)
            #expect(json["SessionToken"] is String && json["SecretAccessKey"] is String)
            let expiration = try #require(json["Expiration"] as? String)
            #expect(expiration.hasSuffix("Z") && expiration.count == 20, "Expiration \(expiration)")

            let export = try await Self.run(harness.link("corp@aws-export"), environment: harness.environment)
            let exported =
                try JSONSerialization.jsonObject(with: Data(export.stdout.utf8)) as? [String: [String: String]]
            let sameKey = exported?["Credentials"]?["AccessKeyId"] == json["AccessKeyId"] as? String
            #expect(export.status == 0 && sameKey, "aws-export printed other credentials: \(export.stderr)")
            #expect(
                Set(exported?["Credentials"]?.keys.map { $0 } ?? []) == [
                    "AccessKeyId", "SecretAccessKey", "SessionToken",
                ])

            var hostEnvironment = harness.environment
            hostEnvironment["CLAUDE_HELPER_CONTEXT"] = "background"
            let key = try await Self.run(harness.link("corp@bedrock-key"), environment: hostEnvironment)
            #expect(key.status == 0 && key.stdout.hasPrefix("bedrock-api-key-"), "\(key.stderr)")
            let decoded = String(
                decoding: Data(
                    base64Encoded: String(key.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst(16)))
                    ?? Data(), as: UTF8.self)
            #expect(
                decoded.hasPrefix("bedrock.amazonaws.com/?Action=CallWithBearerToken&X-Amz-Algorithm=AWS4-HMAC-SHA256"))
            #expect(decoded.hasSuffix("&Version=1") && decoded.contains("%2Fus-east-1%2Fbedrock%2Faws4_request"))
            #expect(try await sts.calls() == 1, "the three modes share one STS session")

            // A real consumer: botocore with our credential_process line.
            let config = harness.folder.path("aws-config")
            try "[profile corp]\ncredential_process = \(harness.link("corp@credential-process"))\n".write(
                toFile: config, atomically: true, encoding: .utf8)
            let script = """
                import botocore.session
                creds = botocore.session.Session(profile="corp").get_credentials()
                frozen = creds.get_frozen_credentials()
                print(creds.method, frozen.access_key, bool(frozen.token), creds._expiry_time is not None)
                """
            var environment = harness.environment
            environment["AWS_CONFIG_FILE"] = config
            environment["AWS_SHARED_CREDENTIALS_FILE"] = harness.folder.path("no-credentials")
            let botocore = try await ProgramRun.run(
                "/usr/bin/env", ["python3", "-c", script], environment: environment)
            let line = botocore.stdout
            #expect(
                line.trimmingCharacters(in: .whitespacesAndNewlines)
                    == "custom-process \(json["AccessKeyId"] as? String ?? "") True True",
                "botocore did not load our credentials: \(botocore.stderr)")
            #expect(try await sts.calls() == 1, "botocore got the stored session")
        }

        @Test("A role whose trust policy does not allow the sign-in: one line naming the role and its trust policy")
        func accessDenied() async throws {
            let sts = try await MotoSTS(trust: [Self.role: "https://some-other-issuer.example"])
            let harness = try await Self.harness(sts: sts)
            let token = try await harness.signIn()
            let result = try await Self.run(harness.link("corp@credential-process"), environment: harness.environment)
            #expect(result.status == 1)
            let lines = result.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(result.stderr)")
            #expect(result.stderr.hasPrefix("AWS STS error: AWS STS refused role \(Self.role) (AccessDenied"))
            #expect(result.stderr.contains("trust policy"))
            let leaks =
                result.stderr.contains(String(token.prefix(24))) || result.stdout.contains(String(token.prefix(24)))
            #expect(!leaks, "the error showed the sign-in's token")
        }

        @Test("An expired web identity token: fast sign-in required in the background, a new sign-in in interactive")
        func expiredWebIdentity() async throws {
            let issuer = try await Self.issuer()
            let sts = try await Self.sts(trusting: issuer)
            let harness = try await Self.harness(sts: sts)
            _ = try await harness.signIn()
            try Self.replaceStoredCredential(
                harness, with: Self.jwt(["iss": issuer, "sub": "alice", "exp": 1_000_000]))
            var environment = harness.environment
            environment["CLAUDE_HELPER_CONTEXT"] = "background"
            let started = ContinuousClock.now
            let background = try await Self.run(harness.link("corp@bedrock-key"), environment: environment)
            #expect(background.status == 1 && background.stdout.isEmpty)
            #expect(
                background.stderr.hasPrefix(
                    "sign-in required: AWS STS refused role \(Self.role) (ExpiredTokenException"))
            #expect(background.stderr.contains("credhelper login --profile corp"))
            #expect(ContinuousClock.now - started < .seconds(3), "the failure was not fast")

            environment["CLAUDE_HELPER_CONTEXT"] = "interactive"
            let interactive = try await Self.run(harness.link("corp@bedrock-key"), environment: environment)
            #expect(interactive.status == 0, "\(interactive.stderr)")
            #expect(interactive.stdout.hasPrefix("bedrock-api-key-"))
            #expect(try await sts.calls() == 3, "refused, refused, then accepted after the sign-in")
        }

        @Test("Bad input gets one line naming the fix: unknown mode, region typo, malformed role ARN")
        func badInput() async throws {
            let sts = try await Self.sts(trusting: try Self.issuer())
            let harness = try await Self.harness(sts: sts)
            let unknown = try await Self.run(harness.link("corp@bedrock"), environment: harness.environment)
            #expect(unknown.status == 2)
            #expect(
                unknown.stderr == "configuration error: unknown output mode \"bedrock\"; use one of bedrock-key, "
                    + "credential-process, aws-export (as in a link named credhelper-PROFILE@bedrock-key), or a token "
                    + "mode: inference, token, headers\n")

            let typo = try await Self.harness(sts: sts, aws: ["region": "us-esat-1"])
            let region = try await Self.run(typo.link("corp@credential-process"), environment: typo.environment)
            #expect(region.status == 2 && region.stderr.split(separator: "\n").count == 1)
            #expect(
                region.stderr.contains(
                    "\"aws\".\"region\" must be an AWS region such as us-east-1 (not \"us-esat-1\"; did you mean \"us-east-1\"?)"
                ), "\(region.stderr)")

            let malformed = try await Self.harness(sts: sts, role: "arn:aws:iam::12345:role/Bedrock")
            let arn = try await Self.run(malformed.link("corp@aws-export"), environment: malformed.environment)
            #expect(
                arn.status == 2 && arn.stderr.contains("\"aws\".\"roleArn\" must be a role ARN such as"),
                "\(arn.stderr)")
            #expect(try await sts.calls() == 0)
        }

        @Test("50 processes in mixed modes with a refresh due: 1 identity provider refresh, 1 STS call")
        func fiftyMixedModes() async throws {
            let sts = try await Self.sts(trusting: try Self.issuer())
            let harness = try await Self.harness(sts: sts)
            _ = try await harness.signIn()
            try harness.expireStoredToken()
            let before = try await harness.idp.grantCounts()["refresh_token", default: 0]
            var environment = harness.environment
            environment["CLAUDE_HELPER_CONTEXT"] = "background"
            environment["CREDHELPER_PROFILE"] = "corp"
            let helperEnvironment = environment
            let executables = (0..<50).map { index in
                [
                    BuiltBinary.path, harness.link("corp@bedrock-key"), harness.link("corp@credential-process"),
                    harness.link("corp@aws-export"), harness.link("corp"),
                ][index % 5]
            }
            let results = try await withThrowingTaskGroup(of: BuiltBinary.Result.self) { group in
                for executable in executables {
                    group.addTask { try await Self.run(executable, environment: helperEnvironment) }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(results.allSatisfy { $0.status == 0 }, "\(results.filter { $0.status != 0 }.map(\.stderr))")
            #expect(try await harness.idp.grantCounts()["refresh_token", default: 0] == before + 1, "one refresh")
            #expect(try await sts.calls() == 1, "one STS call")
        }

        @Test("credhelper logout removes the AWS session along with the tokens")
        func logoutRemovesSession() async throws {
            let sts = try await Self.sts(trusting: try Self.issuer())
            let harness = try await Self.harness(sts: sts)
            _ = try await harness.signIn()
            let process = try await Self.run(harness.link("corp@credential-process"), environment: harness.environment)
            #expect(process.status == 0, "\(process.stderr)")
            func sessions() throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory).filter {
                    $0.hasSuffix(".aws.json")
                }
            }
            #expect(try sessions().count == 1)
            let logout = try await BuiltBinary.run(["logout", "--profile", "corp"], environment: harness.environment)
            #expect(logout.status == 0, "\(logout.stderr)")
            #expect(try sessions().isEmpty, "the AWS credentials outlived the sign-out")
        }

        @Test("mid-session-refresh: the host's key was refused, so the stored AWS session is replaced, not reused")
        func midSessionRefreshReplacesSession() async throws {
            let sts = try await Self.sts(trusting: try Self.issuer())
            let harness = try await Self.harness(sts: sts)
            _ = try await harness.signIn()
            var environment = harness.environment
            environment["CLAUDE_HELPER_CONTEXT"] = "background"
            let first = try await Self.run(harness.link("corp@bedrock-key"), environment: environment)
            #expect(first.status == 0, "\(first.stderr)")
            environment["CLAUDE_HELPER_CONTEXT"] = "mid-session-refresh"
            let second = try await Self.run(harness.link("corp@bedrock-key"), environment: environment)
            #expect(second.status == 0 && second.stdout.hasPrefix("bedrock-api-key-"), "\(second.stderr)")
            #expect(try await sts.calls() == 2, "the refused key's session was handed out again")
        }

        @Test("credhelper login again (perhaps as another user) removes the AWS session made for the previous sign-in")
        func loginAgainRemovesSession() async throws {
            let sts = try await Self.sts(trusting: try Self.issuer())
            let harness = try await Self.harness(sts: sts)
            _ = try await harness.signIn()
            let process = try await Self.run(harness.link("corp@credential-process"), environment: harness.environment)
            #expect(process.status == 0, "\(process.stderr)")
            func sessions() throws -> [String] {
                try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory).filter {
                    $0.hasSuffix(".aws.json")
                }
            }
            #expect(try sessions().count == 1)
            let login = try await BuiltBinary.run(["login", "--profile", "corp"], environment: harness.environment)
            #expect(login.status == 0, "\(login.stderr)")
            #expect(try sessions().isEmpty, "the previous sign-in's AWS credentials outlived a new sign-in")
        }

        /// An unsigned JWT with `claims` (the test STS does not check signatures).
        static func jwt(_ claims: [String: any Sendable]) throws -> String {
            func part(_ object: [String: Any]) throws -> String {
                try JSONSerialization.data(withJSONObject: object).base64EncodedString()
                    .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                    .replacingOccurrences(of: "=", with: "")
            }
            return try part(["alg": "none"]) + "." + part(claims) + ".c2ln"
        }

        /// Replaces the stored credential of `corp`, keeping the record valid for the store.
        static func replaceStoredCredential(_ harness: ReadyHelperHarness, with token: String) throws {
            let files = try FileManager.default.contentsOfDirectory(atPath: harness.storeDirectory)
                .filter { $0.hasSuffix(".json") && !$0.hasSuffix(".aws.json") }
            for file in files {
                let key = TokenStoreKey(digestOf: String(file.dropLast(5)))
                guard var record = try harness.store.read(key) else { continue }
                record.accessToken = Secret(token)
                try harness.store.write(record, for: key)
            }
        }
    }
}
