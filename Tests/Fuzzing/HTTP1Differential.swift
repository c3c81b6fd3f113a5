/// Differential fuzzing of the proxy's HTTP/1.1 codec against llhttp (through SwiftNIO): the same
/// random and mutated byte streams go to both, and wherever ours accepts, llhttp must frame the
/// stream the same way — the same messages (request line or status, header list, body bytes) in
/// the same order, so the next message starts at the same byte. Ours may refuse more: it is
/// stricter on purpose (docs/proxy.md, "Requests it refuses").
public enum HTTP1Differential {
    public enum Direction: String, Sendable, CaseIterable {
        case requests, responses
    }

    /// Where the two disagree in a way that matters, or nil. `lenient` reports the one allowed
    /// difference: ours accepted a method or target that llhttp's fixed lists refuse (RFC 9110
    /// allows any token as a method, and the target is forwarded as it came).
    public static func compare(ours: HTTP1Transcript, llhttp: HTTP1Transcript) -> (finding: String?, lenient: Bool) {
        for (index, message) in ours.messages.enumerated() {
            guard index < llhttp.messages.count else {
                if case .refused(let reason) = llhttp.end, index == llhttp.messages.count, isLexical(reason) {
                    return (nil, true)
                }
                return ("ours framed message \(index + 1) that llhttp did not (\(llhttp.end))", false)
            }
            let theirs = llhttp.messages[index]
            if normalized(message.start) != normalized(theirs.start) {
                return ("message \(index + 1): ours read \"\(message.start)\", llhttp \"\(theirs.start)\"", false)
            }
            if message.headers != theirs.headers {
                return ("message \(index + 1): header lists differ: \(message.headers) vs \(theirs.headers)", false)
            }
            if message.body != theirs.body {
                return (
                    "message \(index + 1): bodies differ (\(message.body.count) vs \(theirs.body.count) bytes)", false
                )
            }
        }
        if case .refused = ours.end {
            // Ours stopped; llhttp must not have read further messages as part of what ours accepted.
            return (nil, false)
        }
        // Ours read the whole stream: llhttp must not have found more messages in it. (When ours is
        // still waiting for the rest of a message, it has accepted nothing more: not a disagreement.)
        if ours.end == .complete, llhttp.messages.count > ours.messages.count {
            return ("llhttp framed \(llhttp.messages.count) messages, ours \(ours.messages.count)", false)
        }
        if case .refused(let reason) = llhttp.end, llhttp.messages.count == ours.messages.count {
            if isLexical(reason) { return (nil, true) }
            // Bytes after a message that closes the connection: neither side reads them.
            if reason.contains("after completed connection: close") { return (nil, false) }
            // llhttp refused bytes after the last message ours completed: ours must not accept them either.
            if ours.end == .incomplete { return (nil, false) }
            return ("ours accepted what llhttp refused: \(reason)", false)
        }
        return (nil, false)
    }

    /// llhttp errors about which characters a method or target may hold, not about framing.
    static func isLexical(_ reason: String) -> Bool {
        ["invalid HTTP method", "invalid URL", "invalid path", "invalid query string", "invalid fragment"]
            .contains { reason.contains($0) }
    }

    /// An absolute-form target as its path and query (the proxy forwards it so).
    static func normalized(_ start: String) -> String {
        guard let space = start.firstIndex(of: " ") else { return start }
        let method = start[..<space]
        let target = start[start.index(after: space)...]
        guard target.lowercased().hasPrefix("http://") || target.lowercased().hasPrefix("https://"),
            let scheme = target.firstRange(of: "://")
        else { return start }
        let rest = target[scheme.upperBound...]
        let path = rest.drop { $0 != "/" && $0 != "?" }
        return method + " " + (path.hasPrefix("?") ? "/" + path : path.isEmpty ? "/" : String(path))
    }

