/// The strict parser for a helper's stdout (docs/protocol.md §4).
///
/// Trimmed stdout that begins with `{` is a JSON object `{"token": "…", "headers": {…}}`; stdout
/// that begins with `[` is JSON too, and refused (an array, or text that does not parse); anything
/// else is a bare token, which must be exactly one line of visible ASCII. A leading UTF-8 byte order
/// mark and CRLF line endings are tolerated. Every other deviation is a ``HelperOutputError`` whose
/// code names it and whose message says how to fix the helper.
public struct HelperOutputParser: Sendable {
    /// The largest stdout a helper may print: 64 KiB.
    public static let defaultLimit = 64 * 1024

    /// The largest stdout accepted, in bytes.
    public let limit: Int

    /// A parser that accepts at most `limit` bytes.
    public init(limit: Int = Self.defaultLimit) { self.limit = limit }

    /// Parses a helper's complete stdout.
    public func parse(_ stdout: some Collection<UInt8>) throws(HelperOutputError) -> HelperAnswer {
        guard stdout.count <= limit else {
            throw HelperOutputError(
                .outputTooLarge,
                "stdout is \(stdout.count) bytes, over the \(limit)-byte limit; a helper prints one token "
                    + "or one small JSON object and nothing else")
        }
        let text = Self.trimmed(Array(stdout))
        guard let first = text.first else {
            throw HelperOutputError(
                .emptyOutput,
                "the helper exited 0 but printed nothing on stdout; print the token (or a JSON object with "
                    + "\"token\") on stdout, or exit non-zero when no credential can be obtained")
        }
        if first == UInt8(ascii: "{") { return try parseObject(text) }
        if first == UInt8(ascii: "[") {
            // No token starts with "[": this is JSON, and whatever it holds it is not an answer.
            let value: JSONValue
            do { value = try JSONValue.decode(text) } catch {
                throw HelperOutputError(
                    .invalidJSON,
                    "stdout starts with \"[\" so it was read as JSON, but \(error.detail); print a JSON object "
                        + "like {\"token\": \"…\"} or a bare token")
            }
            throw HelperOutputError(
                .notJSONObject,
                "stdout is a JSON array, not an object; print {\"token\": \"…\"} or the bare token "
                    + "(got \(value.typeName))")
        }
        return try parseBareToken(text)
    }

    private func parseBareToken(_ text: [UInt8]) throws(HelperOutputError) -> HelperAnswer {
        let lines = text.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { Self.trimmed(Array($0), dropBOM: false) }
            .filter { !$0.isEmpty }
        guard lines.count == 1, let line = lines.first else {
            let redactor = TextRedactor()
            throw HelperOutputError(
                .multipleLines,
                "stdout has \(lines.count) lines; expected exactly one token — is a shell profile or a log "
                    + "line printing to stdout? Send everything except the token to stderr",
                lines: lines.map { redactor.redactLine(String(decoding: $0, as: UTF8.self), maxLength: 120) })
        }
        return HelperAnswer(token: try Self.token(line, inJSON: false), format: .bareToken)
    }

    private func parseObject(_ text: [UInt8]) throws(HelperOutputError) -> HelperAnswer {
        let value: JSONValue
        do {
            value = try JSONValue.decode(text)
        } catch {
            throw HelperOutputError(
                .invalidJSON,
                "stdout starts with \"{\" so it was read as JSON, but \(error.detail); print a JSON object "
                    + "like {\"token\": \"…\"} or a bare token")
        }
        guard case .object(let object) = value else {
            throw HelperOutputError(.notJSONObject, "stdout is \(value.typeName), not a JSON object")
        }
        if let duplicate = JSONDuplicateKeys.first(in: text) {
            throw HelperOutputError(
                .duplicateJSONKey,
                "the JSON answer has the key \(Self.quoted(duplicate)) twice; a host cannot tell which one is meant "
                    + "— print each key once")
        }
        if ["AccessKeyId", "SecretAccessKey", "SessionToken"].contains(where: { object[$0] != nil }) {
            throw HelperOutputError(
                .awsCredentialProcessFormat,
                "stdout is AWS credential_process JSON (AccessKeyId/SecretAccessKey); this protocol needs a "
                    + "bearer token: print {\"token\": \"…\"} or the bare token")
        }
        let token = try Self.jsonToken(object)
        let headers = try Self.jsonHeaders(object["headers"])
        let unknown = object.keys.filter { $0 != "token" && $0 != "headers" }.sorted()
        return HelperAnswer(token: token, headers: headers, format: .jsonObject, unknownKeys: unknown)
    }

