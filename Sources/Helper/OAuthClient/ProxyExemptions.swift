#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The hosts `NO_PROXY` sends direct, in the forms administrators write (commas between entries):
/// a name, which also covers its subdomains (`example.com`, `.example.com`, `*.example.com`); `*`
/// for every host; an IPv4 or IPv6 address (`10.1.2.3`, `::1`, `[::1]`) or network in CIDR form
/// (`10.0.0.0/8`, `fd00::/8`); any of them with `:port` to cover that port only. A name never
/// covers an address, nor an address a name; an entry that is none of these covers nothing.
public struct ProxyExemptions: Sendable, Hashable {
    private enum Rule: Sendable, Hashable {
        case everything
        case name(String, port: Int?)
        case network(IPAddress, prefix: Int, port: Int?)
    }

    private let rules: [Rule]

    /// The exemptions a `NO_PROXY` value lists.
    public init(_ list: String) {
        rules = list.split(separator: ",").compactMap { Self.rule(String($0)) }
    }

    /// Whether `host` (a name or an address, IPv6 without brackets) at `port` is reached directly.
    public func covers(host: String, port: Int) -> Bool {
        let host = Self.normalized(host)
        let address = IPAddress(host)
        return rules.contains { rule in
            switch rule {
            case .everything: true
            case .name(let name, let only):
                address == nil && (host == name || host.hasSuffix("." + name)) && (only ?? port) == port
            case .network(let network, let prefix, let only):
                address.map { $0.isIn(network, prefix: prefix) } == true && (only ?? port) == port
            }
        }
    }

    private static func rule(_ entry: String) -> Rule? {
        var text = Substring(normalized(entry.trimmingWhitespace()))
        guard !text.isEmpty else { return nil }
        if text == "*" { return .everything }
        var prefix: Int?
        if let slash = text.lastIndex(of: "/") {
            guard let bits = Int(text[text.index(after: slash)...]) else { return nil }
            prefix = bits
            text = text[..<slash]
        }
        var port: Int?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let rest = text[text.index(after: close)...]
            if !rest.isEmpty {
                guard rest.hasPrefix(":"), let number = Int(rest.dropFirst()) else { return nil }
                port = number
            }
            text = text[text.index(after: text.startIndex)..<close]
        } else if IPAddress(String(text)) == nil, let colon = text.lastIndex(of: ":"),
            text.firstIndex(of: ":") == colon
        {
            guard let number = Int(text[text.index(after: colon)...]) else { return nil }
            port = number
            text = text[..<colon]
        }
        if let address = IPAddress(String(text)) {
            let bits = address.bytes.count * 8
            guard (0...bits).contains(prefix ?? bits) else { return nil }
            return .network(address, prefix: prefix ?? bits, port: port)
        }
        guard prefix == nil else { return nil }
        if text.hasPrefix("*.") { text = text.dropFirst(2) } else if text.hasPrefix(".") { text = text.dropFirst() }
        guard !text.isEmpty, !text.contains(":"), !text.contains("*") else { return nil }
        return .name(String(text), port: port)
    }

    /// Lowercased, without the trailing dot of a fully qualified name.
    private static func normalized(_ host: String) -> String {
        let lower = host.lowercased()
        return lower.hasSuffix(".") ? String(lower.dropLast()) : lower
    }
}

/// An IPv4 or IPv6 address, as its bytes in network order.
struct IPAddress: Sendable, Hashable {
    let bytes: [UInt8]

    /// The address `text` spells (dotted quad, or IPv6 without brackets); nil for anything else.
    init?(_ text: String) {
        var v4 = in_addr()
        var v6 = in6_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            bytes = withUnsafeBytes(of: &v4) { Array($0) }
        } else if inet_pton(AF_INET6, text, &v6) == 1 {
            bytes = withUnsafeBytes(of: &v6) { Array($0) }
        } else {
            return nil
        }
    }

    /// Whether the first `prefix` bits equal those of `network` (of the same family).
    func isIn(_ network: IPAddress, prefix: Int) -> Bool {
        guard bytes.count == network.bytes.count else { return false }
        for index in bytes.indices {
            let bits = min(8, max(0, prefix - index * 8))
            let mask: UInt8 = bits == 0 ? 0 : ~UInt8(0) << (8 - bits)
            if bytes[index] & mask != network.bytes[index] & mask { return false }
        }
        return true
    }
}

extension String {
    fileprivate func trimmingWhitespace() -> String {
        String(drop { $0.isWhitespace }.reversed().drop { $0.isWhitespace }.reversed())
    }
}
