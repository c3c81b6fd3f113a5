import NIOCore
import NIOHTTP1

/// Writes HTTP/1.1 messages on a connection as bytes: the head, the body framed as the head says
/// (chunked when its length is unknown), and the end. Small parts are gathered into one buffer
/// that leaves on ``flush()`` or ``end(promise:)``, so a small message is one write and one system
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
    private(set) var framing = Framing.length

    /// - Parameter context: where the bytes are written (they go to the handlers before it, towards the socket).
    init(context: ChannelHandlerContext) { self.context = context }

    /// Starts a message: its start line (without the line end), its headers, and how its body is delimited.
    func head(startLine: String, headers: HTTPHeaders, framing: Framing) {
        self.framing = framing
        var buffer = context.channel.allocator.buffer(capacity: 512)
        buffer.writeString(startLine)
        buffer.writeStaticString("\r\n")
        for (name, value) in headers {
            buffer.writeString(name)
            buffer.writeStaticString(": ")
            buffer.writeString(value)
            buffer.writeStaticString("\r\n")
        }
        buffer.writeStaticString("\r\n")
        gathered = buffer
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

    /// Ends the message and sends what is gathered; `promise` completes once it is written.
    func end(promise: EventLoopPromise<Void>?) {
        if case .chunked = framing { gather("0\r\n\r\n") }
        let buffer = gathered ?? context.channel.allocator.buffer(capacity: 0)
        gathered = nil
        context.write(NIOAny(IOData.byteBuffer(buffer)), promise: promise)
        context.flush()
    }

    /// Sends what is gathered so far.
    func flush() {
        writeGathered()
        context.flush()
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
    /// Starts the response to a request made with `method`, framing its body as RFC 9112 §6 says.
    func response(_ head: HTTPResponseHead, to method: HTTPMethod) {
        var headers = head.headers
        let framing: Framing
        if !head.status.mayHaveResponseBody {
            headers.remove(name: "content-length")
            headers.remove(name: "transfer-encoding")
            framing = .bodyless
        } else if method == .HEAD {
            framing = .bodyless  // its Content-Length is the one a GET would have had
        } else if headers.contains(name: "content-length") {
            framing = .length
        } else if head.version.major == 1 && head.version.minor >= 1 {
            headers.add(name: "transfer-encoding", value: "chunked")
            framing = .chunked
        } else {
            headers.replaceOrAdd(name: "connection", value: "close")
            framing = .connectionEnd
        }
        self.head(
            startLine:
                "HTTP/\(head.version.major).\(head.version.minor) \(head.status.code) \(head.status.reasonPhrase)",
            headers: headers, framing: framing)
    }

    /// Starts an HTTP/1.1 request; its headers already say how its body is framed (``ForwardedBody/frame(_:method:)``).
    func request(_ head: HTTPRequestHead) {
        let chunked = head.headers.contains(name: "transfer-encoding")
        self.head(
            startLine: "\(head.method.rawValue) \(head.uri) HTTP/1.1", headers: head.headers,
            framing: chunked ? .chunked : .length)
    }

    /// Whether the connection must close after the message being written (its body ends with it).
    var closesConnection: Bool {
        if case .connectionEnd = framing { return true }
        return false
    }
}
