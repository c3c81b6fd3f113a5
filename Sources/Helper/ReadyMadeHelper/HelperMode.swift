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
/// `credhelper-NAME` link), or an output mode subcommand (`credhelper token`). Prints exactly one
/// answer on stdout, in the ``OutputMode`` asked for, and one line per problem on stderr; exits 0,
/// 1 (no credential) or 2 (configuration error).
public enum HelperMode {
    /// Runs helper mode for a run with no arguments (its executable name may be a link) and returns
    /// the exit status.
    public static func run(arguments: [String], environment: [String: String]) async -> Int32 {
        await run(HelperRequest(executable: arguments[0]), environment: environment)
    }

    /// Runs `request` (a link, or an output mode subcommand such as `credhelper token`) and returns
    /// the exit status. The mode changes only what is printed; the context rules are
    /// ``HelperRequest/context(mode:variable:stdinIsTerminal:)``'s. Each run is recorded in the run
    /// log (``HelperRunRecord``).
    public static func run(_ request: HelperRequest, environment: [String: String]) async -> Int32 {
        let variable = environment[HelperContext.environmentVariable]
        let run = HelperRunRecord(context: variable.flatMap { try? HelperContext.parse($0) })
        let say: @Sendable (String) -> Void = { line in
            run.heard(line)
            ProcessIO.write(2, Array((line + "\n").utf8))
        }
        if let variable, (try? HelperContext.parse(variable)) == nil {
            say("warning: unknown \(HelperContext.environmentVariable) \"\(variable)\"; using the silent path only")
        }
        do {
            let target = try HelperRunTarget.resolve(request, environment: environment)
            let (mode, profile) = (target.mode, target.profile)
            let readyHelper = ReadyHelper(
                catalog: target.catalog,
                store: TokenStore(directory: try ProfileCatalog.storeDirectory(environment: environment)),
                environment: environment, say: say)
            run.begin(profile: profile, store: readyHelper.store)
            let context = request.context(mode: mode, variable: variable, stdinIsTerminal: isatty(0) == 1)
            let answer = try await readyHelper.answer(profile: profile, context: context)
            guard ProcessIO.write(1, mode.render(answer)) else {
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
