import AWSSigning
import CredentialHelperProtocol

/// What a `credential_process` prints, read as botocore reads it
/// (docs.aws.amazon.com/cli/v1/userguide/cli-configure-sourcing-external.html): a JSON object with
/// `"Version": 1`, `AccessKeyId` and `SecretAccessKey`, and optionally `SessionToken` and an ISO 8601
/// `Expiration`.
public enum CredentialProcessOutput {
    /// The credentials in `stdout`; the error names what is missing, never a value.
    public static func credentials(_ stdout: [UInt8]) throws(AWSCredentialChain.Problem) -> AWSSessionCredentials {
        guard case .object(let object)? = try? JSONValue.decode(stdout) else {
            throw AWSCredentialChain.Problem("its output is not a JSON object")
        }
        guard case .number(let version)? = object["Version"], version == 1 else {
            throw AWSCredentialChain.Problem("its output must have \"Version\": 1")
        }
        func text(_ key: String) throws(AWSCredentialChain.Problem) -> String? {
            switch object[key] {
            case .none, .null?: return nil
            case .string(let value)?: return value
            default: throw AWSCredentialChain.Problem("its \"\(key)\" must be a string")
            }
        }
        guard let keyID = try text("AccessKeyId"), !keyID.isEmpty,
            let secret = try text("SecretAccessKey"), !secret.isEmpty
        else { throw AWSCredentialChain.Problem("its output must have \"AccessKeyId\" and \"SecretAccessKey\"") }
        var expiration: Double?
        if let text = try text("Expiration") {
            guard let time = STSResponse.parseTimestamp(text) else {
                throw AWSCredentialChain.Problem(
                    "its \"Expiration\" is not an ISO 8601 time such as 2026-01-01T00:00:00Z")
            }
            expiration = time
        }
        let token = try text("SessionToken")
        return AWSSessionCredentials(
            accessKeyID: keyID, secretAccessKey: Secret(secret),
            sessionToken: token.flatMap { $0.isEmpty ? nil : Secret($0) }, expiration: expiration)
    }
}
