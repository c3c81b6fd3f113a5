import CredentialHelperProtocol

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Whether a `--listen` host keeps the proxy on this machine: an IP literal in 127.0.0.0/8 or `::1`,
/// `localhost`, or a name every one of whose addresses is loopback (resolved here). A name that does
/// not resolve, or resolves to any other address, is not loopback (docs/security.md).
enum ListenHost {
    static func isLoopback(_ host: String) -> Bool {
        if LoopbackHost.contains(host) { return true }
        if LoopbackHost.ipv4(Substring(host)) != nil || LoopbackHost.ipv6(Substring(host)) != nil { return false }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var list: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, nil, &hints, &list) == 0, let first = list else { return false }
        defer { freeaddrinfo(list) }
        var entry: UnsafeMutablePointer<addrinfo>? = first
        var found = false
        while let current = entry {
            guard let text = numericHost(current.pointee), LoopbackHost.contains(text) else { return false }
            found = true
            entry = current.pointee.ai_next
        }
        return found
    }

    private static func numericHost(_ info: addrinfo) -> String? {
        var buffer = [CChar](repeating: 0, count: Int(NI_MAXHOST))
        guard let address = info.ai_addr,
            getnameinfo(address, info.ai_addrlen, &buffer, socklen_t(buffer.count), nil, 0, NI_NUMERICHOST) == 0
        else { return nil }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
