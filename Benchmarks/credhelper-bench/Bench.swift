import CredentialHelperHost
import CredentialHelperProtocol
import Subprocess
import Synchronization
import SystemPackage

// credhelper-bench: the Swift half of Benchmarks/run.sh. Each mode prints plain numbers the script
// turns into ratios against baselines measured in the same run.
//
//   credhelper-bench runner N HELPER   mean ns per HelperRunner round trip (run + parse)
//   credhelper-bench cache N           mean ns per warm credential() and per Mutex-guarded dictionary read
//   credhelper-bench soak N HELPER     open descriptors, zombies and RSS before and after N runs
#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

@main
struct Bench {
    static func main() async throws {
        let arguments = CommandLine.arguments
        guard arguments.count >= 3, let count = Int(arguments[2]) else {
            print("usage: credhelper-bench runner|cache|soak N [HELPER]")
            exit(2)
        }
        switch arguments[1] {
        case "runner": try await runner(count, helper: arguments[3])
        case "cache": try await cache(count, helper: arguments[3])
        case "plain": try await plain(count, helper: arguments[3])
        case "soak": try await soak(count, helper: arguments[3])
        default: print("unknown mode \(arguments[1])"); exit(2)
        }
    }

    static func nanoseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
    }

    static func runner(_ count: Int, helper: String) async throws {
        let runner = HelperRunner()
        for _ in 0..<min(20, count) {
            _ = try await runner.run(helper, context: .interactive, timeout: .seconds(10)).answer()
        }
        let start = ContinuousClock.now
        for _ in 0..<count {
            let answer = try await runner.run(helper, context: .interactive, timeout: .seconds(10)).answer()
            precondition(answer.token.reveal() == "tok-0123456789abcdef")
        }
        print(Int(nanoseconds(ContinuousClock.now - start) / Double(count)))
    }

    static func plain(_ count: Int, helper: String) async throws {
        let start = ContinuousClock.now
        for _ in 0..<count {
            _ = try await Subprocess.run(.path(FilePath(helper)), output: .string(limit: 65536), error: .discarded)
        }
        print(Int(nanoseconds(ContinuousClock.now - start) / Double(count)))
    }

    static func cache(_ count: Int, helper: String) async throws {
        let provider = CredentialProvider(configuration: HostConfiguration(helperPath: helper))
        let warm = try await provider.startSession()
        let dictionary = Mutex<[String: Credential]>([helper: warm])
        var sink = 0
        let start = ContinuousClock.now
        for _ in 0..<count { sink &+= try await provider.credential().answer.headers.count }
        let providerTime = ContinuousClock.now - start
        let baselineStart = ContinuousClock.now
        for _ in 0..<count { sink &+= dictionary.withLock { $0[helper] }?.answer.headers.count ?? 0 }
        let baselineTime = ContinuousClock.now - baselineStart
        let providerNanoseconds = nanoseconds(providerTime) / Double(count)
        let baselineNanoseconds = nanoseconds(baselineTime) / Double(count)
        print("\(providerNanoseconds) \(baselineNanoseconds) \(sink)")
    }

    static func soak(_ count: Int, helper: String) async throws {
        let runner = HelperRunner()
        _ = try await runner.run(helper, context: .background, timeout: .seconds(10))
        let before = (descriptors: openDescriptors(), rss: residentKiB())
        for _ in 0..<count { _ = try await runner.run(helper, context: .background, timeout: .seconds(10)).answer() }
        print(
            "runs=\(count) fds_before=\(before.descriptors) fds_after=\(openDescriptors()) zombies=\(zombies()) "
                + "rss_before_kib=\(before.rss) rss_after_kib=\(residentKiB()) rss_peak_kib=\(status("VmHWM"))")
    }

    static func openDescriptors() -> Int {
        (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count) ?? -1
    }

    static func residentKiB() -> Int { status("VmRSS") }

    static func status(_ field: String) -> Int {
        let text = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
        let line = text.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    /// Children of this process that exited and were not reaped.
    static func zombies() -> Int {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int32(entry) != nil,
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return false }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && fields[0] == "Z" && Int32(fields[1]) == me
        }.count
    }
}
