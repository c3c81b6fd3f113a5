import CredentialHelperProtocol
import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `PATH` of the user's login shell, as the desktop app adds it to a helper's `PATH`
/// (docs/protocol.md §3.1).
///
/// The shell is the one the password database names for this user, started as a login shell
/// (`-l -c`) with no terminal, stdin on `/dev/null`, in its own process group, through the same
/// runner as a helper (no `/bin/sh` in between). It prints `PATH` between two markers made fresh for
/// each probe, so banners, a `PATH`-shaped line or anything else a profile prints around it are
/// ignored. The probe has a time limit (``defaultTimeout``); a shell that hangs or fails (such as
/// `nologin`) gives no entries, never an error. It runs once per process for a shell and home
/// (``entries(shell:environment:timeout:)``).
public enum LoginShellPath {
    /// The default time limit of the probe: a profile that hangs costs at most this (plus the
    /// runner's termination grace).
    public static let defaultTimeout = Duration.seconds(3)
    /// The most entries kept from the login shell's `PATH`.
    public static let maximumEntries = 256
    /// The longest entry kept, in bytes.
    public static let maximumEntryBytes = 4096

    /// The login shell of the current user in the password database, or nil when it has none.
    public static func passwordDatabaseShell() -> String? {
        var entry = passwd()
        var result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwuid_r(geteuid(), &entry, &buffer, buffer.count, &result) == 0, result != nil,
            let shell = entry.pw_shell
        else { return nil }
        let path = String(cString: shell)
        return path.hasPrefix("/") ? path : nil
    }

    /// The login shell's `PATH` entries, probed once per process for each shell and `HOME`; later
    /// calls return the first answer. `shell` defaults to ``passwordDatabaseShell()``.
    public static func entries(
        shell: String? = nil, environment: [String: String], timeout: Duration = defaultTimeout
    ) async -> [String] {
        guard let shell = shell ?? passwordDatabaseShell() else { return [] }
        let key = shell + "\u{0}" + (environment["HOME"] ?? "")
        let task = probes.withLock { probes in
            if let running = probes[key] { return running }
            let started = Task { await probe(shell: shell, environment: environment, timeout: timeout) }
            probes[key] = started
            return started
        }
        return await task.value
    }

    /// Probes already started in this process, by shell and `HOME`.
    private static let probes = Mutex<[String: Task<[String], Never>]>([:])

    /// Runs `shell` as a login shell once and reads its `PATH`; no entries when it fails, hangs or
    /// prints no markers.
    static func probe(shell: String, environment: [String: String], timeout: Duration) async -> [String] {
        let marker = freshMarker()
        let script = "printf '%s' '\(marker)<'\"$PATH\"'>\(marker)'"
        let runner = HelperRunner(
            outputLimit: 64 * 1024, terminationGrace: .milliseconds(200), environment: environment)
        guard
            let run = try? await runner.run(
                shell, arguments: ["-l", "-c", script], context: .background, timeout: timeout)
        else { return [] }
        return parse(run.stdout, marker: marker) ?? []
    }

    /// The entries printed between `marker<` and `>marker` in `output` (the last such pair), or nil
    /// when there is none. Only absolute entries without control characters are kept, at most
    /// ``maximumEntries`` of at most ``maximumEntryBytes`` each.
    public static func parse(_ output: [UInt8], marker: String) -> [String]? {
        let open = Array((marker + "<").utf8)
        let close = Array((">" + marker).utf8)
        guard let start = lastRange(of: open, in: output[...]) else { return nil }
        let rest = output[start.upperBound...]
        guard let end = firstRange(of: close, in: rest) else { return nil }
        guard let text = String(validating: output[start.upperBound..<end.lowerBound], as: UTF8.self) else {
            return nil
        }
        var entries: [String] = []
        for entry in text.split(separator: ":", omittingEmptySubsequences: true) {
            guard entries.count < maximumEntries else { break }
            guard entry.hasPrefix("/"), entry.utf8.count <= maximumEntryBytes,
                VisibleText.isVisible(entry)
            else { continue }
            entries.append(String(entry))
        }
        return entries
    }

    /// A marker no profile can predict: `credhelper-path-` and 16 random hex digits.
    private static func freshMarker() -> String {
        var generator = SystemRandomNumberGenerator()
        let digits = Array("0123456789abcdef")
        return "credhelper-path-" + String((0..<16).map { _ in digits[Int(generator.next() % 16)] })
    }

    private static func firstRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = haystack.startIndex
        while index + needle.count <= haystack.endIndex {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index..<(index + needle.count)
            }
            index += 1
        }
        return nil
    }

    private static func lastRange(of needle: [UInt8], in haystack: ArraySlice<UInt8>) -> Range<Int>? {
        guard !needle.isEmpty, haystack.count >= needle.count else { return nil }
        var index = haystack.endIndex - needle.count
        while index >= haystack.startIndex {
            if haystack[index] == needle[0], haystack[index..<(index + needle.count)].elementsEqual(needle) {
                return index..<(index + needle.count)
            }
            index -= 1
        }
        return nil
    }
}
