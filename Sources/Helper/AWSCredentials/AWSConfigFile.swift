/// One of the AWS shared files (`~/.aws/config`, `~/.aws/credentials`), read as botocore reads them:
/// Python's `RawConfigParser` (strict, `=` or `:` between a key and its value, `#` and `;` starting
/// whole-line comments, indented lines continuing a value, keys lower-cased, a `[DEFAULT]` section
/// whose keys every section has), then botocore's one level of nesting for a value that starts on
/// the next line (`s3 =` followed by indented `key = value` lines).
///
/// What RawConfigParser refuses is refused here with the line's number. Where this reader could
/// differ from Python (whitespace other than space and tab, which Python's `strip` also removes;
/// non-ASCII key names, which Python lower-cases by its own tables), it refuses the file instead.
/// A differential test holds it to botocore's `raw_config_parse` (Tests/AWSCredentialsTests).
public struct AWSConfigFile: Sendable, Hashable {
    /// A value: text, or botocore's nested `key = value` lines.
    public enum Value: Sendable, Hashable {
        case text(String)
        case nested([String: String])
    }

    /// Sections by name (case kept), each key (lower-cased) to its value; `[DEFAULT]`'s keys are
    /// included in every section that does not set them.
    public let sections: [String: [String: Value]]

    /// A file that could not be read: its line and what is wrong there.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// The 1-based line, or nil for the whole file.
        public let line: Int?
        /// What is wrong.
        public let reason: String
        public var description: String { (line.map { "line \($0): " } ?? "") + reason }
    }

    /// Parses the file's bytes.
    public init(bytes: [UInt8]) throws(Problem) {
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw Problem(line: nil, reason: "the file is not UTF-8 text")
        }
        var reader = Reader()
        for (index, line) in Self.lines(text).enumerated() {
            try reader.read(Array(line.unicodeScalars), number: index + 1)
        }
        if let problem = reader.deferredProblem { throw problem }
        var sections: [String: [String: Value]] = [:]
        for (name, options) in reader.sections {
            var values: [String: Value] = [:]
            for (key, lines) in reader.defaults.merging(options, uniquingKeysWith: { $1 }) {
                values[key] = try Self.value(lines.joined(separator: "\n"), key: key)
            }
            sections[name] = values
        }
        self.sections = sections
    }

    /// Python's universal newlines: `\r\n`, `\r` and `\n` each end a line.
    static func lines(_ text: String) -> [Substring] {
        var lines: [Substring] = []
        var start = text.startIndex
        var index = text.startIndex
        let scalars = text.unicodeScalars
        while index < text.endIndex {
            let scalar = scalars[index]
            if scalar == "\n" || scalar == "\r" {
                lines.append(text[start..<index])
                var next = scalars.index(after: index)
                if scalar == "\r", next < text.endIndex, scalars[next] == "\n" { next = scalars.index(after: next) }
                start = next
                index = next
            } else {
                index = scalars.index(after: index)
            }
        }
        if start < text.endIndex { lines.append(text[start...]) }
        return lines
    }

    /// The joined value, trailing whitespace removed, nested when it starts on the next line.
    static func value(_ joined: String, key: String) throws(Problem) -> Value {
        let value = String(String.UnicodeScalarView(Self.trimmed(Array(joined.unicodeScalars), leading: false)))
        guard value.hasPrefix("\n") else { return .text(value) }
        var nested: [String: String] = [:]
        for line in value.split(separator: "\n") {
            let scalars = trimmed(Array(line.unicodeScalars))
            if scalars.isEmpty { continue }
            guard let equals = scalars.firstIndex(of: "=") else {
                throw Problem(
                    line: nil,
                    reason: "the nested value of \"\(key)\" has a line without \"=\"; write nested settings as "
                        + "indented key = value lines")
            }
            let name = String(String.UnicodeScalarView(trimmed(Array(scalars[..<equals]))))
            nested[name] = String(String.UnicodeScalarView(trimmed(Array(scalars[(equals + 1)...]))))
        }
        return .nested(nested)
    }

    /// Space and tab: the only whitespace this reader accepts (others are refused in ``Reader``).
    static func isSpace(_ scalar: Unicode.Scalar) -> Bool { scalar == " " || scalar == "\t" || scalar == "\n" }

    static func trimmed(_ scalars: [Unicode.Scalar], leading: Bool = true) -> [Unicode.Scalar] {
        var slice = scalars[...]
        while let last = slice.last, isSpace(last) { slice = slice.dropLast() }
        if leading { while let first = slice.first, isSpace(first) { slice = slice.dropFirst() } }
        return Array(slice)
    }
}

