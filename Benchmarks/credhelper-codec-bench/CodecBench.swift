import CredentialProxyHTTP1
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// `credhelper-codec-bench [MESSAGES] [ROUNDS]`: the proxy's HTTP/1.1 codec against llhttp (SwiftNIO's
/// `HTTPRequestDecoder`/`HTTPResponseDecoder`) on the messages the proxy carries — an SDK's Messages
/// request and a gateway's JSON response — one message per read, as on a keep-alive connection.
/// Each side does what the relay needs from a head: ours keeps the header lines as bytes; for llhttp
/// the parsed `HTTPHeaders` are written back as lines. Prints nanoseconds per message, and the
/// ratio llhttp / ours, medians of alternating rounds (docs/proxy.md, "Which parser").
@main
struct CodecBench {
    static let request = """
        POST /v1/messages HTTP/1.1\r
        Host: 127.0.0.1:8787\r
        Accept: application/json\r
        Accept-Encoding: gzip, deflate\r
        Anthropic-Version: 2023-06-01\r
        Content-Type: application/json\r
        User-Agent: Anthropic/Python 0.69.0\r
        X-Stainless-Lang: python\r
        X-Stainless-Package-Version: 0.69.0\r
        X-Stainless-Os: Linux\r
        X-Stainless-Arch: x64\r
        X-Stainless-Runtime: CPython\r
        X-Stainless-Runtime-Version: 3.11.2\r
        X-Stainless-Retry-Count: 0\r
        X-Api-Key: unused\r
        Content-Length: 94\r
        \r
        {"model":"claude-sonnet-4-5","max_tokens":64,"messages":[{"role":"user","content":"Hello!!"}]}
        """
    static let response = """
        HTTP/1.1 200 OK\r
        Date: Wed, 02 Dec 2026 14:00:00 GMT\r
        Content-Type: application/json\r
        Content-Length: 127\r
        Connection: keep-alive\r
        Request-Id: req_011CUgzVvJ4x9Y3n2b8Q7kLm\r
        Anthropic-Organization-Id: 2f1c9a7e-0b7d-4e55-9a55-7d8c1f6b0e21\r
        Via: 1.1 google\r
        Cf-Cache-Status: DYNAMIC\r
        Server: cloudflare\r
        \r
        {"id":"msg_01","type":"message","role":"assistant","content":[{"type":"text","text":"Hi"}],"stop_reason":"end_turn","usage":{}}
        """

    static func main() throws {
        let arguments = CommandLine.arguments
        let messages = arguments.count > 1 ? Int(arguments[1]) ?? 200_000 : 200_000
        let rounds = arguments.count > 2 ? Int(arguments[2]) ?? 5 : 5
        var results: [String: [Double]] = [:]
        for _ in 0..<rounds {
            for (name, run) in [
                ("requests/ours", oursRequests), ("requests/llhttp", llhttpRequests),
                ("responses/ours", oursResponses), ("responses/llhttp", llhttpResponses),
                ("embedded", embeddedOnly),
            ] as [(String, (Int) throws -> Int)] {
                let started = ContinuousClock.now
                let checksum = try run(messages)
                let elapsed = ContinuousClock.now - started
                precondition(checksum == messages, "\(name) framed \(checksum) of \(messages) messages")
                let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
                results[name, default: []].append(seconds * 1e9 / Double(messages))
            }
        }
        func median(_ name: String) -> Double {
            let times = results[name, default: [0]].sorted()
            return times[times.count / 2]
        }
        // What the test channel itself costs per read, without a decoder: not llhttp's cost.
        let embedded = median("embedded")
        print("EmbeddedChannel alone: \(Int(embedded)) ns/read (subtracted from llhttp's figures)")
        var extra = 0.0
        for direction in ["requests", "responses"] {
            let ours = median("\(direction)/ours")
            let llhttp = median("\(direction)/llhttp") - embedded
            extra += llhttp - ours
            print(
                "\(direction): ours \(Int(ours)) ns/message, llhttp \(Int(llhttp)) ns/message, "
                    + "llhttp/ours \((llhttp / ours * 100).rounded() / 100)x")
        }
        print("llhttp costs \(Int(extra)) ns more per proxied request (one request and one response read)")
    }

    // MARK: Ours

    static func oursRequests(_ count: Int) throws -> Int {
        let parser = ClientRequestParser()
        let bytes = ByteBuffer(string: request)
        var out = ByteBuffer()
        var framed = 0
        for _ in 0..<count {
            parser.append(bytes)
            while let event = try parser.next() {
                switch event {
                case .head(let head):
                    out.clear()
                    var lines = head.lines.bytes
                    out.writeBuffer(&lines)
                case .body(let part): out.writeImmutableBuffer(part)
                case .end: framed += 1
                }
            }
        }
        return framed
    }

    static func oursResponses(_ count: Int) throws -> Int {
        let parser = UpstreamResponseParser()
        let bytes = ByteBuffer(string: response)
        var out = ByteBuffer()
        var framed = 0
        for _ in 0..<count {
            parser.expectResponse(isHEAD: false)
            try parser.read(bytes) { event in
                switch event {
                case .head(let head):
                    out.clear()
                    var lines = head.lines.bytes
                    out.writeBuffer(&lines)
                case .body(let part): out.writeImmutableBuffer(part)
                case .end: framed += 1
                }
            }
        }
        return framed
    }

    /// The test channel with no handler: one read in, one out.
    static func embeddedOnly(_ count: Int) throws -> Int {
        let channel = EmbeddedChannel()
        let bytes = ByteBuffer(string: request)
        var read = 0
        for _ in 0..<count {
            try channel.writeInbound(bytes)
            while (try channel.readInbound(as: ByteBuffer.self)) != nil { read += 1 }
        }
        return read
    }

    // MARK: llhttp

    /// Writes `headers` back as header lines, as the relay would to forward them.
    static func write(_ headers: HTTPHeaders, into out: inout ByteBuffer) {
        out.clear()
        for (name, value) in headers {
            out.writeString(name)
            out.writeStaticString(": ")
            out.writeString(value)
            out.writeStaticString("\r\n")
        }
    }

    static func llhttpRequests(_ count: Int) throws -> Int {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        let bytes = ByteBuffer(string: request)
        var out = ByteBuffer()
        var framed = 0
        for _ in 0..<count {
            try channel.writeInbound(bytes)
            while let part = try channel.readInbound(as: HTTPServerRequestPart.self) {
                switch part {
                case .head(let head): write(head.headers, into: &out)
                case .body(let part): out.writeImmutableBuffer(part)
                case .end: framed += 1
                }
            }
        }
        return framed
    }

    static func llhttpResponses(_ count: Int) throws -> Int {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPResponseDecoder()))
        let bytes = ByteBuffer(string: response)
        let get = HTTPClientRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/"))
        var out = ByteBuffer()
        var framed = 0
        for _ in 0..<count {
            try channel.writeOutbound(get)  // the decoder pairs each response with its request
            _ = try channel.readOutbound(as: HTTPClientRequestPart.self)
            try channel.writeInbound(bytes)
            while let part = try channel.readInbound(as: HTTPClientResponsePart.self) {
                switch part {
                case .head(let head): write(head.headers, into: &out)
                case .body(let part): out.writeImmutableBuffer(part)
                case .end: framed += 1
                }
            }
        }
        return framed
    }
}
