import NIOCore

/// Reads the upstream's HTTP/1.1 responses from the bytes of its connection (RFC 9112): the head
/// as it arrived (its header lines are forwarded as bytes, not rebuilt as strings), then the body
/// as slices of what was read, framed by the ``MessageDecoder`` the client's requests are framed
/// by (`Content-Length`, chunked coding, or the connection's end), within the same limits.
/// Interim (1xx) responses are skipped. Event-loop bound; a class so that a response's end
/// can start the next request on the same connection while the bytes are being read.
package final class UpstreamResponseParser {
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

    private var decoder: MessageDecoder
    /// Whether a request waits for its response.
    private var awaiting = false
    private var answersHEAD = false
    /// Whether the head just read is an interim (1xx) one, skipped with its (empty) body.
    private var interim = false

    package init(limits: MessageDecoder.Limits = .standard) {
        decoder = MessageDecoder(.response, limits: limits)
    }

    /// Whether bytes of an unfinished head or line are kept, waiting for the rest.
    package var hasPartialInput: Bool { decoder.hasUnparsedBytes }

    /// Whether the response's trailers are being read (its body's last chunk came, their end did not).
    package var readingTrailers: Bool { decoder.readingTrailers }

    /// A request went out: its response comes next (`isHEAD`: a response without a body).
    package func expectResponse(isHEAD: Bool) {
        awaiting = true
        answersHEAD = isHEAD
    }

    /// Reads what arrived, calling `emit` for each part of the response. `emit` may start the next
    /// request (``expectResponse(isHEAD:)``) when it gets ``Event/end``.
    package func read(_ incoming: ByteBuffer, emit: (Event) -> Void) throws(Malformed) {
        decoder.append(incoming)
        while true {
            if !awaiting {
                let position = decoder.position
                if position.atHead {
                    if position.hasUnparsedBytes { throw Malformed("bytes after the end of a response") }
                    return
                }
            }
            let event: MessageDecoder.Event?
            do { event = try decoder.next() } catch { throw Malformed(error.problem) }
            switch event {
            case .head(let startLine, let lines):
                guard let (head, body) = try readHead(startLine, lines) else {
                    interim = true
                    decoder.startBody(.none)
                    continue
                }
                decoder.startBody(body)
                emit(.head(head))
            case .body(let part):
                emit(.body(part))
            case .end:
                guard !interim else {
                    interim = false
                    continue
                }
                awaiting = false
                emit(.end)
            case nil:
                return
            }
        }
    }

    /// The connection closed: that ends a response whose body runs until then.
    package func connectionClosed(emit: (Event) -> Void) {
        guard decoder.connectionClosed() else { return }
        awaiting = false
        emit(.end)
    }

    /// The head and how its body is delimited; nil for an interim response.
    private func readHead(_ statusLine: ByteBuffer, _ lines: HeaderLines) throws(Malformed)
        -> (Head, MessageDecoder.Body)?
    {
        let (minor, status, reason) = try Self.statusLine(statusLine)
        if (100..<200).contains(status) {
            guard status != 101 else { throw Malformed("a protocol switch (101), which the proxy does not relay") }
            guard minor == 1 else { throw Malformed("an interim (1xx) response in HTTP/1.0") }
            // An interim head is skipped, but checked as any head is: malformed lines could hide the real one.
            _ = try ResponseFraming(validating: lines, minorVersion: minor, status: status)
            return nil
        }
        let framing = try ResponseFraming(validating: lines, minorVersion: minor, status: status)
        var body = MessageDecoder.Body.none
        if !(answersHEAD || status == 204 || status == 304) {
            switch framing.body {
            case .chunked: body = .chunked
            case .length(let length): body = .length(length)
            case .untilClose: body = .untilClose
            }
        }
        let parsed = Head(
            status: status, reason: reason, lines: lines, closes: body == .untilClose || framing.closes,
            dropped: framing.dropped, hasLength: framing.hasLength)
        return (parsed, body)
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