    /// Streams to start from: pipelined messages with every framing, and some that must be refused.
    public static func corpus(_ direction: Direction) -> [String] {
        switch direction {
        case .requests:
            [
                "GET / HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /v1/messages HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Type: application/json\r\n\r\nhello"
                    + "GET /next HTTP/1.1\r\nHost: a\r\n\r\n",
                "POST /e HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n2\r\nde\r\n0\r\nT: 1\r\n\r\n"
                    + "GET /after HTTP/1.1\r\nHost: a\r\n\r\n",
                "\r\nGET http://h.example/p?q=1 HTTP/1.1\r\nHost: h.example\r\nX-A: 1\r\nx-a: 2\r\n\r\n",
                "PUT /x HTTP/1.0\r\nContent-Length: 3\r\n\r\nabcHEAD /h HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd",
            ]
        case .responses:
            [
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 204 No Content\r\n\r\n",
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;e=1\r\nhello\r\n0\r\nX-T: t\r\n\r\n"
                    + "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
                "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: a\n\ndata: b\n\n",
                "HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n",
                "HTTP/1.0 200 OK\r\nContent-Length: 3\r\n\r\nabc",
                "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3\r\n\r\nabc",
            ]
        }
    }

    /// Fragments worth inserting.
    public static let dictionary = [
        "\r\n", "\r\n\r\n", "\n", "\r", ": ", " ", "\t", "Content-Length: ", "Transfer-Encoding: ", "chunked",
        "identity", "gzip, chunked", "Connection: close", "Connection: keep-alive", "Host: a\r\n", "0\r\n\r\n",
        ";ext=\"v\"", "HTTP/1.1", "HTTP/1.0", "HTTP/2.0", "GET ", "HEAD ", "POST ", "-1", "+5", "0x5", "0005",
        "ffffffffffffffffffff", "99999999999999999999", "\u{0}", "\u{7F}", "\u{80}", "\u{FF}", " \r\n", "\r\n ",
        "Expect: 100-continue\r\n", "Upgrade: h2c\r\n",
    ]

    /// The request methods the responses of a stream answer: GET for each (HEAD responses are
    /// covered by the codec's unit tests, since a mutated stream cannot say which request it answers).
    public static let methods = Array(repeating: "GET", count: 8)
}

/// Runs the differential comparison on seeded mutated streams, split at random points for our
/// codec (llhttp gets each stream whole).
public struct HTTP1DifferentialRun: Sendable {
    public let direction: HTTP1Differential.Direction
    public let seed: UInt64
    public private(set) var inputs = 0
    public private(set) var oursAccepted = 0
    public private(set) var bothRefused = 0
    public private(set) var oursStricter = 0
    public private(set) var lenient = 0

    public init(direction: HTTP1Differential.Direction, seed: UInt64) {
        self.direction = direction
        self.seed = seed
    }

    public mutating func run(_ count: Int) throws(FuzzFinding) {
        var mutator = Mutator(
            seed: seed, corpus: HTTP1Differential.corpus(direction), dictionary: HTTP1Differential.dictionary)
        for _ in 0..<count {
            let input = mutator.input()
            inputs += 1
            let split = [mutator.below(input.count + 1), mutator.below(input.count + 1)]
            let ours: HTTP1Transcript
            let theirs: HTTP1Transcript
            switch direction {
            case .requests:
                ours = OurHTTP1.requests(input, splits: split)
                theirs = LLHTTP.requests(input)
            case .responses:
                let methods = HTTP1Differential.methods
                ours = OurHTTP1.responses(input, methods: methods, splits: split)
                theirs = LLHTTP.responses(input, methods: methods)
            }
            let (finding, wasLenient) = HTTP1Differential.compare(ours: ours, llhttp: theirs)
            if let finding {
                let text = String(decoding: input.prefix(400), as: UTF8.self).debugDescription
                throw FuzzFinding(
                    "\(direction.rawValue), seed \(seed), input \(inputs): \(finding)\n  input: \(text)\n  ours: \(ours)\n  llhttp: \(theirs)"
                )
            }
            if wasLenient { lenient += 1 }
            switch (ours.end, theirs.end) {
            case (.refused, .refused): bothRefused += 1
            case (.refused, _): oursStricter += 1
            default: oursAccepted += 1
            }
        }
    }
}
