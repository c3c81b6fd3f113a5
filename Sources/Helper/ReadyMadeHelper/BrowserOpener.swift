import ChildProcess

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Opens a URL in the user's browser with the platform opener (`xdg-open` on Linux, `open` on
/// macOS), or `$CREDHELPER_BROWSER` / `$BROWSER` when set to an absolute path. The opener runs
/// directly (no shell) through the child-process layer with the URL as its only argument, bounded by
/// a timeout, in the background, and only when ``TrustedExecutable`` trusts it: the URL is always
/// printed too, so a missing or refused browser only costs a copy and paste.
struct BrowserOpener: Sendable {
    let environment: [String: String]

    var command: String? {
        for variable in ["CREDHELPER_BROWSER", "BROWSER"] {
            if let value = environment[variable], value.hasPrefix("/") { return value }
        }
        #if os(macOS)
            return "/usr/bin/open"
        #else
            for candidate in ["/usr/bin/xdg-open", "/usr/local/bin/xdg-open"] where access(candidate, X_OK) == 0 {
                return candidate
            }
            return nil
        #endif
    }

    /// Starts the opener in the background and returns what becomes of it (for a sign-in that times out).
    @discardableResult
    func open(_ url: String, say: @escaping @Sendable (String) -> Void) -> BrowserLaunch {
        let launch = BrowserLaunch()
        guard let command else {
            launch.state = .noOpener
            say("(no browser opener found; open the address above by hand)")
            return launch
        }
        if let problem = TrustedExecutable.problem(command, role: "the browser opener") {
            say("(cannot start \(command): \(problem); open the address above by hand)")
            launch.state = .failed(command)
            return launch
        }
        let environment = environment.map { "\($0.key)=\($0.value)" }
        Task.detached {
            let runner = ChildProcessRunner(
                outputLimit: 64 * 1024, teardown: .gracefulShutDown(allowing: .seconds(1)))
            do {
                let run = try await runner.run(
                    command, arguments: [url], environment: environment, timeout: .seconds(120))
                if case .exited(let status) = run.outcome, status == 0 {
                    launch.state = .opened(command)
                    return
                }
                launch.state = .failed(command)
                say("(the browser opener \(command) failed; open the address above by hand)")
            } catch {
                launch.state = .failed(command)
                say("(cannot start \(command): \(error); open the address above by hand)")
            }
        }
        return launch
    }
}
