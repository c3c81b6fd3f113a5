import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// docs/deploy.md, run: its answers file (the first `json` block) and every `sh` block in order, as
/// root, in a scratch directory that stands in for `/etc/credhelper` (paths rewritten, `sudo`
/// dropped) and for the user's home. A block preceded by a "not run by the tests" comment is
/// listed with its reason instead, and must have one.
@Suite(
    "docs/deploy.md, run", .serialized, .timeLimit(.minutes(1)),
    .enabled(if: geteuid() == 0, "the guide installs root-owned files: run the tests as root"))
struct DeployGuideTests {
    struct Block {
        var text: String
        var skipReason: String?
    }

    static let guide = ProxyServiceTests.repository + "/docs/deploy.md"

    /// The guide's fenced blocks of `language`, with the "not run by the tests" reason before each.
    static func blocks(_ language: String, in markdown: String) -> [Block] {
        var blocks: [Block] = []
        var comment: String?
        var pendingReason: String?
        var current: [String]?
        for line in markdown.components(separatedBy: "\n") {
            if var open = comment {
                open += " " + line.trimmingCharacters(in: .whitespaces)
                comment = open.contains("-->") ? nil : open
                if !open.contains("-->") { continue }
                pendingReason = open
                continue
            }
            if current == nil, line.hasPrefix("<!-- not run by the tests:") {
                if line.contains("-->") { pendingReason = line } else { comment = line }
                continue
            }
            if current == nil, line == "```" + language {
                current = []
            } else if var lines = current {
                if line == "```" {
                    blocks.append(Block(text: lines.joined(separator: "\n"), skipReason: pendingReason))
                    current = nil
                    pendingReason = nil
                } else {
                    lines.append(line)
                    current = lines
                }
            } else if !line.isEmpty, !line.hasPrefix("```") {
                pendingReason = nil
            }
        }
        return blocks
    }

    @Test("every runnable sh block exits 0, in order; the answers block is the checked-in example")
    func guideRuns() async throws {
        let markdown = try String(contentsOfFile: Self.guide, encoding: .utf8)
        let answers = try #require(Self.blocks("json", in: markdown).first).text
        let example = try String(contentsOfFile: ExampleAnswers.path, encoding: .utf8)
        #expect(answers + "\n" == example, "docs/deploy.md's answers differ from Examples/deploy/answers.json")

        let folder = HelperScripts()
        let work = folder.subdirectory("work", mode: 0o700)
        let home = folder.subdirectory("home", mode: 0o700)
        folder.write(answers + "\n", to: work + "/answers.json", mode: 0o600)
        let etc = folder.directory + "/etc/credhelper"
        let binaries = String(BuiltBinary.path.dropLast("/credhelper".count))
        let sh = Self.blocks("sh", in: markdown)
        #expect(sh.count >= 8, "docs/deploy.md has \(sh.count) sh blocks; the parser lost some")
        var outputs: [String] = []
        for block in sh {
            if let reason = block.skipReason {
                #expect(reason.count > "<!-- not run by the tests: -->".count + 10, "a skipped block gives no reason")
                print("docs/deploy.md: not run: \(block.text) — \(reason)")
                continue
            }
            let script = block.text.replacingOccurrences(of: "sudo ", with: "")
                .replacingOccurrences(of: "/etc/credhelper", with: etc)
            // stderr joins stdout in the shell, so the output keeps its order.
            let result = try await ProgramRun.run(
                "/bin/sh", ["-e", "-c", "exec 2>&1\n" + script],
                environment: [
                    "PATH": binaries + ":/usr/bin:/bin", "HOME": home,
                    "CREDHELPER_MACHINE_PROFILES": etc + "/profiles.json",
                ], inheritEnvironment: false, workingDirectory: work)
            let output = result.stdout
            #expect(result.status == 0, "docs/deploy.md block failed:\n\(block.text)\n\(output)")
            outputs.append(output)
        }
        let all = outputs.joined(separator: "\n")
        #expect(all.contains("corp (default)"), "credhelper profiles did not list the machine-wide profile:\n\(all)")
        #expect(all.contains("Removed 0 more token file(s)"), "logout --all did not run:\n\(all)")
        #expect(FileManager.default.fileExists(atPath: work + "/deploy/claude-credhelper.mobileconfig"))
        #expect(!FileManager.default.fileExists(atPath: etc), "the uninstall section left \(etc)")
    }
}

/// Examples/deploy/answers.json.
enum ExampleAnswers {
    static var path: String { ProxyServiceTests.repository + "/Examples/deploy/answers.json" }
}
