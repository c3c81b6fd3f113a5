import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// The `credhelper` binary built next to the test bundle (or `$CREDHELPER_BIN`), run as a user would.
public enum BuiltBinary {
    public struct Result: Sendable {
        public let status: Int32
        public let stdout: String
        public let stderr: String

        public init(status: Int32, stdout: String, stderr: String) {
            self.status = status
            self.stdout = stdout
            self.stderr = stderr
        }
    }

    public static var path: String {
        if let explicit = ProcessInfo.processInfo.environment["CREDHELPER_BIN"] { return explicit }
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        let exe = count > 0 ? String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self) : ""
        var directory = exe[..<(exe.lastIndex(of: "/") ?? exe.startIndex)]
        if directory.hasSuffix(".xctest/Contents/MacOS") {
            directory = directory.dropLast(".xctest/Contents/MacOS".count)
        }
        return String(directory) + "/credhelper"
    }

    /// Runs `credhelper ARGS` with `environment` (nothing inherited but PATH) and returns its status and
    /// output; with `executable`, runs that program instead (a shell running a command line that
    /// names credhelper, as a consumer such as Claude Code does).
    public static func run(
        _ arguments: [String], environment: [String: String] = [:], executable: String? = nil
    ) async throws -> Result {
        #expect(access(path, X_OK) == 0, "credhelper is not built at \(path); run swift build first")
        return try await ProgramRun.run(
            executable ?? path, arguments, environment: ["PATH": "/usr/bin:/bin"].merging(environment) { $1 },
            inheritEnvironment: false)
    }
}
