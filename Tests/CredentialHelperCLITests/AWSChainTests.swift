import Foundation
import TestSupport
import Testing

/// `aws-chain` profiles end to end: the built `credhelper` run through `credhelper-P@MODE` links, with
/// real shared files in a private HOME and real `credential_process` programs, against botocore's
/// own default chain in the same environment (Tests/Fixtures/aws/shared_files.py).
@Suite("AWS credentials from the AWS SDKs' chain (aws-chain profiles)", .timeLimit(.minutes(2)))
struct AWSChainTests {
    let folder = HelperScripts()
    let home: String

    init() {
        home = folder.subdirectory("home", mode: 0o700)
        _ = folder.subdirectory("home/.aws", mode: 0o700)
    }

    /// Writes the profiles file with one `aws-chain` profile `P` (`settings` added) and its links.
    func profile(_ settings: [String: Any] = [:]) throws {
        var profile: [String: Any] = ["kind": "aws-chain", "region": "us-west-2"]
        profile.merge(settings) { $1 }
        let data = try JSONSerialization.data(withJSONObject: ["profiles": ["P": profile]])
        folder.write(String(decoding: data, as: UTF8.self), to: folder.path("profiles.json"), mode: 0o600)
        for mode in ["", "@bedrock-key", "@credential-process", "@aws-export"]
        where !FileManager.default.fileExists(atPath: folder.path("credhelper-P\(mode)")) {
            try FileManager.default.createSymbolicLink(
                atPath: folder.path("credhelper-P\(mode)"), withDestinationPath: BuiltBinary.path)
        }
    }

    func write(config: String? = nil, credentials: String? = nil) {
        if let config { folder.write(config, to: home + "/.aws/config", mode: 0o600) }
        if let credentials { folder.write(credentials, to: home + "/.aws/credentials", mode: 0o600) }
    }

    var environment: [String: String] {
        [
            "HOME": home, "CREDHELPER_PROFILES": folder.path("profiles.json"),
            "CREDHELPER_STATE_DIR": folder.path("state"),
        ]
    }

    /// `credhelper-P@MODE` with `extra` in the environment.
    func run(_ mode: String, _ extra: [String: String] = [:]) async throws -> BuiltBinary.Result {
        try await ReadyHelperTests.AWSModesTests.run(
            folder.path("credhelper-P\(mode)"), environment: environment.merging(extra) { $1 })
    }

