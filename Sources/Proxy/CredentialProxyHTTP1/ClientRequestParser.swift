import NIOCore

/// Reads a client connection's HTTP/1.1 requests from its bytes (RFC 9112): each head, checked
/// as ``ClientRequest`` says, then the body as slices of what was read, framed by
/// `Content-Length` or chunked coding. The caller pulls one event at a time, so it can leave a
/// pipelined request unread until the response before it ended. Event-loop bound.
package final class ClientRequestParser {
    package init() {}

    package enum Event {
        case head(ClientRequest)
        case body(ByteBuffer)
        case end
    }

    /// Longest head, and longest chunk-size or trailer line.
    package static let headLimit = 80 * 1024
    package static let lineLimit = 8 * 1024

    private enum State {
        /// `scanned`: how many bytes were already searched for the head's end.
        case head(scanned: Int)
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(read: Int)
        case bodyEnded
    }

    private var state = State.head(scanned: 0)
    private var unparsed = ByteBuffer()

    /// Whether the next event is a request's head (the one before it ended).
    package var atRequestStart: Bool {
        if case .head = state { return true }
        return false
    }

    /// Whether bytes wait to be parsed.
    package var hasUnparsedBytes: Bool { unparsed.readableBytes > 0 }

    /// Bytes read from the connection.
    package func append(_ bytes: ByteBuffer) {
        if unparsed.readableBytes == 0 {
            unparsed = bytes
        } else {
            var bytes = bytes
            unparsed.writeBuffer(&bytes)
        }
    }

    /// The next event; nil until more bytes arrive.
    package func next() throws(ClientRequest.Refusal) -> Event? {
        while true {
            switch state {
            case .head(let scanned):
                guard unparsed.readableBytes > 0, let head = try readHead(scanned: scanned) else { return nil }
                state = Self.bodyState(head.body)
                return .head(head)
            case .body(let remaining):
                guard unparsed.readableBytes > 0 else { return nil }
                let part = take(upTo: remaining)
                state = remaining == part.readableBytes ? .bodyEnded : .body(remaining: remaining - part.readableBytes)
                return .body(part)
            case .chunkSize:
                guard let line = try readLine() else { return nil }
                guard let size = ChunkedCoding.size(line) else {
                    throw .init("a chunk size in the request body that is not hexadecimal")
                }
                state = size == 0 ? .trailers(read: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard unparsed.readableBytes > 0 else { return nil }
                let part = take(upTo: remaining)
                state =
                    remaining == part.readableBytes
                    ? .chunkDataEnd : .chunkData(remaining: remaining - part.readableBytes)
                return .body(part)
            case .chunkDataEnd:
                guard unparsed.readableBytes >= 2 else { return nil }
                guard unparsed.readInteger(as: UInt16.self) == 0x0D0A else {
                    throw .init("a chunk of the request body not ended by CRLF")
                }
                state = .chunkSize
            case .trailers(let read):
                guard let line = try readLine() else { return nil }
                guard line.readableBytes > 0 else {
                    state = .bodyEnded
                    continue
                }
                guard read + line.readableBytes <= Self.headLimit else { throw .init("trailers longer than 80 KiB") }
                if let problem = HeaderLines.lineProblem(line) { throw .init("\(problem) in the trailers") }
                state = .trailers(read: read + line.readableBytes + 2)  // trailers are read and dropped
            case .bodyEnded:
                state = .head(scanned: 0)
                return .end
            }
        }
    }

    private static func bodyState(_ body: ClientRequest.Body) -> State {
        switch body {
        case .none: .bodyEnded
        case .length(let length): .body(remaining: length)
        case .chunked: .chunkSize
        }
    }

    private func take(upTo count: Int) -> ByteBuffer {
        unparsed.readSlice(length: Swift.min(count, unparsed.readableBytes)) ?? ByteBuffer()
    }

    /// The next head, once it has all arrived. Empty lines before it are skipped (RFC 9112 §2.2).
    private func readHead(scanned: Int) throws(ClientRequest.Refusal) -> ClientRequest? {
        var scanned = scanned
        while unparsed.readableBytes >= 2, unparsed.getInteger(at: unparsed.readerIndex, as: UInt16.self) == 0x0D0A {
            unparsed.moveReaderIndex(forwardBy: 2)
            scanned = 0
        }
        let length = unparsed.withUnsafeReadableBytes { raw -> Int? in
            guard let end = HeaderLines.headEnd(in: raw, scanned: scanned) else {
                scanned = raw.count
                return nil
            }
            return end
        }
        guard (length ?? unparsed.readableBytes) <= Self.headLimit else {
            throw .init(.init(statusCode: 431), "a request head longer than 80 KiB")
        }
        guard let length else {
            guard startsLikeRequest() else { throw .init("bytes that are not an HTTP request") }
            state = .head(scanned: scanned)
            return nil
        }
        guard var head = unparsed.readSlice(length: length) else { return nil }
        head.moveWriterIndex(to: head.writerIndex - 2)  // the empty line
        let requestLine = try Self.line(&head)
        return try ClientRequest(line: requestLine, lines: HeaderLines(head))
    }

    /// Whether the bytes of a head still arriving start as a request does: a method (a token),
    /// then a space. Refuses other protocols (a TLS handshake) at once instead of waiting for more.
    private func startsLikeRequest() -> Bool {
        unparsed.withUnsafeReadableBytes { raw in
            guard let stop = raw.firstIndex(where: { !HeaderLines.isTokenByte($0) }) else { return true }
            return (stop > 0 && raw[stop] == 32) || (raw.count == 1 && raw[0] == 13)  // or the CR of a CRLF
        }
    }

    /// The next CRLF-ended line of `buffer` (without its CRLF); nil when there is none.
    private static func line(_ buffer: inout ByteBuffer) throws(ClientRequest.Refusal) -> ByteBuffer {
        let newline = buffer.withUnsafeReadableBytes { raw in raw.firstIndex(of: 10) }
        guard let newline, newline > 0, buffer.getInteger(at: buffer.readerIndex + newline - 1, as: UInt8.self) == 13
        else { throw .init("a line not ended by CRLF") }
        guard let line = buffer.readSlice(length: newline - 1) else { throw .init("a line not ended by CRLF") }
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The next line of the chunked body, once it has all arrived.
    private func readLine() throws(ClientRequest.Refusal) -> ByteBuffer? {
        guard unparsed.withUnsafeReadableBytes({ $0.contains(10) }) else {
            guard unparsed.readableBytes <= Self.lineLimit else {
                throw .init("a chunk-size or trailer line longer than 8 KiB")
            }
            return nil
        }
        return try Self.line(&unparsed)
    }
}
