import CredentialHelperProtocol
import Foundation
import Testing

@testable import TokenStore

/// The cached path reads token records without Codable; it must read every record the store writes
/// exactly as `JSONDecoder` does, and give up on anything else.
@Suite("Token records read without Codable")
struct StoredTokensJSONTests {
    static var records: [StoredTokens] {
        var full = StoredTokens(
            accessToken: Secret("access-0123456789"), refreshToken: Secret("refresh-0123456789"),
            idToken: Secret("eyJ.id.token"), obtainedAt: 1_764_800_000.5, expiresAt: 1_764_803_600, scope: "openid x",
            subject: "alice", displayName: "Alice Ünïcode")
        full.shortLifetimeWarned = true
        full.refreshRejectedAt = 1_764_800_100
        full.inKeyring = .init(refreshToken: true, idToken: false)
        return [StoredTokens(accessToken: Secret("a"), obtainedAt: 0, expiresAt: nil), full]
    }

    @Test("every record the store writes is read as JSONDecoder reads it")
    func roundTrip() throws {
        for record in Self.records {
            let bytes = try JSONEncoder().encode(record)
            let value = try JSONValue.decode(Array(bytes))
            let same = StoredTokens(storeRecord: value) == record
            let decoderAgrees = try JSONDecoder().decode(StoredTokens.self, from: bytes) == record
            #expect(same && decoderAgrees, "a record was read differently")
        }
        let withNulls = #"{"accessToken": "a-token", "obtainedAt": 5, "expiresAt": null, "other": [1]}"#
        let read = StoredTokens(storeRecord: try JSONValue.decode(Array(withNulls.utf8)))
        let decoded = try JSONDecoder().decode(StoredTokens.self, from: Data(withNulls.utf8))
        let agree = read == decoded
        #expect(agree, "null and unknown keys are read differently")
    }

    @Test("a field of another type is left to JSONDecoder (which refuses it)")
    func otherTypes() throws {
        for text in [
            #"{"accessToken": 5, "obtainedAt": 5}"#, #"{"accessToken": "a", "obtainedAt": "5"}"#,
            #"{"accessToken": "a", "obtainedAt": 5, "expiresAt": "soon"}"#,
            #"{"accessToken": "a", "obtainedAt": 5, "inKeyring": {"refreshToken": true}}"#,
            #"{"accessToken": "a", "obtainedAt": 5, "shortLifetimeWarned": 1}"#, #"{"obtainedAt": 5}"#, "[]",
        ] {
            #expect(StoredTokens(storeRecord: try JSONValue.decode(Array(text.utf8))) == nil, "read: \(text)")
            #expect(throws: (any Error).self) { try JSONDecoder().decode(StoredTokens.self, from: Data(text.utf8)) }
        }
    }
}
