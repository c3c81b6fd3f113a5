import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Proof Key for Code Exchange (RFC 7636) with the S256 method.
public struct PKCE: Sendable, Hashable {
    /// The secret the client keeps and sends with the code exchange.
    public let verifier: String
    /// `BASE64URL(SHA256(verifier))`, sent with the authorization request.
    public var challenge: String { Self.base64URL(Array(SHA256.hash(data: Array(verifier.utf8)))) }
    /// Always `S256`.
    public let method = "S256"

    /// A pair with the given verifier (43–128 unreserved characters).
    public init(verifier: String) { self.verifier = verifier }

    /// A fresh pair: 32 random bytes, base64url-encoded (43 characters).
    public static func generate() -> PKCE { PKCE(verifier: randomToken()) }

    /// `bytes` random bytes from the system's secure generator, base64url-encoded without padding:
    /// used for the verifier, `state` and `nonce`.
    public static func randomToken(bytes: Int = 32) -> String {
        var generator = SystemRandomNumberGenerator()
        return base64URL((0..<bytes).map { _ in UInt8.random(in: 0...255, using: &generator) })
    }

    static func base64URL(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }
}
