import AWSCredentials
import Foundation
import TestSupport
import Testing

/// The AWS shared-file readers against their references, run on generated inputs: the config
/// reader against botocore's `raw_config_parse`, the command-line splitter against `shlex.split`
/// (Tests/Fixtures/aws/shared_files.py). Equal means both refuse, or both read the same.
@Suite("AWS shared files: the config reader and the word splitter against botocore and shlex")
struct SharedFileDifferentialTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/aws/shared_files.py").path

    /// `shared_files.py MODE` over `inputs`, through files.
    static func reference<T: Decodable & Sendable>(_ mode: String, _ inputs: [String], as: T.Type) async throws -> [T?]
    {
        let folder = HelperScripts()
        let input = folder.path("in.json")
        let output = folder.path("out.json")
        try JSONEncoder().encode(inputs).write(to: URL(fileURLWithPath: input))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script, mode, input, output]
        process.environment = ProcessInfo.processInfo.environment.merging(["PYTHONUTF8": "1"]) { $1 }
        try process.run()
        try await OffPool.wait { process.waitUntilExit() }
        guard process.terminationStatus == 0 else { throw FixtureError("shared_files.py \(mode) failed") }
        return try JSONDecoder().decode([T?].self, from: Data(contentsOf: URL(fileURLWithPath: output)))
    }

    /// One value of botocore's result: text, or nested settings.
    enum Reference: Decodable, Equatable, Sendable {
        case text(String)
        case nested([String: String])
        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let text = try? container.decode(String.self) {
                self = .text(text)
            } else {
                self = .nested(try container.decode([String: String].self))
            }
        }
    }

    static func generatedConfigs(count: Int) -> [String] {
        var generator = SeededGenerator(seed: 0xA45_C0F1)
        let headers = [
            "[default]", "[profile corp]", "[profile \"a b\"]", "[DEFAULT]", "[ x ]", "[]", "[a]b]", "[p] tail",
            "[profile]", "[corp]", "  [indented]",
        ]
        let keys = ["aws_access_key_id", "Region", "a b", "credential_process", "", "s3", "x.y", "K:"]
        let delimiters = ["=", " = ", ":", " : ", "=  ", "\t=\t", ""]
        let values = ["AKIAEXAMPLE", "", "a = b", "x:y", "'quoted'", "# not a comment", "v ; w", "é", "[x]", "  "]
        let endings = ["\n", "\r\n", "\r"]
        var texts: [String] = []
        for _ in 0..<count {
            var text = ""
            let ending = endings[Int.random(in: 0..<endings.count, using: &generator)]
            for _ in 0..<Int.random(in: 0...9, using: &generator) {
                let indent = ["", "", "", "  ", "\t", " "][Int.random(in: 0..<6, using: &generator)]
                switch Int.random(in: 0..<10, using: &generator) {
                case 0, 1: text += headers[Int.random(in: 0..<headers.count, using: &generator)]
                case 2: text += indent + ["# c", "; c", "#", ""][Int.random(in: 0..<4, using: &generator)]
                default:
                    text += indent + keys[Int.random(in: 0..<keys.count, using: &generator)]
                    text += delimiters[Int.random(in: 0..<delimiters.count, using: &generator)]
                    text += values[Int.random(in: 0..<values.count, using: &generator)]
                }
                text += ending
            }
            if Bool.random(using: &generator) { text = String(text.dropLast(ending.count)) }
            texts.append(text)
        }
        return texts
    }

    @Test("20,000 generated config files: the same sections, keys and values as botocore, or both refuse")
    func configDifferential() async throws {
        let inputs = try await OffPool.run { Self.generatedConfigs(count: 20_000) }
        let reference = try await Self.reference("config", inputs, as: [String: [String: Reference]].self)
        let (accepted, differences) = try await OffPool.run { () -> (Int, [String]) in
            var accepted = 0
            var differences: [String] = []
            for (input, python) in zip(inputs, reference) {
                let ours = try? AWSConfigFile(bytes: Array(input.utf8)).sections.mapValues { section in
                    section.mapValues { value -> Reference in
                        switch value {
                        case .text(let text): .text(text)
                        case .nested(let nested): .nested(nested)
                        }
                    }
                }
                if ours != nil { accepted += 1 }
                if ours != python, differences.count < 5 {
                    differences.append(
                        "\(input.debugDescription): ours \(String(describing: ours)), botocore \(String(describing: python))"
                    )
                }
            }
            return (accepted, differences)
        }
        #expect(differences.isEmpty, "\(differences)")
        #expect(accepted > 2_000, "only \(accepted) files were read; the generator makes too few valid ones")
    }

    @Test("20,000 generated command lines: the same words as shlex.split, or both refuse")
    func shellWordsDifferential() async throws {
        let inputs = try await OffPool.run { () -> [String] in
            var generator = SeededGenerator(seed: 0x5_4E11)
            let pieces = [
                "a", "b c", " ", "\t", "\n", "'", "\"", "\\", "\\\"", "\\\\", "$HOME", "é", "''", "\"\"", "--x=1",
            ]
            return (0..<20_000).map { _ in
                (0..<Int.random(in: 0...8, using: &generator)).map { _ in
                    pieces[Int.random(in: 0..<pieces.count, using: &generator)]
                }.joined()
            }
        }
        let reference = try await Self.reference("shlex", inputs, as: [String].self)
        var differences: [String] = []
        var refused = 0
        for (input, python) in zip(inputs, reference) {
            let ours = try? ShellWords.split(input)
            if ours == nil { refused += 1 }
            if ours != python, differences.count < 5 {
                differences.append(
                    "\(input.debugDescription): ours \(String(describing: ours)), shlex \(String(describing: python))")
            }
        }
        #expect(differences.isEmpty, "\(differences)")
        #expect(refused > 100 && refused < 19_000, "the generator should make both kinds: \(refused) refused")
    }

    @Test("the config reader refuses control characters and unusual spaces, naming the line")
    func refusedCharacters() {
        for text in ["[default]\nregion = us-east-1\u{0B}\n", "[default]\nkey\u{A0}= v\n", "[default]\n\u{1C}\n"] {
            #expect(throws: AWSConfigFile.Problem.self) { try AWSConfigFile(bytes: Array(text.utf8)) }
        }
        do {
            _ = try AWSConfigFile(bytes: Array("[a]\nx = 1\n[a]\n".utf8))
            Issue.record("a repeated section was read")
        } catch {
            #expect(error.description == "line 3: section [a] appears twice; merge the two")
        }
        #expect(throws: AWSConfigFile.Problem.self) { try AWSConfigFile(bytes: [0x5B, 0x61, 0x5D, 0x0A, 0xFF]) }
    }
}
