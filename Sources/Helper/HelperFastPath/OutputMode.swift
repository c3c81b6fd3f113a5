import CredentialHelperProtocol

/// What the helper prints, for which consumer: the same profile, store, lock and refresh behind
/// every mode; only the last step, writing stdout, differs (docs/helper.md, "Output modes").
///
/// A mode is chosen by subcommand (`credhelper token`) or by link name (`credhelper-PROFILE@token`,
/// `credhelper@token` for the default profile); with neither, it is ``inference``.
///
/// To add a mode: give it a ``Rendering`` case, a `static let` here, list it in ``registered``, and
/// handle the case in ``render(_:)``. The subcommand, the link name, the cached fast path and the
/// full helper then all know it.
public struct OutputMode: Sendable, Hashable, CustomStringConvertible {
    /// How the answer is written on stdout.
    public enum Rendering: Sendable, Hashable {
        /// The inference credential helper's answer (docs/protocol.md §4): the bare token, or
        /// `{"token":…,"headers":{…}}` when the profile has headers.
        case helperAnswer
        /// The token alone on one line: Claude Code's `apiKeyHelper`.
        case bareToken
        /// One JSON object of string headers, `Authorization: Bearer <token>` and the profile's
        /// headers: MCP servers' `headersHelper`, `otlpHeadersHelper` / `otelHeadersHelper`.
        case headersObject
    }

    /// The subcommand, and the word after `credhelper-` in a link name.
    public let name: String
    /// How the answer is written.
    public let rendering: Rendering

    /// The inference credential helper (the default).
    public static let inference = OutputMode(name: "inference", rendering: .helperAnswer)
    /// The bare token, for `apiKeyHelper`.
    public static let token = OutputMode(name: "token", rendering: .bareToken)
    /// A JSON object of headers, for `headersHelper` and `otlpHeadersHelper` / `otelHeadersHelper`.
    public static let headers = OutputMode(name: "headers", rendering: .headersObject)

    /// The modes a subcommand or link name may select, besides the default ``inference``.
    public static let registered: [OutputMode] = [.token, .headers]

    /// The registered mode called `name`, if any.
    public static func named(_ name: String) -> OutputMode? { registered.first { $0.name == name } }

    /// The registered modes' names, for messages: `token, headers`.
    public static var names: String { registered.map(\.name).joined(separator: ", ") }

    public var description: String { name }

    /// The bytes to print on stdout for `answer` in this mode. They contain the secret: write them
    /// to stdout and nowhere else.
    public func render(_ answer: HelperAnswer) -> [UInt8] {
        switch rendering {
        case .helperAnswer: return answer.encoded()
        case .bareToken: return Array(answer.token.reveal().utf8) + [0x0A]
        case .headersObject:
            var fields = [
                JSONString.quoted("Authorization") + ":" + JSONString.quoted("Bearer " + answer.token.reveal())
            ]
            for field in answer.headers where field.name.lowercased() != "authorization" {
                fields.append(JSONString.quoted(field.name) + ":" + JSONString.quoted(field.value))
            }
            return Array(("{" + fields.joined(separator: ",") + "}\n").utf8)
        }
    }
}
