import NIOCore
import NIOEmbedded
import NIOHTTP1
import TestSupport
import Testing

/// The proxy's bytes on one raw connection, read by a parser that is not the proxy's: llhttp, through
/// SwiftNIO's `HTTPResponseDecoder`.
extension ProxyTests {
    /// One response as llhttp read it.
    struct RawResponse {
        let version: String
        let status: Int
        /// Lowercase names; the last value of a repeated name.
        let headers: [String: String]
        /// Latin-1 text.
        let body: String
    }

    struct RawExchange {
        let responses: [RawResponse]
        /// Every byte read, as Latin-1 text (llhttp does not report reason phrases).
        let raw: String
        /// What came after the expected responses — more responses, or bytes llhttp cannot read —
        /// described; empty when the framing was right.
        let rest: String
    }

    /// Sends `requests` (Latin-1) on one connection, reads until the proxy closes it, and reads one
    /// response per method in `methods` (a response to `HEAD` has no body).
    static func rawExchange(port: Int, _ requests: String, methods: [String]) throws -> RawExchange {
        let client = try RawClient(port: port, timeout: 20)
        client.send(requests)
        let bytes = client.readToEnd().unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        return responses(in: bytes, methods: methods)
    }

    /// The responses in `bytes`, answering `methods` in order; anything further goes to `rest`.
    static func responses(in bytes: [UInt8], methods: [String]) -> RawExchange {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPResponseDecoder()))
        // Spare requests let llhttp read responses nobody asked for, so they show up in `rest`.
        for method in methods + ["GET", "GET", "GET"] {
            let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: "/")
            _ = try? channel.writeOutbound(HTTPClientRequestPart.head(head))
        }
        var failure: (any Error)?
        do {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            channel.pipeline.fireChannelInactive()  // ends a body delimited by the connection's end
        } catch {
            failure = error
        }
        var responses: [RawResponse] = []
        var head: HTTPResponseHead?
        var body: [UInt8] = []
        while let part = try? channel.readInbound(as: HTTPClientResponsePart.self) {
            switch part {
            case .head(let next):
                head = next
                body = []
            case .body(let buffer): body += buffer.readableBytesView
            case .end:
                guard let done = head else { continue }
                var headers: [String: String] = [:]
                for (name, value) in done.headers { headers[name.lowercased()] = value }
                responses.append(
                    RawResponse(
                        version: "HTTP/\(done.version.major).\(done.version.minor)", status: Int(done.status.code),
                        headers: headers, body: latin1(body)))
                head = nil
            }
        }
        _ = try? channel.finish()
        var rest = responses.dropFirst(methods.count).map { "HTTP \($0.status) \($0.body)" }.joined(separator: "\n")
        if head != nil { rest += "\nan unfinished response" }
        if let failure, responses.count >= methods.count { rest += "\nbytes llhttp cannot read: \(failure)" }
        return RawExchange(responses: Array(responses.prefix(methods.count)), raw: latin1(bytes), rest: rest)
    }

    static func latin1(_ bytes: [UInt8]) -> String { String(bytes.map { Character(Unicode.Scalar($0)) }) }
}

/// The oracle itself: what it reports must be able to fail the tests that use it.
@Suite struct RawExchangeTests {
    @Test func anExtraResponseOrUnreadableBytesAfterTheExpectedOnesAreReported() {
        let one = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
        let exact = ProxyTests.responses(in: Array(one.utf8), methods: ["GET"])
        #expect(exact.responses.map(\.body) == ["ok"] && exact.rest.isEmpty)
        let extra = ProxyTests.responses(in: Array((one + one).utf8), methods: ["GET"])
        #expect(extra.responses.count == 1 && extra.rest.contains("HTTP 200 ok"))
        let garbage = ProxyTests.responses(in: Array((one + "\u{16}\u{03}").utf8), methods: ["GET"])
        #expect(garbage.rest.contains("cannot read"))
        let head = ProxyTests.responses(
            in: Array("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8), methods: ["HEAD"])
        #expect(!head.rest.isEmpty, "a body after a response to HEAD went unnoticed")
    }
}
