import CredentialProxyHTTP1
import NIOCore
import NIOEmbedded
import NIOHTTP1

/// What a parser made of a byte stream: the complete messages in order, then how the stream ended.
/// Two parsers agree on framing when their transcripts agree.
public struct HTTP1Transcript: Equatable, CustomStringConvertible, Sendable {
    public struct Message: Equatable, Sendable {
        /// The method and target of a request, or the status of a response.
        public var start: String
        /// Header names (lowercase) and values (without surrounding blanks), in order.
        public var headers: [String]
        public var body: [UInt8]
    }

    public enum End: Equatable, Sendable {
        /// Every byte was read and nothing is pending.
        case complete
        /// A message had started and is not complete.
        case incomplete
        /// The parser refused the stream; the reason (ours) or llhttp's error.
        case refused(String)
    }

    public var messages: [Message] = []
    public var end = End.complete

    public var description: String {
        messages.map { "\($0.start) \($0.headers) body \($0.body.count) bytes" }.joined(separator: "; ") + " → \(end)"
    }
}

/// Our codec's transcripts, the input fed in the pieces `splits` gives (offsets where a new read starts).
public enum OurHTTP1 {
    /// The codec's limits (``MessageDecoder/Limits``), for tests that set small ones.
    public struct Limits: Sendable {
        let value: MessageDecoder.Limits

        public init(headBytes: Int, headerLines: Int, lineBytes: Int, trailerBytes: Int, trailerLines: Int) {
            value = .init(
                headBytes: headBytes, headerLines: headerLines, lineBytes: lineBytes, trailerBytes: trailerBytes,
                trailerLines: trailerLines)
        }

        init(_ value: MessageDecoder.Limits) { self.value = value }

        public static let standard = Limits(.standard)
    }

    /// `limits`: the codec's limits (the proxy's unless a test sets smaller ones).
    public static func requests(_ bytes: [UInt8], splits: [Int] = [], limits: Limits = .standard) -> HTTP1Transcript {
        let parser = ClientRequestParser(limits: limits.value)
        var transcript = HTTP1Transcript()
        var current: HTTP1Transcript.Message?
        var keepAlive = true
        for piece in pieces(bytes, splits) {
            parser.append(ByteBuffer(bytes: piece))
            do {
                while let event = try parser.next() {
                    switch event {
                    case .head(let request):
                        keepAlive = request.keepAlive
                        let start = String(buffer: request.method) + " " + String(buffer: request.pathAndQuery)
                        current = .init(start: start, headers: headers(request.lines), body: [])
                    case .body(let part): current?.body += Array(part.readableBytesView)
                    case .end:
                        if let done = current { transcript.messages.append(done) }
                        current = nil
                        // The proxy closes the connection after a request that does not keep it
                        // alive: what follows is never read.
                        if !keepAlive { return transcript }
                    }
                }
            } catch {
                transcript.end = .refused(error.problem)
                return transcript
            }
        }
        transcript.end =
            current != nil || !parser.readPosition.atRequestStart || parser.readPosition.hasUnparsedBytes
            ? .incomplete : .complete
        return transcript
    }

    /// `methods`: the request method each response answers (`HEAD` responses have no body).
    public static func responses(
        _ bytes: [UInt8], methods: [String], splits: [Int] = [], limits: Limits = .standard
    ) -> HTTP1Transcript {
        let parser = UpstreamResponseParser(limits: limits.value)
        var transcript = HTTP1Transcript()
        var current: HTTP1Transcript.Message?
        var pending = methods[...]
        if let first = pending.popFirst() { parser.expectResponse(isHEAD: first == "HEAD") }
        var closes = false
        let emit: (UpstreamResponseParser.Event) -> Void = { event in
            switch event {
            case .head(let head):
                closes = head.closes
                current = .init(start: "\(head.status)", headers: headers(head.lines), body: [])
            case .body(let part): current?.body += Array(part.readableBytesView)
            case .end:
                if let done = current { transcript.messages.append(done) }
                current = nil
                // The proxy sends nothing more on a connection whose response ends it.
                if !closes, let next = pending.popFirst() { parser.expectResponse(isHEAD: next == "HEAD") }
            }
        }
        do {
            for piece in pieces(bytes, splits) { try parser.read(ByteBuffer(bytes: piece), emit: emit) }
            parser.connectionClosed(emit: emit)
        } catch {
            transcript.end = .refused(error.description)
            return transcript
        }
        // A response whose head arrived and whose body did not end, or a head still arriving, is incomplete.
        transcript.end = current != nil || parser.hasPartialInput ? .incomplete : .complete
        return transcript
    }

