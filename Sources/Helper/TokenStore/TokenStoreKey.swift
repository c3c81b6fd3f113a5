/// The name of a profile's file in the store: a SHA-256 of everything that affects which token the
/// provider issues, so that changing the issuer, client, scopes or audience never reuses a token
/// obtained for something else.
public struct TokenStoreKey: Sendable, Hashable, CustomStringConvertible {
    /// The lowercase hex digest.
    public let digest: String

    /// The key for an OAuth profile. Scopes are sorted and de-duplicated first: their order does
    /// not change what is granted.
    public init(issuer: String, clientID: String, scopes: [String], audience: String?) {
        self.init(parts: ["oauth", issuer, clientID, Set(scopes).sorted().joined(separator: " "), audience ?? ""])
    }

    /// A key for any other source of tokens, from the parts that identify it (a command line, a path).
    public init(parts: [String]) {
        var message: [UInt8] = []
        for part in parts {
            // Length-prefixed, so that ("ab", "c") and ("a", "bc") differ.
            message += Array("\(part.utf8.count):".utf8) + Array(part.utf8)
        }
        let digits = Array("0123456789abcdef".utf8)
        var hex: [UInt8] = []
        for byte in SHA256Digest.hash(message) { hex += [digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]] }
        digest = String(decoding: hex, as: UTF8.self)
    }

    public var description: String { digest }
}

extension TokenStoreKey {
    /// The key of an existing store file, from its name (the hex digest).
    public init(digestOf digest: String) { self.digest = digest }
}