    private static func jsonToken(_ object: [String: JSONValue]) throws(HelperOutputError) -> Secret {
        switch object["token"] {
        case .string(let token) where !token.isEmpty:
            return try Self.token(Array(token.utf8), inJSON: true)
        case .string:
            throw HelperOutputError(.missingToken, "\"token\" is an empty string; put the credential in it")
        case .none, .null:
            let alias = ["access_token", "accessToken", "id_token", "Token", "bearer"].first { object[$0] != nil }
            let hint = alias.map { " (found \"\($0)\": rename it to \"token\")" } ?? ""
            throw HelperOutputError(
                .missingToken,
                "the JSON object has no \"token\" key\(hint); print {\"token\": \"…\", \"headers\": {…}}")
        case .some(let other):
            throw HelperOutputError(
                .tokenNotString, "\"token\" is \(other.typeName); it must be a string holding the credential")
        }
    }

    private static func jsonHeaders(_ value: JSONValue?) throws(HelperOutputError) -> HeaderList {
        guard let value, value != .null else { return HeaderList() }
        guard case .object(let object) = value else {
            throw HelperOutputError(
                .headersNotObject,
                "\"headers\" is \(value.typeName); it must be an object of header name to string value, "
                    + "like {\"X-Org-Route\": \"prod\"}")
        }
        var headers = HeaderList()
        for name in object.keys.sorted() {
            let shown = quoted(name)
            guard case .string(let text) = object[name] else {
                let type = object[name]?.typeName ?? "missing"
                throw HelperOutputError(
                    .headerValueNotString,
                    "the value of header \(shown) is \(type); header values must be strings (quote it)",
                    headerName: name)
            }
            try validateHeader(name: name, value: text, origin: "helper header")
            if headers[name] != nil {
                throw HelperOutputError(
                    .invalidHeaderName,
                    "header \(shown) appears twice with different case (names are case-insensitive); keep one",
                    headerName: name)
            }
            headers.set(name, to: text)
        }
        return headers
    }

    /// Checks one header against ``HeaderRules``; `origin` names where it came from in the message.
    public static func validateHeader(name: String, value: String, origin: String) throws(HelperOutputError) {
        let shown = quoted(name)
        guard HeaderRules.isValidName(name) else {
            throw HelperOutputError(
                .invalidHeaderName,
                "\(origin) name \(shown) is not a valid HTTP header name (letters, digits and "
                    + "!#$%&'*+-.^_`|~ only, no spaces or colons)",
                headerName: name)
        }
        guard !HeaderRules.isForbidden(name) else {
            throw HelperOutputError(
                .forbiddenHeader,
                "\(origin) \(shown) describes the connection or message framing, which the HTTP client "
                    + "sets itself; remove it",
                headerName: name)
        }
        if let byte = HeaderRules.firstControlCharacter(in: value) {
            guard byte != 0x0D, byte != 0x0A, byte != 0x00 else {
                throw HelperOutputError(
                    .invalidHeaderValue,
                    "the value of \(origin) \(shown) contains a CR, LF or NUL character; a header value is one line",
                    headerName: name)
            }
            throw HelperOutputError(
                .headerValueControlCharacter,
                "the value of \(origin) \(shown) contains the control character 0x"
                    + "\(String(byte, radix: 16, uppercase: true)) (ESC, DEL and other controls are not allowed "
                    + "in an HTTP field value); print visible characters, spaces and tabs only",
                headerName: name)
        }
    }

    private static func token(_ bytes: [UInt8], inJSON: Bool) throws(HelperOutputError) -> Secret {
        if bytes.contains(where: { $0 == 0x20 || $0 == 0x09 }) {
            let text = String(decoding: bytes, as: UTF8.self)
            let scheme = text.lowercased().hasPrefix("bearer ")
            throw HelperOutputError(
                .tokenHasWhitespace,
                scheme
                    ? "the token starts with \"Bearer \"; print the token alone — the host adds the scheme"
                    : "the token contains a space or tab; a token is one word of visible ASCII — print only the token")
        }
        if let offset = bytes.firstIndex(where: { $0 < 0x21 || $0 > 0x7E }) {
            let what = bytes[offset] > 0x7E ? "a non-ASCII byte" : "a control character"
            throw HelperOutputError(
                .nonASCIIToken,
                "the token has \(what) at byte \(offset + 1)\(inJSON ? " of \"token\"" : ""); a token is visible "
                    + "ASCII only (0x21–0x7E) — check for colour codes, a stray BOM or a wrong encoding")
        }
        return Secret(String(decoding: bytes, as: UTF8.self))
    }

    /// `bytes` without leading or trailing ASCII whitespace, and (for the whole output) without one
    /// leading UTF-8 BOM. Lines keep any BOM: a second one is not ASCII, and must not turn JSON into
    /// a bare token.
    static func trimmed(_ bytes: [UInt8], dropBOM: Bool = true) -> [UInt8] {
        var slice = bytes[...]
        if dropBOM, slice.starts(with: [0xEF, 0xBB, 0xBF]) { slice = slice.dropFirst(3) }
        let isSpace: (UInt8) -> Bool = { [0x20, 0x09, 0x0A, 0x0B, 0x0C, 0x0D].contains($0) }
        while let first = slice.first, isSpace(first) { slice = slice.dropFirst() }
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        return Array(slice)
    }

    static func quoted(_ name: String) -> String { "\"" + VisibleText.of(name) + "\"" }
}
