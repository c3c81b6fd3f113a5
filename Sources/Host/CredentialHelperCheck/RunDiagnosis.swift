import CredentialHelperHost
import CredentialHelperProtocol

/// Everything the checker concludes from one run.
struct RunDiagnosis {
    let run: HelperRun
    let configuration: HostConfiguration
    let midSessionBudget: Duration
    /// The `PATH` the helper ran with, named when it exits with 126 or 127.
    let searchPath: String?
    private(set) var problems: [CheckProblem] = []
    private(set) var answer: HelperAnswer?

    init(run: HelperRun, configuration: HostConfiguration, midSessionBudget: Duration, searchPath: String? = nil) {
        self.run = run
        self.configuration = configuration
        self.midSessionBudget = midSessionBudget
        self.searchPath = searchPath
    }

    mutating func add(_ code: CheckProblem.Code, _ severity: CheckProblem.Severity, _ message: String) {
        problems.append(CheckProblem(code, severity, message))
    }

    private var context: HelperContext { run.context }
    private var silent: Bool { !context.allowsUserInteraction }

    mutating func diagnose() {
        diagnoseOutcome()
        diagnoseTime()
        diagnoseInteraction()
        if run.leftBackgroundProcess {
            add(
                .checker(.leftBackgroundProcess), .warning,
                "the helper exited but a process it started still holds its stdout or stderr open; the host "
                    + "stops reading after a short drain, but every run pays for it — redirect the background "
                    + "process's output (e.g. `agent >/dev/null 2>&1 &`) or start it with setsid")
        }
    }

    private mutating func diagnoseOutcome() {
        let tail =
            run.lastStderrLine().map { " Its last stderr line: \"\($0)\"." }
            ?? " It printed nothing on stderr; print the reason there."
        switch run.outcome {
        case .timedOut, .cancelled:
            add(
                .run(.timedOut), .error,
                "the helper did not finish within \(Self.seconds(run.timeout)) in context \(context) and was "
                    + "stopped (SIGTERM, then SIGKILL).\(tail) Make the silent path fast, and exit non-zero "
                    + "instead of waiting.")
        case .outputTooLarge(let stream):
            add(
                .output(.outputTooLarge), .error,
                "the helper wrote more than \(HelperRunner.defaultOutputLimit / 1024) KiB to \(stream.rawValue); "
                    + "a host stops it and fails. Print one token on stdout and keep stderr short.")
        case .statusLost:
            add(
                .run(.nonZeroExit), .error,
                "the helper's exit status was lost (the checker's process ignores SIGCHLD or something reaps "
                    + "every child), so its success cannot be confirmed.\(tail)")
        case .signaled(let signal):
            add(
                .run(.nonZeroExit), .error,
                "the helper was killed by signal \(signal) in context \(context).\(tail)")
        case .exited(let status) where HelperError.isCommandNotRunnable(status):
            add(
                .checker(.commandNotFound), .error,
                "the helper exited with status \(status) in context \(context): "
                    + HelperError.commandNotRunnableSentence(status: status, searchPath: searchPath) + ".\(tail)")
        case .exited(let status) where status != 0:
            add(
                .run(.nonZeroExit), .error,
                "the helper exited with status \(status) in context \(context); a host reports this as a refresh "
                    + "failure.\(tail)")
        case .exited:
            diagnoseOutput()
        }
        if run.readStdin {
            let after = run.stdout.isEmpty ? " and printed nothing after reading" : ""
            add(
                .checker(.readsStdin), .error,
                "the helper read from stdin\(after); a host gives it an empty stdin (EOF), so a prompt there "
                    + "never gets an answer — take input from the environment or a file, and exit non-zero "
                    + "when you need a user outside the interactive context")
        }
    }

    private mutating func diagnoseOutput() {
        do {
            let answer = try HelperOutputParser().parse(run.stdout)
            self.answer = answer
            for key in answer.unknownKeys {
                add(
                    .checker(.unknownJSONKey), .warning,
                    "the JSON answer has an unknown key \"\(key)\"; hosts ignore it — only \"token\" and "
                        + "\"headers\" are read")
            }
            let credentialHeader = configuration.authScheme.headerName
            if answer.headers[credentialHeader] != nil || configuration.customHeaders[credentialHeader] != nil {
                let origin = answer.headers[credentialHeader] != nil ? "the helper's headers" : "inferenceCustomHeaders"
                add(
                    .checker(.credentialHeaderCollision), .warning,
                    "\(origin) set \"\(credentialHeader)\", the credential header of the \(configuration.authScheme.rawValue) "
                        + "scheme; a host ignores it and sends the token there — remove it, or change "
                        + "inferenceGatewayAuthScheme")
            }
        } catch {
            var message = error.message
            if !error.lines.isEmpty {
                message += ". The lines (redacted): " + error.lines.map { "\"\($0)\"" }.joined(separator: ", ")
            }
            add(.output(error.code), .error, message)
        }
    }

