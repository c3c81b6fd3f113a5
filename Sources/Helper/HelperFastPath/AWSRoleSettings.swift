import CredentialHelperProtocol
import TokenStore

extension Profile {
    /// The AWS role an OAuth profile's sign-in is exchanged for (`"aws"` in the profile), with STS
    /// `AssumeRoleWithWebIdentity`. The web identity token is the profile's credential: its ID token
    /// with `"credential": "id-token"`, else its access token (which must then be a JWT AWS accepts).
    public struct AWSSettings: Sendable, Hashable {
        /// The role, `arn:aws:iam::ACCOUNT:role/NAME`.
        public var roleARN: String
        /// The region of the STS endpoint and of Bedrock API keys.
        public var region: String
        /// The claim of the web identity token that names the role session. Default `sub`.
        public var sessionNameClaim: String
        /// How long the role's credentials last, 900 to 43,200 seconds (at most the role's maximum
        /// session duration). Default 3600.
        public var duration: Int
        /// The STS endpoint; default `https://sts.REGION.amazonaws.com` (`.amazonaws.com.cn` in China).
        public var stsEndpoint: String
        /// How long a Bedrock API key lasts, at most 12 hours and never past the credentials. Default 12 h.
        public var bedrockKeyLifetime: Int

        /// The regions a profile may name: a region typo is a configuration error, not a failed call.
        public static let regions: Set = [
            "us-east-1", "us-east-2", "us-west-1", "us-west-2", "af-south-1", "ap-east-1", "ap-east-2",
            "ap-south-1", "ap-south-2", "ap-southeast-1", "ap-southeast-2", "ap-southeast-3", "ap-southeast-4",
            "ap-southeast-5", "ap-southeast-6", "ap-southeast-7", "ap-northeast-1", "ap-northeast-2",
            "ap-northeast-3", "ca-central-1", "ca-west-1", "eu-central-1", "eu-central-2", "eu-west-1",
            "eu-west-2", "eu-west-3", "eu-south-1", "eu-south-2", "eu-north-1", "il-central-1", "me-south-1",
            "me-central-1", "mx-central-1", "sa-east-1", "us-gov-east-1", "us-gov-west-1", "cn-north-1",
            "cn-northwest-1",
        ]

        /// The default STS endpoint of `region`.
        public static func defaultEndpoint(region: String) -> String {
            "https://sts.\(region).amazonaws.com" + (region.hasPrefix("cn-") ? ".cn" : "")
        }
    }
}

extension Profile.OAuthSettings {
    /// Where the role's temporary credentials are stored: what changes them (the sign-in, the role,
    /// the session name claim, the duration, the endpoint).
    public func awsStoreKey(_ aws: Profile.AWSSettings) -> TokenStoreKey {
        TokenStoreKey(parts: [
            "aws-sts", storeKey.digest, aws.roleARN, aws.sessionNameClaim, String(aws.duration), aws.stsEndpoint,
        ])
    }
}

extension ProfileReader {
    static let awsKeys: Set = [
        "roleArn", "region", "sessionNameClaim", "durationSec", "stsEndpoint", "bedrockKeyLifetimeSec",
    ]

    /// The profile's `"aws"` object, if any.
    func aws(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure) -> Profile.AWSSettings? {
        guard let value = fields["aws"] else { return nil }
        guard case .object(let aws) = value else {
            throw fail(name, "\"aws\" must be an object with \"roleArn\" and \"region\"")
        }
        for key in aws.keys.sorted() where !Self.awsKeys.contains(key) {
            throw fail(
                name,
                "unknown key \"aws\".\"\(key)\" (expected one of \(Self.awsKeys.sorted().joined(separator: ", ")))")
        }
        guard let role = try string(aws, "roleArn", in: name), Self.isRoleARN(role) else {
            throw fail(
                name,
                "\"aws\".\"roleArn\" must be a role ARN such as arn:aws:iam::123456789012:role/Bedrock (see the "
                    + "role's Summary in the IAM console)")
        }
        let region = try region(aws, in: name, rule: "\"aws\".\"region\" must be an AWS region such as us-east-1")
        let endpoint = try string(aws, "stsEndpoint", in: name) ?? Profile.AWSSettings.defaultEndpoint(region: region)
        guard endpoint.hasPrefix("https://") || Self.isLoopbackHTTP(endpoint) else {
            throw fail(name, "\"aws\".\"stsEndpoint\" must be an https:// URL (or http:// on loopback, for tests)")
        }
        return Profile.AWSSettings(
            roleARN: role, region: region, sessionNameClaim: try string(aws, "sessionNameClaim", in: name) ?? "sub",
            duration: Int(
                try seconds(aws, "durationSec", in: name, default: 3600, range: 900...43_200).components.seconds),
            stsEndpoint: endpoint,
            bedrockKeyLifetime: Int(
                try seconds(aws, "bedrockKeyLifetimeSec", in: name, default: 43_200, range: 60...43_200).components
                    .seconds))
    }

    /// `arn:PARTITION:iam::ACCOUNT:role/PATH/NAME`, account 12 digits.
    static func isRoleARN(_ text: String) -> Bool {
        let parts = text.split(separator: ":", maxSplits: 5, omittingEmptySubsequences: false)
        guard parts.count == 6, parts[0] == "arn", parts[1].hasPrefix("aws"), parts[2] == "iam", parts[3].isEmpty,
            parts[4].count == 12, parts[4].allSatisfy({ $0.isNumber }), parts[5].hasPrefix("role/"), parts[5].count > 5
        else { return false }
        return parts[5].allSatisfy { $0.isLetter || $0.isNumber || "+=,.@_-/".contains($0) }
    }

    /// The `region` field of `fields`: a known AWS region, else an error stating `rule`, the value given
    /// and the region it is one typo away from.
    func region(_ fields: [String: JSONValue], in name: String, rule: String) throws(CredhelperFailure) -> String {
        if let region = try string(fields, "region", in: name), Profile.AWSSettings.regions.contains(region) {
            return region
        }
        let given = (try? string(fields, "region", in: name)).flatMap { $0 } ?? ""
        let near = Profile.AWSSettings.regions.sorted().first { Self.isNear($0, given) }
        throw fail(
            name,
            rule
                + (given.isEmpty ? "" : " (not \"\(given)\"" + (near.map { "; did you mean \"\($0)\"?" } ?? "") + ")"))
    }

    /// Whether `a` and `b` differ by one edit or one swap of neighbours (for "did you mean").
    static func isNear(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a), Array(b))
        if x.count == y.count {
            let differing = x.indices.filter { x[$0] != y[$0] }
            if differing.count == 1 { return true }
            return differing.count == 2 && differing[1] == differing[0] + 1 && x[differing[0]] == y[differing[1]]
                && x[differing[1]] == y[differing[0]]
        }
        let (short, long) = x.count < y.count ? (x, y) : (y, x)
        guard long.count == short.count + 1 else { return false }
        return long.indices.contains { index in Array(long[..<index] + long[(index + 1)...]) == short }
    }

    /// Whether `url` is `http://` to a loopback host. The authority may hold no user information
    /// (`http://127.0.0.1:@sts.example/` is a request to sts.example) nor a backslash.
    static func isLoopbackHTTP(_ url: String) -> Bool {
        let loopback = ["http://127.0.0.1:", "http://127.0.0.1/", "http://[::1]:", "http://localhost:"].contains {
            url.hasPrefix($0)
        }
        let authority = url.dropFirst("http://".count).prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        return loopback && !authority.contains("@") && !authority.contains("\\")
    }
}
