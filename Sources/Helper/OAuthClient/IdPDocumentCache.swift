import CredentialSupport
import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The provider's discovery documents and JWKS kept between helper runs, so that a refresh is one
/// request (the token request) rather than three.
///
/// A document is kept as long as its `Cache-Control: max-age` says, at most ``ceiling``; one served
/// without `max-age` is kept ``defaultLifetime``, and `no-store` or `no-cache` is not kept. The
/// entries steer where tokens are sent, so they live in a private directory (0700, each file 0600,
/// written atomically) — the token store's — and an entry whose file is not private is ignored.
/// Callers drop the entries (``forget(_:)``) when an endpoint found through them fails.
public struct IdPDocumentCache: Sendable, Hashable {
    /// The directory (created 0700 on first write).
    public let directory: String
    /// The longest a document is kept, whatever the provider says. Default 24 hours.
    public var ceiling: Double = 86_400
    /// How long a document served without `max-age` is kept. Default 1 hour.
    public var defaultLifetime: Double = 3600

    /// A cache in `directory`.
    public init(directory: String) {
        self.directory = directory
    }

    struct Entry: Codable {
        var url: String
        var expiresAt: Double
        var body: String
    }

    /// The body cached for `url`, when there is one still fresh at `now`.
    func body(for url: String, now: Double) -> [UInt8]? {
        guard let bytes = try? SecureFile.contents(of: path(for: url), role: "the provider metadata cache"),
            let entry = try? JSONDecoder().decode(Entry.self, from: Data(bytes)),
            entry.url == url, entry.expiresAt > now
        else { return nil }
        return Array(entry.body.utf8)
    }

    /// Keeps `body` for `url` as `cacheControl` allows. Failures to write only cost a later fetch.
    func store(_ body: [UInt8], for url: String, cacheControl: String?, now: Double) {
        guard let lifetime = lifetime(cacheControl: cacheControl), lifetime > 0,
            let text = String(validating: body, as: UTF8.self)
        else { return }
        let entry = Entry(url: url, expiresAt: now + lifetime, body: text)
        guard let data = try? JSONEncoder().encode(entry) else { return }
        try? SecureFile.ensureDirectory(directory)
        try? SecureFile.store(Array(data), at: path(for: url))
    }

    /// Drops what is cached for `urls`.
    public func forget(_ urls: [String]) {
        for url in urls { unlink(path(for: url)) }
    }

    /// How long a response with `cacheControl` may be kept, in seconds; nil: not at all.
    public func lifetime(cacheControl: String?) -> Double? {
        guard let cacheControl else { return defaultLifetime }
        var maxAge: Double?
        for directive in cacheControl.lowercased().split(separator: ",") {
            let parts = directive.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            switch parts[0] {
            case "no-store", "no-cache": return nil
            case "max-age":
                guard parts.count == 2, let seconds = Double(parts[1].trimmingCharacters(in: ["\""])),
                    seconds >= 0
                else { return nil }
                maxAge = seconds
            default: continue
            }
        }
        return min(maxAge ?? defaultLifetime, ceiling)
    }

    private func path(for url: String) -> String {
        let digest = SHA256.hash(data: Data(url.utf8)).map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
        return "\(directory)/\(digest).json"
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif
