/// Which host names stay on this machine: where plain HTTP is acceptable and where servers may
/// listen without exposing a credential (docs/protocol.md §7, docs/security.md).
///
/// Loopback is an IP literal in 127.0.0.0/8, the IPv6 loopback `::1` (in any spelling, and as the
/// IPv4-mapped `::ffff:127.x.y.z`), or the name `localhost`. A name that merely starts with `127.`
/// (`127.evil.example`) is a DNS name like any other and is not loopback.
public enum LoopbackHost {
    /// Whether `host` (a name or address; IPv6 with or without brackets) is loopback.
    public static func contains(_ host: String) -> Bool {
        var host = Substring(host)
        if host.hasPrefix("["), host.hasSuffix("]") { host = host.dropFirst().dropLast() }
        let lower = host.lowercased()
        if lower == "localhost" || lower == "localhost." { return true }
        if let octets = ipv4(Substring(lower)) { return octets[0] == 127 }
        if let groups = ipv6(Substring(lower)) {
            if groups == [0, 0, 0, 0, 0, 0, 0, 1] { return true }
            // ::ffff:127.0.0.1 — an IPv4-mapped loopback address.
            return groups[0..<5].allSatisfy { $0 == 0 } && groups[5] == 0xFFFF && groups[6] >> 8 == 127
        }
        return false
    }

    /// The four octets of a dotted-quad IPv4 literal (`a.b.c.d`, each 0–255 in decimal without a
    /// leading zero), or nil. Shorthand forms that `inet_aton` accepts (`127.1`, `0x7f.1`) are not
    /// literals here: they are refused rather than guessed.
    public static func ipv4(_ text: Substring) -> [UInt8]? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var octets: [UInt8] = []
        for part in parts {
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit),
                part.count == 1 || part.first != "0", let value = UInt8(part)
            else { return nil }
            octets.append(value)
        }
        return octets
    }

    /// The eight 16-bit groups of an IPv6 literal (RFC 4291 §2.2 text forms, including `::` and a
    /// trailing dotted quad; no zone index), or nil.
    public static func ipv6(_ text: Substring) -> [UInt16]? {
        guard text.contains(":"), text.allSatisfy({ $0.isHexDigit || $0 == ":" || $0 == "." }) else { return nil }
        var halves = [text]
        if let gap = text.firstRange(of: "::") {
            halves = [text[..<gap.lowerBound], text[gap.upperBound...]]
            guard halves[1].firstRange(of: "::") == nil else { return nil }
        }
        func groups(_ part: Substring) -> [UInt16]? {
            if part.isEmpty { return [] }
            var result: [UInt16] = []
            let pieces = part.split(separator: ":", omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() {
                if piece.contains(".") {
                    guard index == pieces.count - 1, let octets = ipv4(piece) else { return nil }
                    result += [UInt16(octets[0]) << 8 | UInt16(octets[1]), UInt16(octets[2]) << 8 | UInt16(octets[3])]
                } else {
                    guard (1...4).contains(piece.count), let value = UInt16(piece, radix: 16) else { return nil }
                    result.append(value)
                }
            }
            return result
        }
        guard let head = groups(halves[0]) else { return nil }
        if halves.count == 1 { return head.count == 8 ? head : nil }
        guard let tail = groups(halves[1]), head.count + tail.count <= 7 else { return nil }
        return head + Array(repeating: 0, count: 8 - head.count - tail.count) + tail
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
