import AWSSigning
import CredentialSupport
import HelperFastPath
import TokenStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `credhelper`, the executable hosts start for every credential. When a stored token answers the
/// request it prints it and exits; otherwise it replaces itself (`execv`, same process, arguments and
/// environment) with `credhelper-full`, installed next to it, which refreshes, signs in, reports
/// errors and provides every command. Keeping the HTTP client, event loop and argument parser out
/// of this binary is what makes the cached path start in about a millisecond (docs/benchmarks.md).
@main
struct Credhelper {
    static func main() {
        let started = ContinuousClock.now
        let arguments = CommandLine.arguments
        let environment = ProcessIO.environment()
        if let aws = AWSInvocation.requested(arguments: arguments) {
            if let mode = AWSOutputMode(rawValue: aws.mode),
                let answer = AWSCachedAnswer.answer(
                    profile: aws.profile, mode: mode, environment: environment, now: Double(time(nil))),
                ProcessIO.write(1, answer)
            {
                exit(0)
            }
        } else if HelperInvocation.mayAnswerFromStore(arguments: arguments, environment: environment),
            let answer = CachedAnswer.answer(arguments: arguments, environment: environment),
            ProcessIO.write(1, answer)
        {
            RunLog.recordCached(arguments: arguments, environment: environment, since: started)
            exit(0)
        }
        let full = fullExecutable()
        execv(full, CommandLine.unsafeArgv)
        let reason = String(cString: strerror(errno))
        ProcessIO.write(
            2, Array("credhelper: cannot run \(full): \(reason); install credhelper-full next to credhelper\n".utf8))
        exit(2)
    }

    /// `credhelper-full` in this executable's real directory (links resolved).
    static func fullExecutable() -> String {
        var buffer = [CChar](repeating: 0, count: 4096)
        #if os(Linux)
            let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
            let path = count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        #else
            var size = UInt32(buffer.count)
            let path = _NSGetExecutablePath(&buffer, &size) == 0 ? String(cString: buffer) : ""
        #endif
        let directory = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        return directory + "/credhelper-full"
    }
}
