/// A deterministic generator of mutated inputs: SplitMix64 seeded by the caller, so any failure is
/// reproduced by its seed and input number.
public struct Mutator: Sendable {
    private var state: UInt64
    private let corpus: [[UInt8]]
    private let dictionary: [[UInt8]]

    /// A mutator over `corpus` (valid and near-valid inputs) with `dictionary` (fragments worth
    /// inserting), seeded with `seed`.
    public init(seed: UInt64, corpus: [String], dictionary: [String]) {
        self.init(seed: seed, seeds: corpus.map { Array($0.utf8) }, dictionary: dictionary)
    }

    /// A mutator over `seeds` given as bytes (binary inputs such as binary property lists).
    public init(seed: UInt64, seeds: [[UInt8]], dictionary: [String]) {
        state = seed
        corpus = seeds
        self.dictionary = (dictionary + Self.common).map { Array($0.utf8) }
    }

    /// Fragments that break parsers in general: JSON punctuation, escapes, control and non-ASCII
    /// bytes, line ends, deep nesting, numbers at the edges.
    static let common = [
        "{", "}", "[", "]", "\"", "\\", ":", ",", "\\u0000", "\\u001b", "\\ud800", "\\\"", "\n", "\r\n", "\r", " ",
        "\t", "\u{1B}", "\u{7F}", "\u{00}", "\u{FEFF}", "é", "null", "true", "false", "0", "-0", "1e309", "1.5",
        "99999999999999999999", String(repeating: "[", count: 600), String(repeating: "{\"a\":", count: 300),
    ]

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    public mutating func below(_ bound: Int) -> Int { bound <= 1 ? 0 : Int(next() % UInt64(bound)) }

    /// The next input: a corpus entry with one to four mutations.
    public mutating func input() -> [UInt8] {
        var bytes = corpus[below(corpus.count)]
        for _ in 0...below(4) { mutate(&bytes) }
        return bytes
    }

    private mutating func mutate(_ bytes: inout [UInt8]) {
        let at = below(bytes.count + 1)
        switch below(7) {
        case 0 where !bytes.isEmpty: bytes[min(at, bytes.count - 1)] ^= UInt8(truncatingIfNeeded: 1 << below(8))
        case 1: bytes.insert(UInt8(truncatingIfNeeded: next()), at: at)
        case 2 where !bytes.isEmpty:
            let end = min(bytes.count, at + 1 + below(8))
            bytes.removeSubrange(min(at, bytes.count - 1)..<end)
        case 3: bytes.insert(contentsOf: dictionary[below(dictionary.count)], at: at)
        case 4 where !bytes.isEmpty:
            let start = below(bytes.count)
            let piece = bytes[start..<min(bytes.count, start + 1 + below(16))]
            bytes.insert(contentsOf: piece, at: at)
        case 5:
            let other = corpus[below(corpus.count)]
            let cut = below(other.count + 1)
            bytes = Array(bytes[..<at]) + Array(other[cut...])
        default:
            if !bytes.isEmpty { bytes[min(at, bytes.count - 1)] = UInt8(truncatingIfNeeded: next()) }
        }
        if bytes.count > 70_000 { bytes.removeLast(bytes.count - 70_000) }
    }
}
