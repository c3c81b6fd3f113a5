import Crypto
import Foundation
import TestSupport
import Testing

@testable import TokenStore

/// The store's own SHA-256 against swift-crypto's.
@Suite("SHA-256 of store keys")
struct SHA256DigestTests {
    @Test("the FIPS 180-4 examples")
    func examples() {
        func hex(_ bytes: [UInt8]) -> String { bytes.map { String(format: "%02x", $0) }.joined() }
        #expect(
            hex(SHA256Digest.hash(Array("abc".utf8)))
                == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(hex(SHA256Digest.hash([])) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            hex(SHA256Digest.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
    }

    @Test("store keys keep their names: a key computed before the change (hashlib) is unchanged")
    func storeKeyNamesUnchanged() {
        let key = TokenStoreKey(issuer: "https://login.example.com", clientID: "cli", scopes: ["openid"], audience: nil)
        #expect(key.digest == "cccdb0cd61f0f9a80f2213256cfc19d7c2e6baec650c92a072ae8100b45dff26")
    }

    @Test("the same digest as swift-crypto for every length 0…1024 and 2,000 seeded inputs")
    func againstSwiftCrypto() {
        var generator = SeededGenerator(seed: 0x5A256)
        var mismatches: [Int] = []
        for length in Array(0...1024) + (0..<2_000).map({ _ in Int.random(in: 0...4096, using: &generator) }) {
            let message = (0..<length).map { _ in UInt8.random(in: 0...255, using: &generator) }
            if SHA256Digest.hash(message) != Array(SHA256.hash(data: message)), mismatches.count < 5 {
                mismatches.append(length)
            }
        }
        #expect(mismatches.isEmpty, "lengths \(mismatches)")
    }
}
