import CredentialProxyHTTP1
import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 messages on a connection as bytes: the head, the body framed as the head says
/// (chunked when its length is unknown), and the end. Small parts are gathered into one buffer
/// that leaves on ``flush()`` or ``end()``, so a small message is one write and one system
/// call; large body parts are written as they are, without a copy. Event-loop bound.
///
/// Used for the responses to clients and the requests to the upstream, in place of NIO's
/// encoders, which write each part through the pipeline on its own.
final class HTTPMessageWriter {
    /// How the body of the message being written is delimited.
    enum Framing {
        /// The head carries `Content-Length`: the body goes as it is.
        case length
        /// `Transfer-Encoding: chunked`: each body part goes as a chunk.
        case chunked
        /// No body: a response to `HEAD`, or a status that has none (1xx, 204, 304).
        case bodyless
        /// The end of the connection ends the body (a response to an HTTP/1.0 client, of unknown length).
        case connectionEnd
    }

    /// Body parts at least this large are written as they are instead of copied into the gathered buffer.
    static let copyLimit = 8 * 1024

    private let context: ChannelHandlerContext
    private var gathered: ByteBuffer?
    private var framing = Framing.length

    /// - Parameter context: where the bytes are written (they go to the handlers before it, towards the socket).
    init(context: ChannelHandlerContext) { self.context = context }

    /// Starts a message: its head, encoded, and how its body is delimited. The head leaves with the
    /// first ``flush()`` (or ``end()``).
    func head(_ encoded: ByteBuffer, framing: Framing) {
        self.framing = framing
        gathered = encoded
    }

    /// A part of the body.
    func body(_ part: ByteBuffer) {
        guard part.readableBytes > 0 else { return }  // an empty chunk would end a chunked body
        switch framing {
        case .bodyless:
            return
        case .chunked:
            gather(String(part.readableBytes, radix: 16) + "\r\n")
            append(part)
            gather("\r\n")
        case .length, .connectionEnd:
            append(part)
        }
    }

    /// Ends the message and sends what is gathered.
    func end() {
        if framing == .chunked { gather("0\r\n\r\n") }
        flush()
    }

    /// Calls `body` once everything written so far left (or failed to).
    func whenWritten(_ body: @escaping () -> Void) {
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(
            NIOAny(IOData.byteBuffer(context.channel.allocator.buffer(capacity: 0))), promise: written)
        written.futureResult.assumeIsolated().whenComplete { _ in body() }
    }

    /// Sends what is gathered so far.
    func flush() {
        if let buffer = gathered {
            gathered = nil
            context.writeAndFlush(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
        } else {
            context.flush()
        }
    }

    private func append(_ part: ByteBuffer) {
        if part.readableBytes < Self.copyLimit {
            var part = part
            gathering(part.readableBytes) { $0.writeBuffer(&part) }
        } else {
            writeGathered()
            context.write(NIOAny(IOData.byteBuffer(part)), promise: nil)
        }
    }

    private func gather(_ text: String) {
        gathering(text.utf8.count) { $0.writeString(text) }
    }

    private func gathering(_ count: Int, _ write: (inout ByteBuffer) -> Void) {
        var buffer = gathered ?? context.channel.allocator.buffer(capacity: Swift.max(count, 256))
        gathered = nil  // the buffer stays uniquely referenced: written in place
        write(&buffer)
        gathered = buffer
    }

    private func writeGathered() {
        guard let buffer = gathered else { return }
        gathered = nil
        context.write(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
    }
}

extension HTTPMessageWriter {
    /// Starts the response to `request`, framing its body as RFC 9112 §6 says: none for `HEAD` or
    /// a status without one, as it is with a `Content-Length`, chunked for an HTTP/1.1 client
    /// otherwise, and ended by closing the connection for an HTTP/1.0 one.
    ///
    /// - Parameters:
    ///   - reason: the reason phrase the upstream sent (default: the standard one).
    ///   - lines: the header lines, copied as they are but for the `dropped` ones.
    ///   - hasLength: whether a line that is not dropped is `Content-Length`.
    ///   - closing: the connection closes after this response even if the client keeps it alive.
    func response(
        _ status: HTTPResponseStatus, reason: ByteBuffer? = nil, lines: HeaderLines, dropped: DroppedLines,
        hasLength: Bool, to request: ClientRequest, closing: Bool = false
    ) {
        let http11 = request.minorVersion == 1
        let framing: Framing
        if !status.mayHaveResponseBody || request.isHEAD {
            framing = .bodyless  // a HEAD response's Content-Length is the one a GET would have had
        } else if hasLength {
            framing = .length
        } else if http11 {
            framing = .chunked
        } else {
            framing = .connectionEnd
        }
        let phrase = reason == nil ? status.reasonPhrase : ""
        // Besides the phrase and the lines: status line (15), framing (28), connection (24) and the empty line.
        let capacity = 80 + (reason?.readableBytes ?? phrase.utf8.count) + lines.bytes.readableBytes
        var buffer = context.channel.allocator.buffer(capacity: capacity)
        buffer.writeHead(capacity: capacity) { head in
            head.append(http11 ? "HTTP/1.1 " : "HTTP/1.0 ")
            head.append(decimal: Int(status.code))
            head.append(" ")
            if let reason { head.append(reason) } else { head.append(phrase) }
            head.append("\r\n")
            dropped.write(lines, into: &head)
            if framing == .chunked { head.append("transfer-encoding: chunked\r\n") }
            if !request.keepAlive || closing || framing == .connectionEnd {
                head.append("connection: close\r\n")
            } else if !http11 {
                head.append("connection: keep-alive\r\n")  // an HTTP/1.0 client assumes close otherwise
            }
            head.append("\r\n")
        }
        self.head(buffer, framing: framing)
    }

    /// Starts a response of the proxy's own to `request`.
    func response(_ local: LocalResponse, to request: ClientRequest, closing: Bool = false) {
        // Every local response has a Content-Length (LocalResponse writes one).
        response(
            local.status, lines: HeaderLines(local.headerLines), dropped: DroppedLines(), hasLength: true, to: request,
            closing: closing)
        body(local.body)
    }

    /// Tells a client that waits before sending its request body to send it (`100 Continue`).
    func continue100() {
        var buffer = context.channel.allocator.buffer(capacity: 32)
        buffer.writeStaticString("HTTP/1.1 100 Continue\r\n\r\n")
        head(buffer, framing: .bodyless)
        flush()
    }

    /// Whether the connection must close after the message being written (its body ends with it).
    var closesConnection: Bool { framing == .connectionEnd }
}
