import CredentialHelperCheck
import CredentialHelperHost
import CredentialHelperProtocol

/// Renders a check report for people: a table with one row per context, then the problems grouped
/// by severity, then the helper's last stderr lines (redacted). ANSI colour only when asked.
struct CheckReportPrinter {
    let colour: Bool

    func render(_ report: CheckReport, configuration: HostConfiguration, searchPath: String?) -> String {
        var out = bold("Checking \(report.helper)") + "\n"
        let seconds = { (context: HelperContext) in configuration.timeout(for: context).components.seconds }
        out +=
            "timeout \(seconds(.interactive)) s (mid-session-refresh \(seconds(.midSessionRefresh)) s), auth scheme "
            + "\(configuration.authScheme.rawValue), \(configuration.customHeaders.count) custom header(s)\n"
        out += "helper PATH: \(searchPath ?? "(unset)")\n\n"
        if !report.runs.isEmpty { out += table(report.runs) + "\n" }
        let all = report.allProblems
        for severity in [CheckProblem.Severity.error, .warning] {
            let group = all.filter { $0.problem.severity == severity }
            guard !group.isEmpty else { continue }
            let title = severity == .error ? "Errors (\(group.count))" : "Warnings (\(group.count))"
            out += (severity == .error ? red(title) : yellow(title)) + "\n"
            for (context, problem) in group {
                out += "  \(context.map { "[\($0)] " } ?? "")\(problem.code.rawValue): \(problem.message)\n"
            }
            out += "\n"
        }
        let stderr = report.runs.filter { !$0.stderr.isEmpty }
        if !stderr.isEmpty {
            out += bold("Helper stderr (last lines, redacted)") + "\n"
            for run in stderr { for line in run.stderr { out += "  [\(run.context)] \(line)\n" } }
            out += "\n"
        }
        let errors = all.filter { $0.problem.severity == .error }.count
        let warnings = all.count - errors
        if errors > 0 {
            out +=
                red("FAIL")
                + ": \(errors) error(s), \(warnings) warning(s) — a host would fail; fix the errors before deploying.\n"
        } else {
            out += green("OK") + ": no errors, \(warnings) warning(s).\n"
        }
        return out
    }

    private func table(_ runs: [CheckReport.ContextRun]) -> String {
        let header = ["CONTEXT", "RESULT", "EXIT", "TIME", "BUDGET", "ANSWER", "TOKEN"]
        let rows: [[String]] = runs.map { run in
            let result = !run.ok ? "FAIL" : (run.problems.isEmpty ? "ok" : "warn")
            let exit = run.exitStatus.map(String.init) ?? run.signal.map { "sig \($0)" } ?? "-"
            let answer =
                run.answer.map { $0.format == "json-object" ? "JSON, \($0.helperHeaderCount) header(s)" : "bare token" }
                ?? "-"
            return [
                run.context, result, exit, "\(run.elapsedMs) ms", "\(run.budgetMs / 1000) s", answer,
                run.answer?.token ?? "-",
            ]
        }
        let widths = header.indices.map { column in ([header] + rows).map { $0[column].count }.max() ?? 0 }
        func line(_ cells: [String], styled: Bool) -> String {
            cells.indices.map { column in
                let padded = cells[column].padding(to: widths[column])
                guard styled, column == 1 else { return padded }
                switch cells[column] {
                case "FAIL": return red(padded)
                case "warn": return yellow(padded)
                default: return green(padded)
                }
            }.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        return line(header, styled: false) + rows.map { line($0, styled: true) }.joined()
    }

    private func paint(_ text: String, _ code: String) -> String { colour ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    private func bold(_ text: String) -> String { paint(text, "1") }
    private func red(_ text: String) -> String { paint(text, "31;1") }
    private func yellow(_ text: String) -> String { paint(text, "33") }
    private func green(_ text: String) -> String { paint(text, "32") }
}

extension String {
    fileprivate func padding(to width: Int) -> String { self + String(repeating: " ", count: max(0, width - count)) }
    fileprivate func trimmingTrailingSpaces() -> String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
