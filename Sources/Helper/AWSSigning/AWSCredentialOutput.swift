import CredentialHelperProtocol

/// The ways credhelper hands AWS credentials to a consumer.
public enum AWSOutputMode: String, Sendable, Hashable, CaseIterable {
    /// An Amazon Bedrock API key, as the inference credential helper's answer (docs/protocol.md).
    case bedrockKey = "bedrock-key"
    /// The AWS SDKs' and CLI's `credential_process` JSON: `Version` 1, the keys, `Expiration`
    /// (docs.aws.amazon.com/cli/v1/userguide/cli-configure-sourcing-external.html).
    case credentialProcess = "credential-process"
    /// Claude Code's `awsCredentialExport` JSON: `{"Credentials": {AccessKeyId, SecretAccessKey,
    /// SessionToken}}` (code.claude.com/docs/en/amazon-bedrock, "Advanced credential configuration").
    case credentialExport = "aws-export"

    /// The modes, for messages: `bedrock-key, credential-process, aws-export`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// The JSON documents of ``AWSOutputMode/credentialProcess`` and ``AWSOutputMode/credentialExport``.
/// Written by hand, keys in a fixed order, strings escaped as JSON requires.
public enum AWSCredentialOutput {
    /// `credential_process` JSON, with `Expiration` when the credentials expire.
    public static func credentialProcess(_ credentials: AWSSessionCredentials) -> [UInt8] {
        var fields = [
            ("Version", "1"), ("AccessKeyId", quoted(credentials.accessKeyID)),
            ("SecretAccessKey", quoted(credentials.secretAccessKey.reveal())),
        ]
        if let token = credentials.sessionToken { fields.append(("SessionToken", quoted(token.reveal()))) }
        if let expiration = credentials.expiration { fields.append(("Expiration", quoted(iso8601(expiration)))) }
        return Array((object(fields) + "\n").utf8)
    }

    /// Claude Code's `awsCredentialExport` JSON.
    public static func credentialExport(_ credentials: AWSSessionCredentials) -> [UInt8] {
        var fields = [
            ("AccessKeyId", quoted(credentials.accessKeyID)),
            ("SecretAccessKey", quoted(credentials.secretAccessKey.reveal())),
        ]
        if let token = credentials.sessionToken { fields.append(("SessionToken", quoted(token.reveal()))) }
        return Array((object([("Credentials", object(fields))]) + "\n").utf8)
    }

    /// `YYYY-MM-DDTHH:MM:SSZ` (RFC 3339, UTC, whole seconds).
    public static func iso8601(_ seconds: Double) -> String {
        let stamp = SigV4Encoding.timestamp(Int64(seconds.rounded(.down)))
        let characters = Array(stamp)
        return String(characters[0..<4]) + "-" + String(characters[4..<6]) + "-" + String(characters[6..<8]) + "T"
            + String(characters[9..<11]) + ":" + String(characters[11..<13]) + ":" + String(characters[13..<15]) + "Z"
    }

    private static func object(_ fields: [(String, String)]) -> String {
        "{" + fields.map { quoted($0.0) + ":" + $0.1 }.joined(separator: ",") + "}"
    }

    private static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
