/// Which host names stay on this machine: where plain HTTP is acceptable and where servers may
/// listen without exposing a credential (PROTOCOL.md §7).
public enum LoopbackHost {
    /// Whether `host` (a name or address, IPv6 without brackets) is loopback: `localhost`, `::1`
    /// or 127.0.0.0/8.
    public static func contains(_ host: String) -> Bool {
        host == "localhost" || host == "::1" || host.hasPrefix("127.")
    }
}
