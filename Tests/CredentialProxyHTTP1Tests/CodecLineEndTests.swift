import CredentialProxyHTTP1
import Fuzzing
import Testing

/// Defect 8 with the proxy's own limits: a response head over 80 KiB, and a bare LF anywhere a
/// line ends, are refused at once, in both directions, however the bytes are split.
@Suite("HTTP/1.1 codec: the 80 KiB head limit and bare LFs, with the proxy's own limits")
struct CodecLineEndTests {
    /// A response whose head is 140 KB: nginx answers 502 "too big header" to it, whatever the reads.
    static let bigResponse = Array(
        ("HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 140_000) + "\r\nContent-Length: 2\r\n\r\nok").utf8
    )

    @Test("a response head of 140 KB is refused whole and in two reads, wherever the second starts")
    func bigResponseHead() {
        let whole = OurHTTP1.responses(Self.bigResponse, methods: ["GET"])
        #expect(Self.isRefused(whole, naming: "longer than 80 KiB"), "whole: \(whole.end)")
        for split in [1, 17, 70_000, 81_919, 81_920, 81_921, 100_000, Self.bigResponse.count - 3] {
            let parts = OurHTTP1.responses(Self.bigResponse, methods: ["GET"], splits: [split])
            #expect(Self.isRefused(parts, naming: "longer than 80 KiB"), "split at \(split): \(parts.end)")
        }
    }

    @Test("a response head just under 80 KiB is relayed, whole and split")
    func responseHeadUnderLimit() {
        let head = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Big: "
        let padding = 80 * 1024 - head.utf8.count - 4
        let bytes = Array((head + String(repeating: "a", count: padding) + "\r\n\r\nok").utf8)
        for splits in [[], [1], [40_000], [bytes.count - 5], [bytes.count - 1]] {
            let transcript = OurHTTP1.responses(bytes, methods: ["GET"], splits: splits)
            #expect(
                transcript.end == .complete && transcript.messages.count == 1, "splits \(splits): \(transcript.end)")
        }
    }

    /// A chunked body of one chunk, then `trailers` (lines with their CRLFs).
    static func chunked(request: Bool, trailers: String) -> [UInt8] {
        let head =
            request
            ? "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        return Array((head + "2\r\nok\r\n0\r\n" + trailers + "\r\n").utf8)
    }

    @Test(
        "trailers are capped alike in both directions: 80 KiB, and 256 lines",
        arguments: [false, true])
    func trailerCaps(request: Bool) {
        func read(_ bytes: [UInt8], _ splits: [Int]) -> HTTP1Transcript {
            request
                ? OurHTTP1.requests(bytes, splits: splits) : OurHTTP1.responses(bytes, methods: ["GET"], splits: splits)
        }
        let line = "T: " + String(repeating: "t", count: 4000) + "\r\n"
        let long = Self.chunked(request: request, trailers: String(repeating: line, count: 21))
        let many = Self.chunked(request: request, trailers: String(repeating: "T: 1\r\n", count: 257))
        let fine = Self.chunked(request: request, trailers: String(repeating: "T: 1\r\n", count: 256))
        for splits in [[], [70], [long.count / 2], [long.count - 3]] {
            let transcript = read(long, splits)
            #expect(
                Self.isRefused(transcript, naming: "trailers longer than 80 KiB"), "84 KB, \(splits): \(transcript.end)"
            )
        }
        for splits in [[], [70], [many.count / 2], [many.count - 3]] {
            let transcript = read(many, splits)
            #expect(
                Self.isRefused(transcript, naming: "more than 256 trailer lines"),
                "257 lines, \(splits): \(transcript.end)")
            let accepted = read(fine, splits)
            #expect(accepted.end == .complete && accepted.messages.count == 1, "256 lines, \(splits): \(accepted.end)")
        }
    }

    @Test("a head with more than 256 header lines is refused in both directions", arguments: [false, true])
    func headerLineCap(request: Bool) {
        let start = request ? "GET / HTTP/1.1\r\nHost: a\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
        let many = Array((start + String(repeating: "X: 1\r\n", count: 256) + "\r\n").utf8)
        let fine = Array((start + String(repeating: "X: 1\r\n", count: 255) + "\r\n").utf8)
        for splits in [[], [10], [many.count / 2], [many.count - 1]] {
            let refused =
                request
                ? OurHTTP1.requests(many, splits: splits) : OurHTTP1.responses(many, methods: ["GET"], splits: splits)
            #expect(
                Self.isRefused(refused, naming: "more than 256 header lines"), "257 lines, \(splits): \(refused.end)")
            let accepted =
                request
                ? OurHTTP1.requests(fine, splits: splits) : OurHTTP1.responses(fine, methods: ["GET"], splits: splits)
            #expect(accepted.end == .complete && accepted.messages.count == 1, "256 lines, \(splits): \(accepted.end)")
        }
    }

    /// Streams with a bare LF (no CR) where a line ends; `response`: which direction.
    static let bareLineFeeds: [(name: String, response: Bool, stream: String)] = [
        ("response head", true, "HTTP/1.1 200 OK\nContent-Length: 2\n\nok"),
        ("response header line", true, "HTTP/1.1 200 OK\r\nContent-Length: 2\nX: y\r\n\r\nok"),
        ("response chunk-size line", true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n"),
        ("response trailer", true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\n\r\n"),
        ("response trailers' end", true, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\n"),
        ("request head", false, "GET / HTTP/1.1\nHost: a\n\n"),
        ("request line", false, "GET / HTTP/1.1\nHost: a\r\n\r\n"),
        (
            "request chunk-size line", false,
            "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n2\nok\r\n0\r\n\r\n"
        ),
        ("request trailer", false, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\n\r\n"),
    ]

    @Test(
        "a bare LF ending a line is refused at once, not waited on, split at every byte",
        arguments: bareLineFeeds.indices)
    func bareLineFeed(index: Int) {
        let (name, response, stream) = Self.bareLineFeeds[index]
        let bytes = Array(stream.utf8)
        func read(_ splits: [Int]) -> HTTP1Transcript {
            response
                ? OurHTTP1.responses(bytes, methods: ["GET"], splits: splits) : OurHTTP1.requests(bytes, splits: splits)
        }
        for split in [0] + Array(1..<bytes.count) {
            let transcript = read(split == 0 ? [] : [split])
            #expect(Self.isRefused(transcript, naming: "bare LF"), "\(name), split at \(split): \(transcript)")
        }
        let trickled = read(Array(1..<bytes.count))
        #expect(Self.isRefused(trickled, naming: "bare LF"), "\(name), byte by byte: \(trickled)")
    }

    static func isRefused(_ transcript: HTTP1Transcript, naming problem: String) -> Bool {
        guard case .refused(let reason) = transcript.end else { return false }
        return transcript.messages.isEmpty && reason.contains(problem)
    }
}