extension AWSConfigFile {
    /// RawConfigParser's `_read`, line by line.
    struct Reader {
        var sections: [String: [String: [String]]] = [:]
        var defaults: [String: [String]] = [:]
        /// The section being read: nil before the first header, `""` with `inDefaults` for `[DEFAULT]`.
        var section: String?
        var inDefaults = false
        var option: String?
        var indentLevel = 0
        var added: Set<String> = []
        var addedOptions: Set<[String]> = []
        /// A line that is neither a header nor an option: Python reports these after reading the whole file.
        var deferredProblem: Problem?

        mutating func read(_ line: [Unicode.Scalar], number: Int) throws(Problem) {
            if let odd = line.first(where: Self.isRefused) {
                throw Problem(
                    line: number,
                    reason:
                        "a control or unusual space character (U+\(String(odd.value, radix: 16, uppercase: true))); "
                        + "remove it, and use spaces or tabs for indentation")
            }
            let value = AWSConfigFile.trimmed(line)
            let isComment = value.first == "#" || value.first == ";"
            if value.isEmpty || isComment {
                if !isComment, section != nil, let option { append("", to: option) }
                return
            }
            let indent = line.firstIndex { !AWSConfigFile.isSpace($0) } ?? 0
            if section != nil, let option, indent > indentLevel {
                append(String(String.UnicodeScalarView(value)), to: option)
                return
            }
            indentLevel = indent
            if value.first == "[", let close = value.lastIndex(of: "]"), close >= 2 {
                guard value[1..<close].allSatisfy(\.isASCII) else {
                    // Swift compares such names by canonical equivalence, Python by code point.
                    throw Problem(line: number, reason: "a [section] name with non-ASCII characters")
                }
                let name = String(String.UnicodeScalarView(value[1..<close]))
                option = nil
                if name == "DEFAULT" {
                    section = ""
                    inDefaults = true
                    return
                }
                guard !added.contains(name) else {
                    throw Problem(line: number, reason: "section [\(name)] appears twice; merge the two")
                }
                added.insert(name)
                inDefaults = false
                section = name
                if sections[name] == nil { sections[name] = [:] }
                return
            }
            guard let section else {
                throw Problem(line: number, reason: "a line before the first [section] header")
            }
            guard let delimiter = value.firstIndex(where: { $0 == "=" || $0 == ":" }) else {
                if deferredProblem == nil {
                    deferredProblem = Problem(
                        line: number, reason: "a line that is neither a [section] nor a key = value setting")
                }
                return
            }
            let key = AWSConfigFile.trimmed(Array(value[..<delimiter]))
            guard !key.isEmpty else {
                if deferredProblem == nil { deferredProblem = Problem(line: number, reason: "a setting with no key") }
                return
            }
            guard key.allSatisfy(\.isASCII) else {
                throw Problem(line: number, reason: "a key with non-ASCII characters")
            }
            let name = String(String.UnicodeScalarView(key)).lowercased()
            let scope = [inDefaults ? "DEFAULT" : section, name]
            guard !addedOptions.contains(scope) else {
                let shown = name.count > 40 ? name.prefix(24) + "…" : Substring(name)  // a pasted secret stays unshown
                throw Problem(line: number, reason: "\"\(shown)\" is set twice in one section; keep one")
            }
            addedOptions.insert(scope)
            option = name
            let text = String(String.UnicodeScalarView(AWSConfigFile.trimmed(Array(value[(delimiter + 1)...]))))
            if inDefaults { defaults[name] = [text] } else { sections[section, default: [:]][name] = [text] }
        }

        /// Control characters other than tab, and whitespace other than space and tab (which Python's
        /// `strip` and `\\s` would also remove).
        static func isRefused(_ scalar: Unicode.Scalar) -> Bool {
            if scalar == " " || scalar == "\t" { return false }
            return scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) || scalar.properties.isWhitespace
        }

        private mutating func append(_ text: String, to option: String) {
            if inDefaults {
                defaults[option, default: []].append(text)
            } else if let section {
                sections[section, default: [:]][option, default: []].append(text)
            }
        }
    }
}
