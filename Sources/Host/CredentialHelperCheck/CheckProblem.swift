import CredentialHelperHost
import CredentialHelperProtocol

/// One thing wrong with a helper, as the checker reports it.
public struct CheckProblem: Sendable, Hashable, Codable {
    /// How bad it is: an error makes a host fail; a warning works today but costs or risks something.
    public enum Severity: String, Sendable, Hashable, Codable {
        case error, warning
    }

    /// The stable problem codes, one list for each source: the output parser's own codes
    /// (`HelperOutputError.Code`, shared with hosts), the host runtime's codes for a helper that could
    /// not run or failed (`HelperError.Code`, the subset in ``Code/runCodes``), and the codes only the
    /// checker reports (``CheckerCode``). ``rawValue`` appears in `--json` output and never changes
    /// meaning; docs/check-schema.json lists the same names (a test compares them).
    public enum Code: Sendable, Hashable, CaseIterable, RawRepresentable, Codable, CustomStringConvertible {
        /// A problem with what the helper printed, as every host's parser reports it.
        case output(HelperOutputError.Code)
        /// The helper could not be run, or its run failed, as the host runtime reports it (one of
        /// ``runCodes``).
        case run(HelperError.Code)
        /// A problem only the checker sees: the file, the run, its timing, behaviour across runs.
        case checker(CheckerCode)

        /// The host runtime's codes the checker reports as they are: the path checks, the spawn, the
        /// exit and the timeout. The others are reported more precisely (an output code for
        /// malformed output) or cannot happen in a check (cancellation, tool input).
        public static let runCodes: [HelperError.Code] = [
            .pathNotAbsolute, .helperNotFound, .notExecutable, .unsafePermissions, .spawnFailed, .nonZeroExit,
            .timedOut,
        ]

        /// Every code: the output codes, the run codes, then the checker's.
        public static var allCases: [Code] {
            HelperOutputError.Code.allCases.map(Code.output) + runCodes.map(Code.run)
                + CheckerCode.allCases.map(Code.checker)
        }

        /// The stable name, such as `empty-output` or `reads-stdin`.
        public var rawValue: String {
            switch self {
            case .output(let code): code.rawValue
            case .run(let code): code.rawValue
            case .checker(let code): code.rawValue
            }
        }

        /// The code with that stable name, if there is one.
        public init?(rawValue: String) {
            if let code = HelperOutputError.Code(rawValue: rawValue) {
                self = .output(code)
            } else if let code = HelperError.Code(rawValue: rawValue), Self.runCodes.contains(code) {
                self = .run(code)
            } else if let code = CheckerCode(rawValue: rawValue) {
                self = .checker(code)
            } else {
                return nil
            }
        }

        public var description: String { rawValue }

        public init(from decoder: any Decoder) throws {
            let name = try decoder.singleValueContainer().decode(String.self)
            guard let code = Code(rawValue: name) else {
                throw DecodingError.dataCorrupted(
                    .init(codingPath: decoder.codingPath, debugDescription: "unknown problem code \(name)"))
            }
            self = code
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(rawValue)
        }
    }

    /// The codes only the checker reports (the output parser's are `HelperOutputError.Code`, the
    /// host runtime's `HelperError.Code`).
    public enum CheckerCode: String, Sendable, Hashable, Codable, CaseIterable {
        case slowForContext = "slow-for-context"
        case credentialHeaderCollision = "credential-header-collision"
        case unknownJSONKey = "unknown-json-key"
        case readsStdin = "reads-stdin"
        case interactiveInSilentContext = "interactive-in-silent-context"
        case leftBackgroundProcess = "left-background-process"
        case inconsistentAnswers = "inconsistent-answers"
        /// Exit status 126 or 127: a program the helper runs was not found on its `PATH` (or not executable).
        case commandNotFound = "command-not-found"
        /// An Entra token for one resource checked against an endpoint host that takes another's
        /// (``EntraAudienceRule``; only with an endpoint to check against).
        case entraAudienceMismatch = "entra-audience-mismatch"
    }

    /// What is wrong.
    public let code: Code
    /// Whether it breaks a host.
    public let severity: Severity
    /// A sentence saying what was seen and how to fix it. Never contains a secret.
    public let message: String

    /// Creates a problem.
    public init(_ code: Code, _ severity: Severity, _ message: String) {
        self.code = code
        self.severity = severity
        self.message = message
    }
}