    static func headers(_ lines: HeaderLines) -> [String] {
        var result: [String] = []
        lines.forEach { field, raw in
            let name = String(decoding: raw[field.name], as: UTF8.self).lowercased()
            result.append(name + ": " + String(decoding: raw[field.value], as: UTF8.self))
        }
        return result
    }

    static func pieces(_ bytes: [UInt8], _ splits: [Int]) -> [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var start = 0
        for split in splits.sorted() where split > start && split < bytes.count {
            result.append(bytes[start..<split])
            start = split
        }
        result.append(bytes[start...])
        return result
    }
}

/// llhttp's transcripts, through SwiftNIO's `HTTPRequestDecoder` and `HTTPResponseDecoder`.
public enum LLHTTP {
    public static func requests(_ bytes: [UInt8]) -> HTTP1Transcript {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPRequestDecoder()))
        var failure: (any Error)?
        do { try channel.writeInbound(ByteBuffer(bytes: bytes)) } catch { failure = error }
        return transcript(of: channel, failure: failure) { (part: HTTPServerRequestPart) in
            switch part {
            case .head(let head): .head("\(head.method.rawValue) \(head.uri)", head.headers)
            case .body(let buffer): .body(buffer)
            case .end: .end
            }
        }
    }

    public static func responses(_ bytes: [UInt8], methods: [String]) -> HTTP1Transcript {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(HTTPResponseDecoder()))
        for method in methods {
            let head = HTTPRequestHead(version: .http1_1, method: HTTPMethod(rawValue: method), uri: "/")
            _ = try? channel.writeOutbound(HTTPClientRequestPart.head(head))
        }
        var failure: (any Error)?
        do {
            try channel.writeInbound(ByteBuffer(bytes: bytes))
            channel.pipeline.fireChannelInactive()
        } catch { failure = error }
        return transcript(of: channel, failure: failure) { (part: HTTPClientResponsePart) in
            switch part {
            // Interim responses are skipped, as the proxy does.
            case .head(let head) where head.status.code >= 100 && head.status.code < 200: .skip
            case .head(let head): .head("\(head.status.code)", head.headers)
            case .body(let buffer): .body(buffer)
            case .end: .end
            }
        }
    }

    /// One decoded part, whichever the direction.
    private enum Part {
        case head(String, HTTPHeaders)
        case body(ByteBuffer)
        case end
        case skip
    }

    /// The transcript of what `channel` decoded (parts of type `T`, read through `part`).
    private static func transcript<T>(of channel: EmbeddedChannel, failure: (any Error)?, _ part: (T) -> Part)
        -> HTTP1Transcript
    {
        var transcript = HTTP1Transcript()
        var current: HTTP1Transcript.Message?
        while let decoded = try? channel.readInbound(as: T.self) {
            switch part(decoded) {
            case .head(let start, let fields): current = .init(start: start, headers: headers(fields), body: [])
            case .body(let buffer): current?.body += Array(buffer.readableBytesView)
            case .end:
                if let done = current { transcript.messages.append(done) }
                current = nil
            case .skip: continue
            }
        }
        _ = try? channel.finish()
        if let failure {
            transcript.end = .refused("\(failure)")
        } else {
            transcript.end = current != nil ? .incomplete : .complete
        }
        return transcript
    }

    /// Values without surrounding blanks, as ours reports them (RFC 9110 §5.5: they are not part of
    /// the value; llhttp keeps trailing ones).
    static func headers(_ headers: HTTPHeaders) -> [String] {
        headers.map { header in
            let blank: (Character) -> Bool = { $0 == " " || $0 == "\t" }
            let value = header.value.drop(while: blank).reversed().drop(while: blank).reversed()
            return header.name.lowercased() + ": " + String(value)
        }
    }
}
