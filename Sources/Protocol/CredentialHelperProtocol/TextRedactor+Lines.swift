extension TextRedactor {
    /// Every non-empty line of a program's output (`\n`, `\r\n` or `\r` ends a line), each redacted
    /// with ``redactLine(_:maxLength:showPlainWords:)`` showing plain words (a single word other than a
    /// plain one such as `Unauthorized` is redacted whole: it could be a token).
    public func redactedLines(of output: [UInt8]) -> [String] {
        String(decoding: output, as: UTF8.self)
            .split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
            .map { redactLine(String($0), showPlainWords: true) }
            .filter { !$0.allSatisfy(\.isWhitespace) }
    }
}
