import Subprocess
import SystemPackage

/// Another program a test runs to its end (python, a shell, a system tool, or credhelper through
/// ``BuiltBinary``): its arguments never pass through a shell; it gets this process's environment
/// with `environment` on top, or only `environment`; stdin is `input`, then end of file (without
/// `input`, `/dev/null`); stdout and
/// stderr are read in full (up to 16 MiB each). It is awaited without holding a thread of the
/// cooperative pool.
public enum ProgramRun {
    public static func run(
        _ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
        inheritEnvironment: Bool = true, input: String? = nil, workingDirectory: String? = nil
    ) async throws -> BuiltBinary.Result {
        var keyed: [Environment.Key: String] = [:]
        for (name, value) in environment {
            if let key = Environment.Key(rawValue: name) { keyed[key] = value }
        }
        let environment: Environment = inheritEnvironment ? .inherit.updating(keyed) : .custom(keyed)
        let directory = workingDirectory.map { FilePath($0) }
        return if let input {
            try await run(executable, arguments, environment, directory, input: .array(Array(input.utf8)))
        } else {
            try await run(executable, arguments, environment, directory, input: .none)
        }
    }

    private static func run(
        _ executable: String, _ arguments: [String], _ environment: Environment, _ directory: FilePath?,
        input: some InputProtocol
    ) async throws -> BuiltBinary.Result {
        let result = try await Subprocess.run(
            .path(FilePath(executable)), arguments: Arguments(arguments), environment: environment,
            workingDirectory: directory, input: input, output: .string(limit: 16 << 20),
            error: .string(limit: 16 << 20))
        let status: Int32
        switch result.terminationStatus {
        case .exited(let code): status = code
        case .signaled(let signal): status = 128 + signal
        }
        return BuiltBinary.Result(
            status: status, stdout: result.standardOutput ?? "", stderr: result.standardError ?? "")
    }
}
