/// Splits a command line into words as Python's `shlex.split` does (POSIX mode, no comments): how
/// botocore turns a profile's `credential_process` into the program and its arguments, which it
/// then runs without a shell. Space, tab, CR and LF separate words; `'…'` keeps everything; `"…"`
/// keeps everything but `\"` and `\\`; outside quotes a backslash keeps the next character; quoted
/// and unquoted parts next to each other form one word, and `''` is an empty word.
///
/// A differential test holds it to `shlex.split` (Tests/AWSCredentialsTests).
public enum ShellWords {
    /// Why a command line could not be split (what `shlex` raises).
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
    }

    /// The words of `line`.
    public static func split(_ line: String) throws(Problem) -> [String] {
        enum State { case between, word, single, double }
        var words: [String] = []
        var word = String.UnicodeScalarView()
        var state = State.between
        var scalars = line.unicodeScalars.makeIterator()
        while let scalar = scalars.next() {
            switch state {
            case .between, .word:
                if scalar == " " || scalar == "\t" || scalar == "\r" || scalar == "\n" {
                    if state == .word {
                        words.append(String(word))
                        word = String.UnicodeScalarView()
                    }
                    state = .between
                } else if scalar == "'" {
                    state = .single
                } else if scalar == "\"" {
                    state = .double
                } else if scalar == "\\" {
                    guard let next = scalars.next() else { throw Problem(description: "no escaped character") }
                    word.append(next)
                    state = .word
                } else {
                    word.append(scalar)
                    state = .word
                }
            case .single:
                if scalar == "'" { state = .word } else { word.append(scalar) }
            case .double:
                if scalar == "\"" {
                    state = .word
                } else if scalar == "\\" {
                    guard let next = scalars.next() else { throw Problem(description: "no escaped character") }
                    if next != "\"" && next != "\\" { word.append(scalar) }
                    word.append(next)
                } else {
                    word.append(scalar)
                }
            }
        }
        switch state {
        case .single, .double: throw Problem(description: "no closing quotation")
        case .word: words.append(String(word))
        case .between: break
        }
        return words
    }
}
