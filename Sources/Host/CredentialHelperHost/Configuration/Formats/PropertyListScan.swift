import CredentialHelperProtocol

/// A bounded check of a property list's structure, run before Foundation's reader sees the bytes.
///
/// Foundation's reader follows a binary plist's object references without looking for cycles or
/// counting shared ones, and recurses once per XML element: a 172-byte file that contains itself
/// spins forever, a few hundred bytes of references fanning out expand to billions of values, and
/// XML nested 20,000 deep overflows the stack. This scan walks the same structure with limits on
/// size, depth and values (shared references counted each time they are used), finds cycles, and
/// refuses a key set twice in one dictionary (Foundation would keep the last one silently). Only a
/// list it accepts reaches Foundation. The fuzzer compares its count of values with Foundation's.
public enum PropertyListScan {
    /// The most bytes a property list may have (1 MiB).
    public static let maximumBytes = 1 << 20
    /// The deepest nesting of values (the top value is at depth 1).
    public static let maximumDepth = 32
    /// The most values, dictionary keys included, with a shared value counted each time it is used.
    public static let maximumValues = 10_000

    /// Why a property list was refused: a sentence without the file's name, which the caller adds.
    public struct Refusal: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, e.g. "it nests values 33 deep; the limit is 32".
        public let description: String
    }

    /// Checks `bytes` (binary `bplist00` or XML) and returns how many values it holds, dictionary
    /// keys included, once expanded.
    public static func check(_ bytes: [UInt8]) throws(Refusal) -> Int {
        guard bytes.count <= maximumBytes else {
            throw Refusal(description: "it is \(bytes.count) bytes; the limit for a property list is \(maximumBytes)")
        }
        var budget = Budget()
        if bytes.starts(with: Array("bplist".utf8)) {
            var scan = BinaryPropertyListScan(bytes)
            try scan.check(&budget)
        } else {
            var scan = XMLPropertyListScan(bytes)
            try scan.check(&budget)
        }
        return budget.values
    }

    /// The values counted so far, against the limits.
    struct Budget {
        private(set) var values = 0

        /// Counts one value at `depth`.
        mutating func enter(depth: Int) throws(Refusal) {
            guard depth <= maximumDepth else {
                throw Refusal(description: "it nests values more than \(maximumDepth) deep, the limit")
            }
            values += 1
            guard values <= maximumValues else {
                throw Refusal(
                    description: "it holds more than \(maximumValues) values, the limit (a value used in several "
                        + "places counts each time)")
            }
        }
    }

    /// The refusal for a key found twice in one dictionary.
    static func duplicate(_ key: String) -> Refusal {
        let shown = VisibleText.of(key.count > 80 ? String(key.prefix(80)) + "…" : key)
        return Refusal(
            description: "the key \"\(shown)\" appears twice in one dictionary, so which value applies is not clear; "
                + "keep one")
    }
}
