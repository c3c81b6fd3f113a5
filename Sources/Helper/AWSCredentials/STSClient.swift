import AWSSigning
import AsyncHTTPClient
import CredentialHelperProtocol
import HelperFastPath
import NIOCore
import NetworkFailure

/// AWS STS `AssumeRoleWithWebIdentity`: the company sign-in's token (an OpenID Connect ID token, or
/// a JWT access token) exchanged for temporary AWS credentials of one role. The call is not
/// signed: the web identity token is the proof.
public struct STSClient: Sendable {
    /// The endpoint, such as `https://sts.us-east-1.amazonaws.com` (or a loopback `http://` URL).
    public var endpoint: String
    /// The most one request may take.
    public var requestTimeout: Duration
    /// The HTTP client the call goes through: the profile's connection (its CA file, its proxy), or
    /// the shared default one.
    public var client: HTTPClient
    /// Where TLS trust is configured, named in a certificate error.
    public var caOption: String

    /// A client for `endpoint`.
    public init(
        endpoint: String, requestTimeout: Duration = .seconds(10), client: HTTPClient = .shared,
        caOption: String = "the profile's \"caFile\""
    ) {
        self.endpoint = endpoint
        self.requestTimeout = requestTimeout
        self.client = client
        self.caOption = caOption
    }

    /// What to ask for.
    public struct Request: Sendable {
        public var roleARN: String
        public var sessionName: String
        public var webIdentityToken: Secret
        public var durationSeconds: Int

        public init(roleARN: String, sessionName: String, webIdentityToken: Secret, durationSeconds: Int) {
            self.roleARN = roleARN
            self.sessionName = sessionName
            self.webIdentityToken = webIdentityToken
            self.durationSeconds = durationSeconds
        }
    }

    /// Errors that mean the web identity token is no longer accepted: a new sign-in fixes them.
    static let expiredTokenCodes: Set = ["ExpiredTokenException", "ExpiredToken", "IDPRejectedClaim"]

    /// The role's temporary credentials, or a failure whose message names the role and the fix
    /// (never the token). `signInRequired` when STS refused the token as expired.
    public func assumeRole(_ request: Request, profile: String, until deadline: ContinuousClock.Instant)
        async throws(CredhelperFailure) -> AWSSessionCredentials
    {
        let fields = [
            ("Action", "AssumeRoleWithWebIdentity"), ("Version", "2011-06-15"), ("RoleArn", request.roleARN),
            ("RoleSessionName", request.sessionName), ("WebIdentityToken", request.webIdentityToken.reveal()),
            ("DurationSeconds", String(request.durationSeconds)),
        ]
        var http = HTTPClientRequest(url: endpoint)
        http.method = .POST
        http.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded; charset=utf-8")
        http.headers.add(name: "Accept", value: "application/xml")
        http.body = .bytes(
            ByteBuffer(
                string: fields.map { SigV4Encoding.formEncode($0.0) + "=" + SigV4Encoding.formEncode($0.1) }
                    .joined(separator: "&")))
        let remaining = min(requestTimeout, deadline - ContinuousClock.now)
        guard remaining > .milliseconds(10) else {
            throw CredhelperFailure(
                .awsSTSError, "no time was left to call AWS STS at \(endpoint) for profile \"\(profile)\"")
        }
        let status: Int
        let body: String
        do {
            let response = try await client.execute(
                http, timeout: .milliseconds(Int64(remaining / .milliseconds(1))))
            status = Int(response.status.code)
            body = String(buffer: try await response.body.collect(upTo: 1 << 20))
        } catch {
            throw CredhelperFailure(
                .awsSTSError,
                "AWS STS at \(endpoint) could not be reached (\(describe(error))) for profile \"\(profile)\"; "
                    + "check the network, or the profile's \"aws\".\"stsEndpoint\"")
        }
        guard status == 200 else { throw refusal(status: status, body: body, request, profile: profile) }
        guard let credentials = STSResponse.credentials(body) else {
            throw CredhelperFailure(
                .awsSTSError,
                "AWS STS at \(endpoint) answered without usable credentials for role \(request.roleARN); check "
                    + "that \"stsEndpoint\" is an STS endpoint")
        }
        return credentials
    }

    private func refusal(status: Int, body: String, _ request: Request, profile: String) -> CredhelperFailure {
        guard let (code, message) = STSResponse.error(body) else {
            return CredhelperFailure(
                .awsSTSError,
                "AWS STS at \(endpoint) answered HTTP \(status) for role \(request.roleARN); check that "
                    + "\"stsEndpoint\" is an STS endpoint")
        }
        let said =
            "AWS STS refused role \(request.roleARN) (\(code): \(Self.clean(message, hiding: request.webIdentityToken)))"
        if Self.expiredTokenCodes.contains(code) {
            return CredhelperFailure(
                .signInRequired,
                "\(said); the sign-in of profile \"\(profile)\" is no longer accepted: "
                    + CredhelperFailure.loginCommand(profile))
        }
        switch code {
        case "AccessDenied":
            return CredhelperFailure(
                .awsSTSError,
                "\(said); the role's trust policy must allow sts:AssumeRoleWithWebIdentity for this identity "
                    + "provider (its issuer as a Federated principal) and this audience and subject: ask an AWS "
                    + "administrator to check role \(request.roleARN)'s trust policy, or fix \"roleArn\" in profile "
                    + "\"\(profile)\"")
        case "InvalidIdentityToken":
            return CredhelperFailure(
                .awsSTSError,
                "\(said); AWS does not trust this identity provider: an administrator must add its issuer as an "
                    + "IAM OIDC identity provider, with the profile's client id as audience")
        case "ValidationError", "InvalidParameterValue", "MalformedPolicyDocument":
            return CredhelperFailure(
                .configuration,
                "\(said); check \"roleArn\" (arn:aws:iam::ACCOUNT:role/NAME), \"durationSec\" (900 to the role's "
                    + "maximum session duration) and \"sessionNameClaim\" in profile \"\(profile)\"")
        default:
            return CredhelperFailure(.awsSTSError, "\(said); try again later, or check role \(request.roleARN)")
        }
    }

    /// An STS message as one short visible line (``VisibleText``), without the web identity token
    /// should it quote it.
    static func clean(_ message: String, hiding token: Secret) -> String {
        var line = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        let secret = token.reveal()
        if !secret.isEmpty { line = line.replacing(secret, with: "[token]") }
        return VisibleText.of(line, limit: 300)
    }

    private func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout: return "timed out"
            default: break
            }
        }
        return NetworkFailure(error).reason(caOption: caOption)
    }
}
