import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

@Suite struct SplitURLTests {
    @Test("the parts of URLs the modules are given: issuer, proxy, upstream, gateway")
    func parts() {
        let full = SplitURL("HTTPS://alice:p%40ss@[::1]:8443/v1/x?a=1&b#frag")
        #expect(full.scheme == "https")
        #expect(full.authority == "alice:p%40ss@[::1]:8443")
        #expect(full.userInformation == "alice:p%40ss")
        #expect(full.hostAndPort == "[::1]:8443")
        #expect(full.host == "::1" && full.isBracketed)
        #expect(full.portText == "8443" && full.port == 8443)
        #expect(full.path == "/v1/x" && full.query == "a=1&b" && full.fragment == "frag")
        #expect(full.origin == "https://[::1]:8443")
        #expect(full.shown == "https://…@[::1]:8443/v1/x?…#…")

        let bare = SplitURL("proxy.corp:3128")
        #expect(bare.scheme.isEmpty && bare.host == "proxy.corp" && bare.port == 3128)
        #expect(SplitURL("http://gw.example").port == 80 && SplitURL("https://gw.example").port == 443)
        #expect(SplitURL("https://gw.example:99999").port == 443, "an out-of-range port is not a port")
        #expect(SplitURL("https://gw.example:").portText == "")
        // A scheme needs "//" after it; an '@' after the authority is not user information.
        #expect(SplitURL("user:pass@host").scheme.isEmpty)
        let late = SplitURL("http://host/a@b")
        #expect(late.userInformation == nil && late.host == "host" && late.path == "/a@b")
        #expect(SplitURL("https://h/p?q").joined(query: "x=1") == "https://h/p?x=1")
        #expect(SplitURL("https://h/p?q").joined(query: nil) == "https://h/p")
    }

    /// Python's `urlsplit` is the reference: for text with a scheme, the same split; for text
    /// without one, the split of `//` + the text (we read bare text as an authority, Python as a
    /// path). Inputs come from a seeded generator over the characters that decide a split.
    @Test("differential against Python's urlsplit over 200,000 generated URLs")
    func differential() async throws {
        // Generating, splitting and comparing 200,000 URLs is seconds of CPU: off the cooperative pool.
        let inputs = try await OffPool.run { Self.generatedURLs(count: 200_000) }
        let reference = try await Self.pythonSplits(inputs)
        let (compared, differences) = try await OffPool.run { Self.compare(inputs, reference) }
        #expect(differences.isEmpty, "\(differences)")
        // Python versions refuse different shares of the bracketed inputs (3.11.2 on a fresh Debian
        // compared 146,073; 3.11.7 more): at least half must be compared.
        #expect(compared > 100_000, "Python compared only \(compared) inputs")
    }

    static func generatedURLs(count: Int) -> [String] {
        var generator = SeededGenerator(seed: 0x5EED_0001)
        let pieces = [
            "a", "B", "1", "-", ".", ":", "/", "//", "?", "#", "@", "%41", "=", "&", "~", "+", "é", "x:y@",
            ":8080", ":0", ":65536", ":abc", "::", "\u{301}",
        ]
        let heads = ["https://", "HTTP://", "svn+ssh://", "a1.-://", "1a://", "", "", "[::1]", "//"]
        var inputs: [String] = []
        for _ in 0..<count {
            var text = heads[Int.random(in: 0..<heads.count, using: &generator)]
            if Bool.random(using: &generator) { text += "[::1]" }
            for _ in 0..<Int.random(in: 0...8, using: &generator) {
                text += pieces[Int.random(in: 0..<pieces.count, using: &generator)]
            }
            inputs.append(text)
        }
        return inputs
    }

    /// How many inputs Python split, and the first few that split differently.
    static func compare(_ inputs: [String], _ reference: [[String]?]) -> (Int, [String]) {
        var compared = 0
        var differences: [String] = []
        for (input, python) in zip(inputs, reference) {
            let ours = SplitURL(input)
            guard let python else { continue }  // Python refused it (an invalid IPv6 authority).
            compared += 1
            let mine = [
                ours.scheme, ours.authority, ours.path, ours.query ?? "\u{0}", ours.fragment ?? "\u{0}",
                String(ours.host),
            ]
            if mine != python, differences.count < 5 { differences.append("\(input): ours \(mine), Python \(python)") }
        }
        return (compared, differences)
    }

    /// Each input's (scheme, netloc, path, query, fragment, host as written) by Python, nil where Python
    /// raises. Through files, not pipes read to their end (see the SigV4 differential test).
    static func pythonSplits(_ inputs: [String]) async throws -> [[String]?] {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("splituri-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let inputFile = directory.appendingPathComponent("in.json")
        let outputFile = directory.appendingPathComponent("out.json")
        try await OffPool.run { try JSONEncoder().encode(inputs).write(to: inputFile) }
        let script = """
            import json, re, sys
            from urllib.parse import urlsplit
            def split(text):
                bare = not re.match(r'^[A-Za-z][A-Za-z0-9+.-]*://', text)
                try:
                    s = urlsplit('//' + text if bare else text, allow_fragments=True)
                    q = s.query if ('?' in text.split('#', 1)[0]) else '\\u0000'
                    f = s.fragment if '#' in text else '\\u0000'
                    return [s.scheme, s.netloc, s.path, q, f, s._hostinfo[0] or '']
                except ValueError:
                    return None
            json.dump([split(t) for t in json.load(open(sys.argv[1]))], open(sys.argv[2], 'w'))
            """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, inputFile.path, outputFile.path]
        try process.run()
        try await OffPool.wait { process.waitUntilExit() }
        #expect(process.terminationStatus == 0, "python3 failed")
        return try await OffPool.run { try JSONDecoder().decode([[String]?].self, from: Data(contentsOf: outputFile)) }
    }
}
