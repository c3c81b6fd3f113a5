import Foundation
import TestSupport
import Testing
import TokenStore

/// The run log's line, written without Codable or Foundation's date formatting (every cached run
/// writes one), against what `JSONEncoder` and the `.iso8601` format style write.
@Suite("Run log lines without Codable")
struct RunLogLineTests {
    @Test("timestamps: the same text as Foundation's .iso8601 for 20,000 times from 1970 to 2100")
    func timestamps() {
        var generator = SeededGenerator(seed: 0x7131)
        var differences: [String] = []
        for _ in 0..<20_000 {
            let seconds = Int.random(in: 0..<4_102_444_800, using: &generator)
            let ours = RunLog.Entry.timestamp(seconds: seconds)
            let foundation = Date(timeIntervalSince1970: Double(seconds)).formatted(.iso8601)
            if ours != foundation, differences.count < 5 { differences.append("\(seconds): \(ours) \(foundation)") }
        }
        #expect(differences.isEmpty, "\(differences)")
    }

    @Test(
        "timestamps outside 0000-9999 or that gmtime cannot represent are a fixed placeholder, and years are 4 digits")
    func timestampEdges() {
        #expect(RunLog.Entry.timestamp(seconds: -62_135_596_800) == "0001-01-01T00:00:00Z")
        #expect(RunLog.Entry.timestamp(seconds: Int.max) == "0000-01-01T00:00:00Z")
        #expect(RunLog.Entry.timestamp(seconds: 253_402_300_799) == "9999-12-31T23:59:59Z")
    }

    @Test("lines: JSONDecoder reads back the entry, and the object equals JSONEncoder's")
    func lines() throws {
        let awkward = "a\"b\\c\u{1}\u{7F}é\u{2028}😀/"
        var entries = [
            RunLog.Entry(profile: "corp", context: nil, outcome: "cached", durationMs: 1),
            RunLog.Entry(
                profile: awkward, context: "mid-session-refresh", outcome: "failed", code: awkward, durationMs: 1234,
                deadlineMs: 15_000),
        ]
        entries[1].at = awkward
        for entry in entries {
            let line = entry.jsonLine
            #expect(line.last == 0x0A && line.dropLast().allSatisfy { $0 != 0x0A })
            #expect(try JSONDecoder().decode(RunLog.Entry.self, from: Data(line)) == entry)
            let ours = try JSONSerialization.jsonObject(with: Data(line)) as? NSDictionary
            let reference = try JSONSerialization.jsonObject(with: JSONEncoder().encode(entry)) as? NSDictionary
            #expect(ours == reference)
        }
    }
}
