import Fuzzing
import Testing

/// The codec's limits, set small so that every split point of a message over one can be fed: the
/// same refusal (the same sentence), or the same messages, whole, at each split and byte by byte,
/// for requests and responses alike.
@Suite("HTTP/1.1 codec: every limit gives the same result at every split, in both directions")
struct CodecLimitsTests {
    static let limits = OurHTTP1.Limits(
        headBytes: 200, headerLines: 6, lineBytes: 24, trailerBytes: 60, trailerLines: 3)

    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let request: Bool
        let stream: String
        /// What the refusal names; nil: read whole, as one message.
        let refusal: String?
        var testDescription: String { "\(request ? "request" : "response"): \(name)" }
    }

    static func cases(request: Bool) -> [Case] {
        let head =
            request
            ? "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n"
            : "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        let start = request ? "GET / HTTP/1.1\r\nHost: a\r\n" : "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n"
        let noun = request ? "request" : "response"
        func padded(to length: Int) -> String {
            let prefix = start + "X: "
            return prefix + String(repeating: "p", count: length - prefix.utf8.count - 4) + "\r\n\r\n"
        }
        let cases: [(String, String, String?)] = [
            ("a head of exactly 200 bytes", padded(to: 200), nil),
            ("a head of 201 bytes", padded(to: 201), "a \(noun) head longer than 200 bytes"),
            ("6 header lines", start + String(repeating: "X: 1\r\n", count: 5) + "\r\n", nil),
            (
                "7 header lines", start + String(repeating: "X: 1\r\n", count: 6) + "\r\n",
                "a \(noun) head with more than 6 header lines"
            ),
            (
                "a chunk-size line of 24 bytes", head + "1;" + String(repeating: "e", count: 22) + "\r\nx\r\n0\r\n\r\n",
                nil
            ),
            (
                "a chunk-size line of 25 bytes", head + "1;" + String(repeating: "e", count: 23) + "\r\nx\r\n0\r\n\r\n",
                "a chunk-size line longer than 24 bytes"
            ),
            (
                "3 trailer lines, 60 bytes",
                head + "0\r\n" + String(repeating: "T: 456789012345678\r\n", count: 3) + "\r\n", nil
            ),
            (
                "a trailer line of 25 bytes", head + "0\r\nT: " + String(repeating: "t", count: 22) + "\r\n\r\n",
                "a trailer line longer than 24 bytes"
            ),
            (
                "61 bytes of trailers",
                head + "0\r\n" + String(repeating: "T: 456789012345678\r\n", count: 2)
                    + "T: 4567890123456789\r\n\r\n", "trailers longer than 60 bytes"
            ),
            (
                "4 trailer lines", head + "0\r\n" + String(repeating: "T: 1\r\n", count: 4) + "\r\n",
                "more than 3 trailer lines"
            ),
            ("a bare LF in the head", start + "X: 1\n\r\n", "a line of the \(noun) head ended by a bare LF"),
            ("a bare LF after a chunk", head + "1\r\nx\n0\r\n\r\n", "ended by a bare LF"),
            ("a bare LF past the head limit", padded(to: 201) + "\n", "a \(noun) head longer than 200 bytes"),
        ]
        return cases.map { Case(name: $0.0, request: request, stream: $0.1, refusal: $0.2) }
    }

    @Test(
        "each case reads the same whole, split at every byte and byte by byte",
        arguments: cases(request: true) + cases(request: false))
    func everySplit(_ test: Case) {
        let bytes = Array(test.stream.utf8)
        func read(_ splits: [Int]) -> HTTP1Transcript {
            test.request
                ? OurHTTP1.requests(bytes, splits: splits, limits: Self.limits)
                : OurHTTP1.responses(bytes, methods: ["GET"], splits: splits, limits: Self.limits)
        }
        let whole = read([])
        if let refusal = test.refusal {
            guard case .refused(let reason) = whole.end, reason.contains(refusal), whole.messages.isEmpty else {
                Issue.record("whole: \(whole)")
                return
            }
        } else {
            #expect(whole.end == .complete && whole.messages.count == 1, "whole: \(whole)")
        }
        for split in 1..<bytes.count {
            let parts = read([split])
            #expect(parts == whole, "split at \(split): \(parts) vs \(whole)")
        }
        let trickled = read(Array(1..<bytes.count))
        #expect(trickled == whole, "byte by byte: \(trickled) vs \(whole)")
    }
}
