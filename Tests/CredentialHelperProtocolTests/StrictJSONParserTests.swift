import Foundation
import TestSupport
import Testing

@testable import CredentialHelperProtocol

/// The Codable-free JSON reader of the cached path must never read a document differently from
/// `JSONDecoder`: it either gives the same value or gives up (and `JSONDecoder` decides).
@Suite("Strict JSON reader against JSONDecoder")
struct StrictJSONParserTests {
    static let valid = [
        #"{"profiles": {"corp": {"issuer": "https://idp.example.com", "scopes": ["openid", "inference"], "hostTtlSec": 600}}}"#,
        #"{"accessToken": "eyJ.a.b", "obtainedAt": 1764800000.25, "expiresAt": 1764803600, "inKeyring": {"refreshToken": true, "idToken": false}}"#,
        #"[1, -0, 0.5, -12.5e-3, 1E+2, 12345678901234567890, true, false, null, "", {}, []]"#,
        #""a\"b\\c\/d\b\f\n\r\t\u0041\u00e9\u20AC\ud83d\ude00 é 😀""#, " \t\r\n 42 \n", "\"\\u0000\"",
        #"{"a": {"b": [{"c": [[[]]]}]}, "d": "x"}"#,
    ]
    static let invalid = [
        "", " ", "{", "}", "[1,]", "{\"a\":1,}", "{\"a\" 1}", "{a:1}", "01", "-", "1.", ".5", "1e", "+1", "NaN",
        "Infinity", "1e400", "-1e400", "tru", "nul", "\"abc", "\"a\u{01}b\"", "\"\\x\"", "\"\\u12\"", "\"\\ud800\"",
        "\"\\udc00\"", "\"\\ud800\\u0041\"", "[1 2]", "{\"a\":1 \"b\":2}", "1 2", "{\"a\":1,\"a\":2}", "0e5", "0E5",
        "[0e-1]", "\u{FEFF}{}",
        "[" + String(repeating: "[", count: 600) + String(repeating: "]", count: 601),
    ]

    func foundation(_ bytes: [UInt8]) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    @Test("valid documents are read, and as JSONDecoder reads them")
    func validDocuments() {
        for text in Self.valid {
            let strict = StrictJSONParser.parse(Array(text.utf8))
            #expect(strict != nil, "not read: \(text)")
            #expect(strict == foundation(Array(text.utf8)), "read differently: \(text)")
        }
        #expect(StrictJSONParser.parse(Array(#""\ud83d\ude00""#.utf8)) == .string("😀"))
        #expect(StrictJSONParser.parse(Array("[1.5e2]".utf8)) == .array([.number(150)]))
    }

    @Test("invalid, duplicate-key, too deep or unrepresentable documents are left to JSONDecoder")
    func invalidDocuments() throws {
        for text in Self.invalid {
            #expect(StrictJSONParser.parse(Array(text.utf8)) == nil, "read: \(text.prefix(40))")
        }
        #expect(StrictJSONParser.parse([0x22, 0xC3, 0x28, 0x22]) == nil, "invalid UTF-8 was read")
        // JSONValue.decode still words the error as before.
        #expect(throws: JSONSyntaxError.self) { try JSONValue.decode(Array("{\"a\":}".utf8)) }
    }

    @Test("200,000 seeded mutations: whatever the strict reader reads, JSONDecoder reads the same")
    func mutations() async throws {
        // Seconds of computation: on a thread of its own, not one of the test pool's two.
        let (read, different) = try await OffPool.run { Self.compareMutations() }
        #expect(different == nil, "read differently: \(different ?? "")")
        #expect(read > 10_000, "too few mutations were valid JSON to compare: \(read)")
    }

    /// Mutates the valid documents 200,000 times; returns how many the strict reader read, and the
    /// first one JSONDecoder reads differently.
    static func compareMutations() -> (Int, String?) {
        var generator = SeededGenerator(seed: 0x5EED_0022)
        let alphabet = Array(#"{}[]":,.-+eE0123456789 \tabcdefnrtu"#.utf8) + [0x5C, 0x0A, 0x01, 0xC3, 0xA9, 0xFF]
        var read = 0
        for round in 0..<200_000 {
            var bytes = Array(StrictJSONParserTests.valid[round % StrictJSONParserTests.valid.count].utf8)
            for _ in 0...Int.random(in: 0...3, using: &generator) {
                let position = Int.random(in: 0...bytes.count, using: &generator)
                switch Int.random(in: 0...2, using: &generator) {
                case 0 where position < bytes.count: bytes.remove(at: position)
                case 1: bytes.insert(alphabet.randomElement(using: &generator) ?? 0x20, at: position)
                default:
                    if position < bytes.count { bytes[position] = alphabet.randomElement(using: &generator) ?? 0x20 }
                }
            }
            guard let strict = StrictJSONParser.parse(bytes) else { continue }
            read += 1
            if strict != StrictJSONParserTests().foundation(bytes) {
                return (read, String(decoding: bytes, as: UTF8.self))
            }
        }
        return (read, nil)
    }
}
