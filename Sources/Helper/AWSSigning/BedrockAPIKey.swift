import CredentialHelperProtocol

/// An Amazon Bedrock API key (short-term): a Signature Version 4 presigned
/// `POST https://bedrock.amazonaws.com/?Action=CallWithBearerToken` URL, without its scheme, with
/// `&Version=1` appended, base64-encoded behind `bedrock-api-key-`. Byte for byte what AWS's
/// `aws-bedrock-token-generator` 1.1.0 makes for the same credentials, region, time and lifetime
/// (Tests/AWSCredentialsTests compares them).
public enum BedrockAPIKey {
    /// The longest a key may live: 12 hours.
    public static let maximumLifetime = 43_200

    /// The key for `credentials` in `region`, made at `now` (seconds since 1970), valid `lifetime`
    /// seconds: at most 12 hours, and never past the credentials' own expiration. Nil when no
    /// second of validity is left.
    public static func make(
        credentials: AWSSessionCredentials, region: String, now: Double, lifetime: Int = maximumLifetime
    ) -> Secret? {
        var seconds = min(lifetime, maximumLifetime)
        if let expiration = credentials.expiration {
            seconds = min(seconds, Int((expiration - now).rounded(.down)))
        }
        guard seconds > 0 else { return nil }
        let signer = SigV4Signer(credentials: credentials, region: region, service: "bedrock")
        let url = signer.presignedURL(
            SigV4Request(
                method: "POST", url: "https://bedrock.amazonaws.com/", headers: [("host", "bedrock.amazonaws.com")]),
            parameters: [("Action", "CallWithBearerToken")], expires: seconds, at: now)
        let token = url.dropFirst("https://".count) + "&Version=1"
        return Secret("bedrock-api-key-" + Base64.encode(Array(token.utf8)))
    }
}

/// Standard base64 with padding (RFC 4648 §4).
enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let chunk = bytes[index..<min(index + 3, bytes.count)]
            let value = chunk.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * UInt32($1.offset)) }
            for position in 0..<4 {
                out.append(
                    position <= chunk.count
                        ? alphabet[Int(value >> (18 - 6 * UInt32(position)) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
        return String(decoding: out, as: UTF8.self)
    }
}
