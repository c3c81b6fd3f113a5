import Fuzzing
import TestSupport
import Testing

/// The property-list scan is a hand-written reader of untrusted bytes: every valid seed, cut at every
/// byte, each half on its own, and with each byte flipped, must be read without a crash, and whatever
/// the scan accepts must hold as many values as Foundation's own parser reads there.
@Suite("Property-list scan: truncated, split and corrupted at every byte, against Foundation")
struct PropertyListScanTests {
    @Test("every proper prefix of a valid plist is refused as a malformed file")
    func prefixes() throws {
        for seed in FuzzTarget.propertyList.seeds {
            for length in 0..<seed.count {
                let code = try FuzzTarget.propertyList.run(Array(seed[..<length]))
                #expect(code == "malformed-file", "a \(length)-byte prefix of a \(seed.count)-byte seed was accepted")
            }
            #expect(try FuzzTarget.propertyList.run(seed) == nil, "a seed is no longer accepted")
        }
    }

    @Test("every suffix, and every one-byte corruption, is read without a crash and agrees with Foundation")
    func suffixesAndCorruptions() async throws {
        // Seconds of computation: on a thread of its own, not one of the test pool's two.
        try await OffPool.run {
            for seed in FuzzTarget.propertyList.seeds {
                for start in 1..<seed.count { _ = try FuzzTarget.propertyList.run(Array(seed[start...])) }
                for index in seed.indices {
                    for flip: UInt8 in [0x01, 0x80, 0xFF] {
                        var corrupted = seed
                        corrupted[index] ^= flip
                        _ = try FuzzTarget.propertyList.run(corrupted)
                    }
                }
            }
        }
    }
}