    private mutating func diagnoseTime() {
        guard case .exited = run.outcome else { return }
        if silent && run.elapsed > midSessionBudget {
            add(
                .checker(.slowForContext), .error,
                "the helper took \(Self.seconds(run.elapsed)) in context \(context); a mid-session refresh, which "
                    + "takes the same silent path, is stopped after \(Self.seconds(midSessionBudget)) — cache the "
                    + "token or refresh it faster")
        } else if run.elapsed * 2 > run.timeout {
            add(
                .checker(.slowForContext), .warning,
                "the helper took \(Self.seconds(run.elapsed)), over half of its \(Self.seconds(run.timeout)) budget "
                    + "in context \(context); a slower network will make it time out")
        }
    }

    private mutating func diagnoseInteraction() {
        guard silent else { return }
        if case .timedOut = run.outcome {
            add(
                .checker(.interactiveInSilentContext), .error,
                "the helper ran out of time in the non-interactive context \(context): if it waits for a user "
                    + "(browser, prompt, device code), it must instead exit non-zero with a message on stderr")
            return
        }
        let lower = String(decoding: run.stderr, as: UTF8.self).lowercased()
        let signs = [
            "/dev/tty", "no such device or address", "xdg-open", "open a browser", "opening browser",
            "enter the code", "user code", "press enter",
        ]
        if let sign = signs.first(where: { lower.contains($0) }) {
            add(
                .checker(.interactiveInSilentContext), .error,
                "the helper tried to reach a user in the non-interactive context \(context) (its stderr mentions "
                    + "\"\(sign)\"); outside interactive, use only the silent path and exit non-zero when it is "
                    + "exhausted")
        }
    }

    func report(showSecrets: Bool) -> CheckReport.ContextRun {
        let exitStatus: Int32?
        let signal: Int32?
        switch run.outcome {
        case .exited(let status): (exitStatus, signal) = (status, nil)
        case .signaled(let number): (exitStatus, signal) = (nil, number)
        case .timedOut, .cancelled: (exitStatus, signal) = (nil, SIGTERM_NUMBER)
        case .statusLost: (exitStatus, signal) = (nil, nil)
        case .outputTooLarge: (exitStatus, signal) = (nil, SIGKILL_NUMBER)
        }
        let shown = answer.map { answer -> CheckReport.Answer in
            let request = Credential(
                answer: answer, obtainedAt: .distantPast, expiresAt: .distantPast, context: context
            ).requestHeaders(for: configuration)
            var headers: [String: String] = [:]
            for field in request.headers {
                headers[field.name] = showSecrets ? field.value : configuration.authScheme.displayValue(of: field)
            }
            return CheckReport.Answer(
                format: answer.format == .jsonObject ? "json-object" : "bare-token",
                token: showSecrets ? answer.token.reveal() : answer.token.redacted,
                headers: headers, helperHeaderCount: answer.headers.count)
        }
        return CheckReport.ContextRun(
            context: context.rawValue, ok: !problems.contains { $0.severity == .error },
            exitStatus: exitStatus, signal: signal, elapsedMs: Self.milliseconds(run.elapsed),
            budgetMs: Self.milliseconds(run.timeout), answer: shown,
            stderr: Array(
                run.stderrLines(redactor: TextRedactor(knownSecrets: answer.map { [$0.token] } ?? [])).suffix(5)),
            problems: problems)
    }

    static func milliseconds(_ duration: Duration) -> Int { Int(duration.wholeMilliseconds) }

    static func seconds(_ duration: Duration) -> String {
        let ms = milliseconds(duration)
        return ms < 10_000 ? "\(Double(ms / 100) / 10) s" : "\(ms / 1000) s"
    }
}

private let SIGTERM_NUMBER: Int32 = 15
private let SIGKILL_NUMBER: Int32 = 9