    /// What botocore's chain finds with `extra` in the environment and `profile` given explicitly.
    func botocore(_ extra: [String: String], profile: String? = nil) async throws -> [String: String] {
        var environment = ["HOME": home, "PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        environment.merge(extra) { $1 }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", SharedFiles.script, "chain"] + (profile.map { [$0] } ?? [])
        process.environment = environment
        let output = folder.path("botocore-\(UUID().uuidString).json")
        FileManager.default.createFile(atPath: output, contents: nil)
        process.standardOutput = FileHandle(forWritingAtPath: output)
        try process.run()
        try await OffPool.wait { process.waitUntilExit() }
        let object = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: output)))
        return (object as? [String: Any] ?? [:]).compactMapValues { $0 as? String }
    }

    /// Ours in botocore's terms: key, secret and token of `credential-process`, or an error.
    static func credentials(_ result: BuiltBinary.Result) -> [String: String] {
        guard result.status == 0,
            let object = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any]
        else { return ["error": "exit \(result.status)"] }
        var out = ["key": object["AccessKeyId"] as? String ?? "", "secret": object["SecretAccessKey"] as? String ?? ""]
        if let token = object["SessionToken"] as? String { out["token"] = token }
        return out
    }

    /// A credential_process program printing keys whose id ends in its first argument, counting its
    /// runs in `runs`, its credentials expiring `expiresIn` from now (a `date -d` offset).
    func process(expiresIn: String = "+2 hours", delay: String = "0") -> String {
        folder.script(
            "process.sh",
            """
            #!/bin/sh
            echo run >> '\(folder.path("runs"))'
            sleep \(delay)
            printf '{"Version": 1, "AccessKeyId": "AKIAPROC%s", "SecretAccessKey": "SECRETPROC", "SessionToken": "TOKENPROC", "Expiration": "%s"}' "$1" "$(date -u -d '\(expiresIn)' +%Y-%m-%dT%H:%M:%SZ)"
            """)
    }

    var runs: Int { folder.read("runs").split(separator: "\n").count }

    static let keysEnvironment = [
        "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "SECRETENV", "AWS_SESSION_TOKEN": "TOKENENV",
    ]

    @Test("the same credentials as botocore's chain: environment, credentials file, credential_process, config keys")
    func sameAsBotocore() async throws {
        let process = process()
        write(
            config: """
                [default]
                credential_process = \(process) default
                [profile corp]
                credential_process = \(process) "two words" 'x'
                aws_access_key_id = AKIACONFIG
                aws_secret_access_key = SECRETCONFIG
                [profile keys]
                aws_access_key_id = AKIAKEYS
                aws_secret_access_key = SECRETKEYS
                aws_session_token = TOKENKEYS
                [profile partial]
                region = us-east-1
                [profile ssosession]
                sso_session = corp
                aws_access_key_id = AKIASSOSESSION
                aws_secret_access_key = SECRETSSOSESSION
                """,
            credentials: """
                [corp]
                aws_access_key_id = AKIAFILE
                aws_secret_access_key = SECRETFILE
                [proc]
                credential_process = \(process) from-credentials-file
                [partial]
                aws_access_key_id = AKIAPARTIAL
                """)
        // (environment, the credhelper profile's awsProfile = botocore's explicit profile, what is expected)
        let cases: [([String: String], String?, String)] = [
            (Self.keysEnvironment, nil, "AKIAENV"),
            (Self.keysEnvironment.merging(["AWS_PROFILE": "keys"]) { $1 }, nil, "AKIAENV"),
            (Self.keysEnvironment, "keys", "AKIAKEYS"),
            ([:], "corp", "AKIAFILE"),
            ([:], nil, "AKIAPROCdefault"),
            (["AWS_PROFILE": "proc"], nil, "AKIAPROCfrom-credentials-file"),
            (["AWS_DEFAULT_PROFILE": "keys", "AWS_PROFILE": "corp"], nil, "AKIAKEYS"),
            (["AWS_PROFILE": "missing"], nil, "error"),
            ([:], "partial", "error"),
            // Found by review: each differed from botocore before its fix.
            (
                [
                    "AWS_ACCESS_KEY_ID": "AKIAENV", "AWS_SECRET_ACCESS_KEY": "SECRETENV", "AWS_SECURITY_TOKEN": "",
                    "AWS_SESSION_TOKEN": "TOKENENV",
                ], nil, "AKIAENV"
            ),
            (Self.keysEnvironment.merging(["AWS_PROFILE": "nope"]) { $1 }, nil, "error"),
            (["AWS_DEFAULT_PROFILE": "", "AWS_PROFILE": "keys"], nil, "error"),
            (["AWS_CONFIG_FILE": "", "AWS_PROFILE": "keys"], nil, "error"),
            (["AWS_CONFIG_FILE": "$HOME/.aws/config", "AWS_PROFILE": "keys"], nil, "AKIAKEYS"),
            (
                ["AWS_WEB_IDENTITY_TOKEN_FILE": "/nonexistent/token", "AWS_ROLE_ARN": "arn:aws:iam::1:role/R"], "keys",
                "AKIAKEYS"
            ),
            ([:], "ssosession", "AKIASSOSESSION"),
            (Self.keysEnvironment.merging(["AWS_CREDENTIAL_EXPIRATION": "2001-01-01T00:00:00Z"]) { $1 }, nil, "error"),
        ]
        for (extra, awsProfile, expected) in cases {
            try profile(awsProfile.map { ["awsProfile": $0] } ?? [:])
            let ours = Self.credentials(try await run("@credential-process", extra))
            let reference = try await botocore(extra, profile: awsProfile)
            let label = "\(extra.keys.sorted()) awsProfile \(awsProfile ?? "-")"
            if expected == "error" {
                #expect(
                    ours["error"] != nil && reference["error"] != nil, "\(label): ours \(ours), botocore \(reference)")
            } else {
                #expect(ours == reference, "\(label): ours \(ours), botocore \(reference)")
                #expect(ours["key"] == expected, "\(label)")
            }
        }
        // With the quoted arguments split as botocore splits them, in another config file.
        folder.write(
            "[profile q]\ncredential_process = \(process) \"two words\" 'x'\n", to: folder.path("other"), mode: 0o600)
        try profile(["awsProfile": "q"])
        let other = ["AWS_CONFIG_FILE": folder.path("other")]
        let ours = Self.credentials(try await run("@credential-process", other))
        #expect(ours == (try await botocore(other, profile: "q")))
        #expect(ours["key"] == "AKIAPROCtwo words")
        // [default] and [profile default] in one file: only the default profile is ambiguous.
        folder.write(
            "[default]\nregion = a\n[profile default]\nregion = b\n[profile keys]\naws_access_key_id = AKIAK\n"
                + "aws_secret_access_key = SECRETK\n", to: folder.path("both"), mode: 0o600)
        try profile(["awsProfile": "keys"])
        let both = ["AWS_CONFIG_FILE": folder.path("both")]
        let fromBoth = Self.credentials(try await run("@credential-process", both))
        #expect(fromBoth == (try await botocore(both, profile: "keys")) && fromBoth["key"] == "AKIAK", "\(fromBoth)")
    }

    @Test("credential_process credentials are kept until 15 minutes before they expire: one run for many consumers")
    func processCredentialsAreKept() async throws {
        write(config: "[default]\ncredential_process = \(process(delay: "0.3"))\n")
        try profile()
        let results = try await withThrowingTaskGroup(of: BuiltBinary.Result.self) { group in
            for index in 0..<10 {
                group.addTask { try await run(["@credential-process", "@aws-export", "@bedrock-key"][index % 3]) }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results.allSatisfy { $0.status == 0 }, "\(results.map(\.stderr))")
        #expect(runs == 1, "the process ran \(runs) times for 10 consumers")
        _ = try await run("@credential-process")
        #expect(runs == 1)
        // The app's Bedrock key was refused: only credentials obtained from now on will do.
        let refreshed = try await run("@bedrock-key", ["CLAUDE_HELPER_CONTEXT": "mid-session-refresh"])
        #expect(refreshed.status == 0 && refreshed.stdout.hasPrefix("bedrock-api-key-"), "\(refreshed.stderr)")
        #expect(runs == 2)
    }

    @Test("credentials printed without an Expiration replace kept ones; logout removes kept credentials")
    func keptCredentialsGo() async throws {
        write(config: "[default]\ncredential_process = \(process())\n")
        try profile()
        #expect(try await run("@credential-process").status == 0)
        let state = folder.path("state")
        func kept() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: state)) ?? []).filter { $0.hasSuffix(".aws.json") }
        }
        #expect(kept().count == 1)
        let logout = try await BuiltBinary.run(["logout", "--profile", "P"], environment: environment)
        #expect(logout.status == 0 && kept().isEmpty, "\(logout.stderr) \(kept())")
        #expect(try await run("@credential-process").status == 0)
        #expect(kept().count == 1 && runs == 2)
        // The tool now prints credentials without an Expiration: nothing older may be handed out after them.
        folder.write(
            "#!/bin/sh\necho run >> '\(folder.path("runs"))'\n"
                + "echo '{\"Version\": 1, \"AccessKeyId\": \"AKIANOEXP\", \"SecretAccessKey\": \"SECRETNOEXP\"}'\n",
            to: folder.path("process.sh"), mode: 0o700)
        let refreshed = try await run("@credential-process", ["CLAUDE_HELPER_CONTEXT": "mid-session-refresh"])
        #expect(Self.credentials(refreshed)["key"] == "AKIANOEXP" && kept().isEmpty, "\(refreshed.stderr)")
        #expect(Self.credentials(try await run("@credential-process"))["key"] == "AKIANOEXP")
    }

    @Test("credentials expiring within 15 minutes are not kept: the process runs again")
    func shortCredentialsRunAgain() async throws {
        write(config: "[default]\ncredential_process = \(process(expiresIn: "+5 minutes"))\n")
        try profile()
        for _ in 0..<2 { #expect(try await run("@credential-process").status == 0) }
        #expect(runs == 2)
    }

    @Test("a Bedrock API key for the profile's region, signed with the chain's keys")
    func bedrockKey() async throws {
        try profile()
        let key = try await run("@bedrock-key", Self.keysEnvironment)
        #expect(key.status == 0, "\(key.stderr)")
        let encoded = key.stdout.trimmingCharacters(in: .whitespacesAndNewlines).dropFirst("bedrock-api-key-".count)
        let url = String(decoding: Data(base64Encoded: String(encoded)) ?? Data(), as: UTF8.self)
        #expect(url.hasPrefix("bedrock.amazonaws.com/?Action=CallWithBearerToken"), "\(url.prefix(60))")
        #expect(url.contains("X-Amz-Credential=AKIAENV%2F") && url.contains("%2Fus-west-2%2Fbedrock%2Faws4_request"))
    }

    @Test("what the chain cannot follow, or finds broken, is one line naming the fix, and never a secret")
    func refusals() async throws {
        write(
            config: """
                [profile role]
                role_arn = arn:aws:iam::123456789012:role/Bedrock
                source_profile = keys
                [profile sso]
                sso_session = corp
                [profile garbage]
                credential_process = \(folder.script("garbage.sh", "#!/bin/sh\necho 'SECRETGARBAGE not json'"))
                [profile v2]
                credential_process = \(folder.script("v2.sh", "#!/bin/sh\necho '{\"Version\": 2, \"AccessKeyId\": \"A\", \"SecretAccessKey\": \"SECRETV2\"}'"))
                [profile failing]
                credential_process = \(folder.script("fail.sh", "#!/bin/sh\necho 'sign in first' >&2\nexit 3"))
                [profile unquoted]
                credential_process = /bin/echo 'unclosed
                [profile login]
                login_session = arn:aws:iam::123456789012:user/alice
                aws_access_key_id = AKIALOGIN
                aws_secret_access_key = SECRETLOGIN
                [profile ssorole]
                sso_role_name = Admin
                [profile dup]
                aws_access_key_id = AKIADUP1
                aws_secret_access_key = SECRETDUP1
                [profile "dup"]
                aws_access_key_id = AKIADUP2
                aws_secret_access_key = SECRETDUP2
                [profile webidentity]
                web_identity_token_file = /var/run/token
                aws_access_key_id = AKIAWEB
                aws_secret_access_key = SECRETWEB
                """)
        let cases: [(String, Int32, String)] = [
            ("role", 2, "aws configure export-credentials --profile role --format process"),
            ("sso", 2, "no aws_access_key_id and no credential_process"),  // sso_session alone: not SSO to botocore
            ("garbage", 1, "its output is not a JSON object"),
            ("v2", 1, "\"Version\": 1"),
            ("failing", 1, "exited with status 3: sign in first"),
            ("unquoted", 2, "check its quotes"),
            ("absent", 2, "AWS profile \"absent\" is not in"),
            ("login", 2, "aws login (login_session)"),
            ("ssorole", 2, "IAM Identity Center (sso_role_name)"),
            ("dup", 2, "[profile \"dup\"] and [profile dup] for profile \"dup\"; keep one"),
            ("webidentity", 2, "web identity token file (web_identity_token_file)"),
        ]
        for (name, status, message) in cases {
            try profile(["awsProfile": name])
            let result = try await run("@credential-process")
            #expect(result.status == status && result.stderr.contains(message), "\(name): \(result.stderr)")
            #expect(!result.stderr.contains("SECRET") && result.stdout.isEmpty, "\(name): \(result.stderr)")
        }
        try profile()
        let token = try await run("")
        #expect(token.status == 2 && token.stderr.contains("credhelper-P@bedrock-key"), "\(token.stderr)")
        let partial = try await run("@credential-process", ["AWS_ACCESS_KEY_ID": "AKIAENV"])
        #expect(partial.status == 2 && partial.stderr.contains("AWS_SECRET_ACCESS_KEY"), "\(partial.stderr)")
        let relative = try await run("@credential-process", ["AWS_CONFIG_FILE": "aws-config"])
        #expect(relative.status == 2 && relative.stderr.contains("is relative"), "\(relative.stderr)")
        try profile(["region": "us-wset-2"])
        let typo = try await run("@credential-process", Self.keysEnvironment)
        #expect(typo.status == 2 && typo.stderr.contains("did you mean \"us-west-2\""), "\(typo.stderr)")
    }

    @Test("doctor names where the credentials come from, runs no credential_process, and names what is wrong")
    func doctor() async throws {
        write(
            config: "[default]\ncredential_process = \(process())\n[profile role]\nrole_arn = arn:aws:iam::1:role/R\n")
        try profile()
        let fromProcess = try await BuiltBinary.run(["doctor", "--profile", "P"], environment: environment)
        #expect(fromProcess.stdout.contains("credential_process of AWS profile \"default\""), "\(fromProcess.stdout)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("runs")), "doctor ran the credential_process")
        let fromEnvironment = try await BuiltBinary.run(
            ["doctor", "--profile", "P"], environment: environment.merging(Self.keysEnvironment) { $1 })
        #expect(fromEnvironment.stdout.contains("the environment (AWS_ACCESS_KEY_ID)"), "\(fromEnvironment.stdout)")
        #expect(!fromEnvironment.stdout.contains("SECRETENV") && !fromEnvironment.stderr.contains("SECRETENV"))
        try profile(["awsProfile": "role"])
        let refused = try await BuiltBinary.run(["doctor", "--profile", "P"], environment: environment)
        #expect(refused.status != 0 && refused.stdout.contains("export-credentials"), "\(refused.stdout)")
    }

    @Test("another user who can write the config file or the program's directory cannot choose what runs")
    func hostileWriters() async throws {
        let shared = folder.subdirectory("shared", mode: 0o777)
        chmod(shared, 0o777)  // not sticky: anyone may replace what is in it
        let program = shared + "/process.sh"
        folder.write("#!/bin/sh\necho '{}'\n", to: program, mode: 0o755)
        write(config: "[default]\ncredential_process = \(program)\n")
        try profile()
        let planted = try await run("@credential-process")
        #expect(planted.status == 1 && planted.stderr.contains(shared), "\(planted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("runs")))

        write(config: "[default]\ncredential_process = \(process())\n")
        chmod(home + "/.aws/config", 0o666)
        let writable = try await run("@credential-process")
        #expect(writable.status == 2 && writable.stderr.contains(home + "/.aws/config"), "\(writable.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("runs")), "the process ran")
    }
}

/// Where the shared-files reference script is.
enum SharedFiles {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/aws/shared_files.py").path
}
