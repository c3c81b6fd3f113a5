import Synchronization

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

/// Test support shared by the test targets: a private temp directory of real helper scripts for one test. Deleted on deinit.
public final class HelperScripts: Sendable {
    public let directory: String

    /// Makes the folder in `base`, by default `$TMPDIR` (else `/tmp`).
    public init(in base: String? = nil) {
        var template = Array(((base ?? temporaryDirectory()) + "/credhelper-test-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { $0.baseAddress.flatMap { mkdtemp($0) } }
        precondition(made != nil, "mkdtemp failed: \(String(cString: strerror(errno)))")
        directory = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }

    deinit {
        _ = try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes an executable `/bin/sh` script with `body` and returns its absolute path.
    public func script(_ name: String, _ body: String, mode: mode_t = 0o700) -> String {
        let path = directory + "/" + name
        write("#!/bin/sh\n" + body + "\n", to: path, mode: mode)
        return path
    }

    /// Creates the directory `name` inside the folder with exactly `mode` (the umask does not apply)
    /// and returns its path: `0o777` makes one that every user can write, as an attacker would want.
    public func subdirectory(_ name: String, mode: mode_t) -> String {
        let path = path(name)
        mkdir(path, 0o700)
        chmod(path, mode)
        return path
    }

    /// Writes `text` to `path` and sets its mode.
    public func write(_ text: String, to path: String, mode: mode_t) {
        write(text, to: path, exactMode: mode)
    }

    /// A path inside the directory (not created).
    public func path(_ name: String) -> String { directory + "/" + name }

    /// Writes `text` to `path` (mode 0666 less the umask, as `FileManager` would).
    public func write(_ text: String, to path: String) {
        write(text, to: path, exactMode: nil)
    }

    /// Writes `text` to a temporary file opened close-on-exec, sets `exactMode` on it, and renames it
    /// to `path`. Not `FileManager.createFile`: its temporary file is not close-on-exec, so a program
    /// another test starts at that moment by a spawner that does not close every descriptor keeps one
    /// open for writing on the script, and running the script fails with ETXTBSY meanwhile.
    private func write(_ text: String, to path: String, exactMode: mode_t?) {
        let temporary = path + ".writing-\(UInt64.random(in: 0...UInt64.max))"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o666)
        precondition(descriptor >= 0, "cannot create \(temporary): \(String(cString: strerror(errno)))")
        var bytes = Array(text.utf8)[...]
        while !bytes.isEmpty {
            let written = bytes.withUnsafeBytes { systemWrite(descriptor, $0.baseAddress, $0.count) }
            if written < 0 && errno == EINTR { continue }
            precondition(written > 0, "cannot write \(temporary): \(String(cString: strerror(errno)))")
            bytes = bytes.dropFirst(written)
        }
        if let exactMode { fchmod(descriptor, exactMode) }
        close(descriptor)
        precondition(rename(temporary, path) == 0, "cannot rename to \(path): \(String(cString: strerror(errno)))")
    }

    public func read(_ name: String) -> String {
        (try? String(contentsOfFile: path(name), encoding: .utf8)) ?? ""
    }

    /// How many lines a counting helper appended to `name`.
    public func count(_ name: String) -> Int { read(name).split(separator: "\n").count }

    /// A helper that appends a line to `counter` each run and prints `tok-N-CONTEXT` (N = run number),
    /// after sleeping `delay` seconds.
    public func countingHelper(counter: String = "runs", delay: String = "0", exitStatus: Int = 0) -> String {
        script(
            "counting-\(counter).sh",
            """
            sleep \(delay)
            echo run >> '\(path(counter))'
            n=$(wc -l < '\(path(counter))' | tr -d ' ')
            echo "run $n in $CLAUDE_HELPER_CONTEXT" >&2
            [ \(exitStatus) -ne 0 ] && exit \(exitStatus)
            echo "tok-$n-$CLAUDE_HELPER_CONTEXT"
            """)
    }
}

private func temporaryDirectory() -> String {
    let env = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
    return env.hasSuffix("/") ? String(env.dropLast()) : env
}

/// A wall clock the test moves by hand.
public final class ManualClock: Sendable {
    public init() {}
    private let time = Mutex(Date(timeIntervalSince1970: 1_800_000_000))
    public var now: Date { time.withLock { $0 } }
    public func advance(_ seconds: Double) { time.withLock { $0 += seconds } }
}

/// Whether `pid` is gone (or a zombie waiting for init).
public func processIsGone(_ pid: pid_t) -> Bool {
    guard kill(pid, 0) == 0 else { return true }
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    return stat.split(separator: " ").dropFirst(2).first == "Z"
}

/// Polls `condition` for up to `seconds`.
public func eventually(_ seconds: Double = 3, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + .milliseconds(Int(seconds * 1000))
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}

/// write(2), under a name the methods called `write` do not shadow.
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer?, _ count: Int) -> Int {
    #if canImport(Glibc)
        Glibc.write(descriptor, bytes, count)
    #else
        Darwin.write(descriptor, bytes, count)
    #endif
}
