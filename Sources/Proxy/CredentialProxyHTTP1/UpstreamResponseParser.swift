import NIOCore

/// Reads the upstream's HTTP/1.1 responses from the bytes of its connection (RFC 9112): the head
/// as it arrived (its header lines are forwarded as bytes, not rebuilt as strings), then the body
/// as slices of what was read, framed by `Content-Length`, chunked coding, or the connection's
/// end. Interim (1xx) responses are skipped. Event-loop bound; a class so that a response's end
/// can start the next request on the same connection while the bytes are being read.
package final class UpstreamResponseParser {
    package init() {}

    /// A response's head.
    package struct Head {
        package let status: Int
        /// The reason phrase as sent (may be empty).
        package let reason: ByteBuffer
        package let lines: HeaderLines
        /// The connection ends after this response (`Connection: close`, HTTP/1.0, or a body
        /// delimited by the connection's end).
        package let closes: Bool
        /// The header lines not relayed to the client (hop-by-hop ones, and framing a status
        /// without a body must not carry).
        package let dropped: DroppedLines
        /// Whether a relayed line is `Content-Length`.
        package let hasLength: Bool
    }

    package enum Event {
        case head(Head)
        case body(ByteBuffer)
        case end
    }

    /// The upstream sent something that is not an HTTP/1.1 response.
    package struct Malformed: Error, CustomStringConvertible {
        package let description: String
        package init(_ description: String) {
            self.description = "the upstream sent a malformed response: \(description)"
        }
    }

    /// Longest head, and longest chunk-size or trailer line.
    package static let headLimit = 80 * 1024
    package static let lineLimit = 8 * 1024

    private enum State {
        /// No request is waiting for an answer.
        case idle
        case head
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case untilClose
    }

    private var state = State.idle
    private var answersHEAD = false
    private var leftover: ByteBuffer?

    /// Whether bytes of an unfinished head or line are kept, waiting for the rest.
    package var hasPartialInput: Bool { (leftover?.readableBytes ?? 0) > 0 }

    /// A request went out: its response comes next (`isHEAD`: a response without a body).
    package func expectResponse(isHEAD: Bool) {
        state = .head
        answersHEAD = isHEAD
    }

    /// Reads what arrived, calling `emit` for each part of the response. `emit` may start the next
    /// request (``expectResponse(isHEAD:)``) when it gets ``Event/end``.
    package func read(_ incoming: ByteBuffer, emit: (Event) -> Void) throws(Malformed) {
        var buffer = incoming
        if var earlier = leftover {
            leftover = nil
            earlier.writeImmutableBuffer(incoming)
            buffer = earlier
        }
        while buffer.readableBytes > 0 {
            switch state {
            case .idle:
                throw Malformed("bytes after the end of a response")
            case .head:
                guard let read = try readHead(&buffer) else { return try keep(buffer, limit: Self.headLimit) }
                guard let (head, body) = read else { continue }  // an interim response
                emit(.head(head))
                if let body { state = body } else { finish(emit) }
            case .body(let remaining):
                let part = Self.take(&buffer, upTo: remaining)
                emit(.body(part))
                if remaining == part.readableBytes {
                    finish(emit)
                } else {
                    state = .body(remaining: remaining - part.readableBytes)
                }
            case .chunkSize:
                guard let line = readLine(&buffer) else { return try keep(buffer, limit: Self.lineLimit) }
                guard let size = ChunkedCoding.size(line) else {
                    throw Malformed("a chunk size that is not hexadecimal")
                }
                state = size == 0 ? .trailers : .chunkData(remaining: size)
            case .chunkData(let remaining):
                let part = Self.take(&buffer, upTo: remaining)
                emit(.body(part))
                state =
                    remaining == part.readableBytes
                    ? .chunkDataEnd : .chunkData(remaining: remaining - part.readableBytes)
            case .chunkDataEnd:
                guard buffer.readableBytes >= 2 else { return try keep(buffer, limit: 2) }
                guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw Malformed("a chunk not ended by CRLF")
                }
                state = .chunkSize
            case .trailers:
                guard let line = readLine(&buffer) else { return try keep(buffer, limit: Self.lineLimit) }
                if line.readableBytes == 0 {
                    finish(emit)
                } else if let problem = HeaderLines.lineProblem(line) {
                    throw Malformed("\(problem) in the trailers")
                }
            case .untilClose:
                emit(.body(buffer))
                return
            }
        }
    }

    /// The connection closed: that ends a response whose body runs until then.
    package func connectionClosed(emit: (Event) -> Void) {
        guard case .untilClose = state else { return }
        finish(emit)
    }

    private static func take(_ buffer: inout ByteBuffer, upTo count: Int) -> ByteBuffer {
        buffer.readSlice(length: Swift.min(count, buffer.readableBytes)) ?? ByteBuffer()
    }

    private func finish(_ emit: (Event) -> Void) {
        state = .idle
        emit(.end)
    }

    private func keep(_ buffer: ByteBuffer, limit: Int) throws(Malformed) {
        guard buffer.readableBytes <= limit else { throw Malformed("a head or line longer than \(limit) bytes") }
        leftover = buffer
    }

    /// The next line, without its CRLF; nil until it has all arrived.
    private func readLine(_ buffer: inout ByteBuffer) -> ByteBuffer? {
        let newline = buffer.withUnsafeReadableBytes { raw in raw.firstIndex(of: 10) }
        guard let newline, newline > 0, buffer.getInteger(at: buffer.readerIndex + newline - 1, as: UInt8.self) == 13
        else { return nil }
        let line = buffer.readSlice(length: newline - 1)
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The head and the state its body starts in (nil: no body); nil for an interim response; the
    /// outer nil when the head has not all arrived yet.
    private func readHead(_ buffer: inout ByteBuffer) throws(Malformed) -> (Head, State?)?? {
        let length = buffer.withUnsafeReadableBytes { HeaderLines.headEnd(in: $0) }
        guard let length else { return .none }
        guard var head = buffer.readSlice(length: length),
            let statusLine = readLine(&head)
        else { throw Malformed("no status line") }
        let (minor, status, reason) = try Self.statusLine(statusLine)
        head.moveWriterIndex(to: head.writerIndex - 2)  // the empty line
        let lines = HeaderLines(head)
        if (100..<200).contains(status) {
            guard status != 101 else { throw Malformed("a protocol switch (101), which the proxy does not relay") }
            guard minor == 1 else { throw Malformed("an interim (1xx) response in HTTP/1.0") }
            // An interim head is skipped, but checked as any head is: malformed lines could hide the real one.
            _ = try ResponseFraming(validating: lines, minorVersion: minor, status: status)
            return .some(nil)
        }
        let framing = try ResponseFraming(validating: lines, minorVersion: minor, status: status)
        var body: State?
        if !(answersHEAD || status == 204 || status == 304) {
            switch framing.body {
            case .chunked: body = .chunkSize
            case .length(let length): body = length == 0 ? nil : .body(remaining: length)
            case .untilClose: body = .untilClose
            }
        }
        let closes: Bool
        if case .untilClose = body { closes = true } else { closes = framing.closes }
        let parsed = Head(
            status: status, reason: reason, lines: lines, closes: closes, dropped: framing.dropped,
            hasLength: framing.hasLength)
        return .some((parsed, body))
    }

    /// `HTTP/1.x NNN reason`: the minor version, the status and the reason phrase.
    private static func statusLine(_ line: ByteBuffer) throws(Malformed) -> (Int, Int, ByteBuffer) {
        let parsed = line.withUnsafeReadableBytes { raw -> (Int, Int)? in
            func digit(_ index: Int) -> Int? { raw[index] >= 48 && raw[index] <= 57 ? Int(raw[index] - 48) : nil }
            guard raw.count >= 12, raw[0] == 72, raw[1] == 84, raw[2] == 84, raw[3] == 80, raw[4] == 47, raw[5] == 49,
                raw[6] == 46, raw[8] == 32, raw.count == 12 || raw[12] == 32,  // "HTTP/1.x NNN "
                let minor = digit(7), minor <= 1, let hundreds = digit(9), hundreds >= 1, let tens = digit(10),
                let ones = digit(11)
            else { return nil }
            for index in Swift.min(13, raw.count)..<raw.count where HeaderLines.isControl(raw[index]) { return nil }
            return (minor, hundreds * 100 + tens * 10 + ones)
        }
        guard let (minor, status) = parsed else { throw Malformed("a status line that is not HTTP/1.x NNN") }
        let reason = line.getSlice(at: line.readerIndex + 13, length: Swift.max(0, line.readableBytes - 13))
        return (minor, status, reason ?? ByteBuffer())
    }
}
