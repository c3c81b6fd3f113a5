import CredentialHelperProtocol

extension Profile {
    /// Settings of an `aws-chain` profile: AWS credentials from the AWS SDKs' usual sources (the
    /// environment, the shared credentials and config files, `credential_process`) rather than from
    /// a sign-in, handed out by the AWS output modes (docs/helper.md, AWS modes).
    public struct AWSChainSettings: Sendable, Hashable {
        /// The AWS profile in the shared files; nil: `AWS_DEFAULT_PROFILE`, `AWS_PROFILE`, else
        /// `default`, after the environment's keys. A named profile skips the environment's keys.
        public var awsProfile: String?
        /// The region of Bedrock API keys.
        public var region: String
        /// How long a Bedrock API key lasts, at most 12 hours and never past the credentials.
        public var bedrockKeyLifetime: Int
        /// How long a `credential_process` may run. Default 30 s.
        public var processTimeout: Duration
    }

    /// The region and Bedrock key lifetime of a profile that hands out AWS credentials (an `oauth`
    /// profile with `"aws"`, or an `aws-chain` profile); nil for other profiles.
    public var awsOutput: (region: String, bedrockKeyLifetime: Int)? {
        switch source {
        case .oauth(let settings): settings.aws.map { ($0.region, $0.bedrockKeyLifetime) }
        case .awsChain(let settings): (settings.region, settings.bedrockKeyLifetime)
        default: nil
        }
    }
}

extension ProfileReader {
    /// An `aws-chain` profile's settings.
    func awsChain(_ fields: [String: JSONValue], in name: String) throws(CredhelperFailure) -> Profile.AWSChainSettings
    {
        let awsProfile = try string(fields, "awsProfile", in: name)
        if let awsProfile,
            awsProfile.isEmpty || awsProfile.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F })
        {
            throw fail(
                name, "\"awsProfile\" must be the name of a profile in the AWS config or credentials file, on one line")
        }
        let region = try region(
            fields, in: name, rule: "\"region\" must be the AWS region of the Bedrock API keys, such as us-east-1")
        return Profile.AWSChainSettings(
            awsProfile: awsProfile, region: region,
            bedrockKeyLifetime: Int(
                try seconds(fields, "bedrockKeyLifetimeSec", in: name, default: 43_200, range: 60...43_200).components
                    .seconds),
            processTimeout: try seconds(fields, "processTimeoutSec", in: name, default: 30, range: 1...600))
    }
}
