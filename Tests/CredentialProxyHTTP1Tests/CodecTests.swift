import CredentialProxyHTTP1
import Fuzzing
import NIOCore
import TestSupport
import Testing

/// The proxy's HTTP/1.1 codec without any channel: every stream read the same whether it arrives
/// whole, split at any byte, or one byte at a time; framing that could smuggle a message refused.
@Suite("HTTP/1.1 codec: requests and responses, whole and split at every byte")
struct CodecTests {
    static let requests =
        HTTP1Differential.corpus(.requests) + [
            "GET / HTTP/1.1\r\nHost: a\r\n\r\nGET /2 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n1;a=\"q\\\"x\"\r\nz\r\n0\r\n\r\n",
            "\u{16}\u{3}\u{1}\u{2}\u{0}\u{1}",
        ]
    static let responses =
        HTTP1Differential.corpus(.responses) + [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nuntil the end",
        ]

    @Test("a request stream reads the same split at every byte, and one byte at a time", arguments: requests)
    func requestSplits(stream: String) {
        let bytes = Array(stream.utf8)
        let whole = OurHTTP1.requests(bytes)
        for split in 1..<bytes.count {
            let parts = OurHTTP1.requests(bytes, splits: [split])
            #expect(Self.same(parts, whole), "split at \(split): \(parts) vs \(whole)")
        }
        let trickled = OurHTTP1.requests(bytes, splits: Array(1..<max(bytes.count, 1)))
        #expect(Self.same(trickled, whole), "byte by byte: \(trickled) vs \(whole)")
    }

    @Test("a response stream reads the same split at every byte, and one byte at a time", arguments: responses)
    func responseSplits(stream: String) {
        let bytes = Array(stream.utf8)
        let methods = HTTP1Differential.methods
        let whole = OurHTTP1.responses(bytes, methods: methods)
        for split in 1..<bytes.count {
            let parts = OurHTTP1.responses(bytes, methods: methods, splits: [split])
            #expect(Self.same(parts, whole), "split at \(split): \(parts) vs \(whole)")
        }
        let trickled = OurHTTP1.responses(bytes, methods: methods, splits: Array(1..<max(bytes.count, 1)))
        #expect(Self.same(trickled, whole), "byte by byte: \(trickled) vs \(whole)")
    }

    /// The same messages, and the same kind of end (a refusal may be noticed at another byte).
    static func same(_ one: HTTP1Transcript, _ other: HTTP1Transcript) -> Bool {
        guard one.messages == other.messages else { return false }
        switch (one.end, other.end) {
        case (.refused, .refused): return true
        default: return one.end == other.end
        }
    }

    @Test(
        "request framing that llhttp refuses, or that could hide a second request, is refused",
        arguments: [
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\t\r\n\r\nabc",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding:\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked,\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\t\r\n\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3 ;x=y\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x =y\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;\u{80}=y\r\nabc\r\n0\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n^\r\n\r\n",
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nContent-Length: 5\r\n\r\n",
        ])
    func refusedRequests(stream: String) {
        let transcript = OurHTTP1.requests(Array(stream.utf8))
        guard case .refused = transcript.end else {
            Issue.record("accepted: \(transcript)")
            return
        }
        #expect(transcript.messages.isEmpty)
    }

    @Test(
        "response framing that llhttp refuses, or that could hide another response, is malformed",
        arguments: [
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 100\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
            "HTTP/1.1 304 Not Modified\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\nhello",
            "HTTP/1.1 100 Continue\r\nContent-Length: K0\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 100 Continue\r\n\r\u{1E}\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.0 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nX: 1\r\nbad line\r\n\r\n",
        ])
    func malformedResponses(stream: String) {
        let transcript = OurHTTP1.responses(Array(stream.utf8), methods: ["GET", "GET"])
        guard case .refused = transcript.end else {
            Issue.record("accepted: \(transcript)")
            return
        }
        #expect(transcript.messages.isEmpty)
    }

    @Test("a response to HEAD has no body whatever its Content-Length, for ours and for llhttp alike")
    func headResponses() {
        let stream = Array(
            ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"
                + "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n\r\n").utf8)
        let ours = OurHTTP1.responses(stream, methods: ["HEAD", "GET"])
        let theirs = LLHTTP.responses(stream, methods: ["HEAD", "GET"])
        #expect(ours.messages.count == 2 && ours.messages[0].body.isEmpty && ours.messages[1].body == Array("ok".utf8))
        #expect(ours == theirs, "\(ours) vs \(theirs)")
    }

    @Test("a Connection option naming a framing header does not remove it")
    func connectionCannotDropFraming() throws {
        let parser = UpstreamResponseParser()
        parser.expectResponse(isHEAD: false)
        var head: UpstreamResponseParser.Head?
        try parser.read(
            ByteBuffer(string: "HTTP/1.1 200 OK\r\nConnection: content-length\r\nContent-Length: 2\r\n\r\nok")
        ) {
            if case .head(let received) = $0 { head = received }
        }
        let kept = try #require(head)
        #expect(kept.hasLength)
        #expect(
            !kept.dropped.ranges.contains { range in
                String(buffer: kept.lines.bytes.getSlice(at: range.lowerBound, length: range.count) ?? ByteBuffer())
                    .lowercased().hasPrefix("content-length")
            })
    }

    @Test(
        "a short differential run against llhttp (the long run is in docs/benchmarks.md)",
        arguments: HTTP1Differential.Direction.allCases)
    func differential(direction: HTTP1Differential.Direction) async throws {
        // Seconds of CPU: off the cooperative pool.
        let accepted = try await OffPool.run {
            var run = HTTP1DifferentialRun(direction: direction, seed: 20_261_202)
            try run.run(3000)
            return run.oursAccepted
        }
        #expect(accepted > 300, "too few streams framed alike: \(accepted)")
    }
}
