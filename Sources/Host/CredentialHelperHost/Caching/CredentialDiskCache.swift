import CredentialHelperProtocol
import CredentialSupport
import Crypto

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An on-disk cache of helper answers, so a CLI host honours the TTL across invocations.
///
/// One 0600 file per configuration in a 0700 directory, written atomically. The file name is a
/// SHA-256 of everything that changes the answer: the helper path, the helper file's identity
/// (device, inode, size, modification time — replacing the helper invalidates the cache), the TTL,
/// and the user.
public struct CredentialDiskCache: Sendable {
    /// The directory holding the cache files.
    public let directory: String

    /// A cache in `directory`.
    public init(directory: String) { self.directory = directory }

    /// The default directory: `$CREDHELPER_CACHE_DIR`, else `$XDG_CACHE_HOME/credhelper/host`,
    /// else `~/.cache/credhelper/host` (`~/Library/Caches/credhelper/host` on macOS).
    public static func defaultDirectory(environment: [String: String]) -> String? {
        if let explicit = environment["CREDHELPER_CACHE_DIR"], !explicit.isEmpty { return explicit }
        if let xdg = environment["XDG_CACHE_HOME"], xdg.hasPrefix("/") { return xdg + "/credhelper/host" }
        guard let home = HomeDirectory.path(environment: environment) else { return nil }
        #if os(macOS)
            return home + "/Library/Caches/credhelper/host"
        #else
            return home + "/.cache/credhelper/host"
        #endif
    }

    /// The file that caches answers for `configuration`.
    public func path(for configuration: HostConfiguration) -> String {
        var info = stat()
        let found = stat(configuration.helperPath, &info) == 0
        #if canImport(Darwin)
            let modified = info.st_mtimespec
        #else
            let modified = info.st_mtim
        #endif
        let identity =
            found
            ? "\(info.st_dev):\(info.st_ino):\(info.st_size):\(modified.tv_sec).\(modified.tv_nsec)" : "missing"
        let key = ["v1", configuration.helperPath, identity, String(configuration.ttlSeconds), String(geteuid())]
            .joined(separator: "\u{0}")
        let digest = SHA256.hash(data: Array(key.utf8)).map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        return directory + "/" + digest + ".json"
    }

    /// The cached credential for `configuration`, or nil when there is none.
    /// Expired entries are returned too: the caller decides by `expiresAt`.
    public func load(for configuration: HostConfiguration) throws(SecureFile.Failure) -> Credential? {
        let path = path(for: configuration)
        guard let bytes = try SecureFile.contents(of: path, role: "the host cache file") else { return nil }
        guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(bytes)), entry.version == 1 else {
            throw SecureFile.Failure(description: "cache file \(path) is corrupt; it is ignored and will be replaced")
        }
        let answer = HelperAnswer(
            token: Secret(entry.token),
            headers: HeaderList(entry.headers.map { HeaderField(name: $0.name, value: $0.value) }),
            format: entry.json ? .jsonObject : .bareToken)
        return Credential(
            answer: answer, obtainedAt: Date(timeIntervalSince1970: entry.obtainedAt),
            expiresAt: Date(timeIntervalSince1970: entry.expiresAt),
            context: HelperContext(rawValue: entry.context) ?? .interactive)
    }

    /// Stores `credential` for `configuration`.
    public func store(_ credential: Credential, for configuration: HostConfiguration) throws(SecureFile.Failure) {
        try SecureFile.ensureDirectory(directory)
        let entry = Entry(
            version: 1, helper: configuration.helperPath, context: credential.context.rawValue,
            obtainedAt: credential.obtainedAt.timeIntervalSince1970,
            expiresAt: credential.expiresAt.timeIntervalSince1970,
            json: credential.answer.format == .jsonObject, token: credential.token.reveal(),
            headers: credential.answer.headers.map { Entry.Header(name: $0.name, value: $0.value) })
        guard let data = try? JSONEncoder().encode(entry) else {
            throw SecureFile.Failure(description: "cannot encode the cache entry")
        }
        try SecureFile.store(Array(data), at: path(for: configuration))
    }

    /// Removes the cached answer for `configuration`, if any.
    public func remove(for configuration: HostConfiguration) {
        unlink(path(for: configuration))
    }

    /// Removes every cached answer whose token is `token`, whatever helper gave it (for example when
    /// the profile that issued it signed out); returns how many were removed. Unreadable entries are
    /// left alone.
    @discardableResult
    public func removeEntries(holding token: Secret) -> Int {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: directory) else { return 0 }
        var removed = 0
        for name in names where name.hasSuffix(".json") {
            let path = directory + "/" + name
            guard let bytes = try? SecureFile.contents(of: path, role: "the host cache file"),
                let entry = try? JSONDecoder().decode(Entry.self, from: Data(bytes)), Secret(entry.token) == token
            else { continue }
            if unlink(path) == 0 { removed += 1 }
        }
        return removed
    }

    private struct Entry: Codable {
        struct Header: Codable {
            let name: String
            let value: String
        }
        let version: Int
        let helper: String
        let context: String
        let obtainedAt: Double
        let expiresAt: Double
        let json: Bool
        let token: String
        let headers: [Header]
    }
}
