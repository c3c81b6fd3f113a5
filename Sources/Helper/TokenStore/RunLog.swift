import CredentialHelperProtocol

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

/// The helper's run log: one JSON line per run (when, profile, context, outcome, duration, the
/// helper's own deadline for the context), so that an administrator can see what happened at 9:02
/// when the app kept only "refresh failure". `credhelper status` shows the last runs.
///
/// It lives next to the token files (`runs.log` in the 0700 store directory), is 0600, holds no
/// secret, and is bounded: past ``limit`` bytes it is moved to `runs.log.1` (replacing the older
/// one), so the two never exceed twice the limit. Writing is one `open(O_APPEND)` and one `write`
/// of a line under 512 bytes, so concurrent helpers do not interleave; a failure to write is ignored
/// (the log must never cost a credential).
public struct RunLog: Sendable {
    /// What one run did.
    public struct Entry: Sendable, Hashable, Codable {
        /// When the run ended (ISO 8601, UTC).
        public var at: String
        /// The profile, as selected (link name, `CREDHELPER_PROFILE`, or the default).
        public var profile: String
        /// The context the host gave (`none` when it gave none).
        public var context: String
        /// `cached`, `refreshed`, `signed-in` or `failed`.
        public var outcome: String
        /// For `failed`: the failure's prefix (`refresh rejected by the identity provider`, …).
        public var code: String?
        /// How long the run took, in milliseconds.
        public var durationMs: Int
        /// The helper's deadline for this context, in milliseconds (below the host's timeout).
        public var deadlineMs: Int?

        /// An entry ending now.
        public init(
            profile: String, context: String?, outcome: String, code: String? = nil, durationMs: Int,
            deadlineMs: Int? = nil
        ) {
            at = Self.timestamp(seconds: Int(time(nil)))
            self.profile = profile
            self.context = context ?? "none"
            self.outcome = outcome
            self.code = code
            self.durationMs = durationMs
            self.deadlineMs = deadlineMs
        }
    }

    /// The size past which the log is rotated.
    public static let limit = 64 * 1024

    /// The log file.
    public let path: String

    /// The log of the token store in `directory`.
    public init(directory: String) { path = directory + "/runs.log" }

    /// Appends `entry`; best effort. Creates nothing outside an existing private store directory.
    public func append(_ entry: Entry) {
        let line = entry.jsonLine
        var info = stat()
        if stat(path, &info) == 0, Int(info.st_size) > Self.limit { rename(path, path + ".1") }
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return }
        defer { close(fd) }
        // A log someone else made readable is not written to.
        guard fstat(fd, &info) == 0, info.st_mode & 0o077 == 0, info.st_uid == geteuid() else { return }
        _ = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
    }

    /// The last `count` entries (of `profile` when given), oldest first; lines that do not decode are skipped.
    public func recent(_ count: Int, profile: String? = nil) -> [Entry] {
        var entries: [Entry] = []
        for file in [path + ".1", path] {
            guard let data = FileManager.default.contents(atPath: file) else { continue }
            for line in data.split(separator: 0x0A) {
                guard let entry = try? JSONDecoder().decode(Entry.self, from: Data(line)) else { continue }
                if profile == nil || entry.profile == profile { entries.append(entry) }
            }
        }
        return Array(entries.suffix(count))
    }
}

extension RunLog.Entry {
    /// `seconds` since 1970 as ISO 8601 in UTC, `2026-12-04T16:42:13Z` (what Foundation's
    /// `.iso8601` format style writes), without Foundation's date formatting on the cached path.
    public static func timestamp(seconds: Int) -> String {
        var time = time_t(seconds)
        var parts = tm()
        guard gmtime_r(&time, &parts) != nil, (0...9999).contains(Int(parts.tm_year) + 1900) else {
            return "0000-01-01T00:00:00Z"
        }
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let year = String(parts.tm_year + 1900)
        return String(repeating: "0", count: 4 - year.count) + year
            + "-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T\(two(parts.tm_hour)):"
            + "\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// The entry as one JSON line, as `JSONEncoder` writes it (absent optionals left out), without
    /// Codable: its first use in a process is slow, and every cached run writes a line.
    public var jsonLine: [UInt8] {
        var fields = [
            "\"at\":\(JSONString.quoted(at))", "\"profile\":\(JSONString.quoted(profile))",
            "\"context\":\(JSONString.quoted(context))", "\"outcome\":\(JSONString.quoted(outcome))",
        ]
        if let code { fields.append("\"code\":\(JSONString.quoted(code))") }
        fields.append("\"durationMs\":\(durationMs)")
        if let deadlineMs { fields.append("\"deadlineMs\":\(deadlineMs)") }
        return Array(("{" + fields.joined(separator: ",") + "}\n").utf8)
    }
}
