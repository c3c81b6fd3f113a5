import CredentialHelperProtocol
import CredentialSupport
import HelperFastPath
import TokenStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `credhelper` run by a host: no arguments, `CLAUDE_HELPER_CONTEXT` set (or run as a
/// `credhelper-NAME` link). Prints exactly one answer on stdout and one line per problem on stderr;
/// exits 0, 1 (no credential) or 2 (configuration error).
public enum HelperMode {
    /// Runs helper mode and returns the exit status.
    public static func run(arguments: [String], environment: [String: String]) async -> Int32 {
        let run = HelperRunRecord(
            context: environment[HelperContext.environmentVariable].flatMap { try? HelperContext.parse($0) })
        let say: @Sendable (String) -> Void = { line in
            run.heard(line)
            ProcessIO.write(2, Array((line + "\n").utf8))
        }
        var context: HelperContext?
        if let value = environment[HelperContext.environmentVariable] {
            do { context = try HelperContext.parse(value) } catch {
                say("warning: unknown \(HelperContext.environmentVariable) \"\(value)\"; using the silent path only")
            }
        }
        do {
            let catalog = try ProfileCatalog.locate(environment: environment)
            let profile = try catalog.select(
                ProfileCatalog.profileName(fromExecutable: arguments[0]), environment: environment)
            let agent = ReadyHelper(
                catalog: catalog,
                store: TokenStore(directory: try ProfileCatalog.storeDirectory(environment: environment)),
                environment: environment, say: say)
            run.begin(profile: profile, store: agent.store)
            let answer = try await agent.answer(profile: profile, context: context)
            guard ProcessIO.write(1, answer.encoded()) else {
                say("cannot write the answer to stdout: \(String(cString: strerror(errno)))")
                return 1
            }
            run.finish(failure: nil)
            return 0
        } catch {
            run.finish(failure: error)
            say(error.description)
            return error.exitStatus
        }
    }
}
