import NIOCore

/// Frames the HTTP/1.1 messages of one byte stream (RFC 9112), requests and responses alike, as
/// NIOHTTP1 shares one decoder between them: finds each head within ``Limits``, then delimits the
/// body the caller reads from that head (``startBody(_:)``) — by `Content-Length`, chunked coding
/// (its size lines and trailers within the same limits), or the connection's end. Every line must
/// end in CRLF: a bare LF is refused as soon as it arrives, wherever it is. A message over a limit
/// is refused however its bytes are split across reads: each check depends on the bytes alone.
package struct MessageDecoder {
    /// The sizes a message is held to, in both directions.
    package struct Limits: Sendable, Equatable {
        /// Longest head: the start line, the header lines and the empty line, with their CRLFs.
        package var headBytes: Int
        /// Most header lines in a head (not counting the start line).
        package var headerLines: Int
        /// Longest chunk-size or trailer line, without its CRLF.
        package var lineBytes: Int
        /// Most bytes of trailer lines (with their CRLFs), and most trailer lines, in one message.
        package var trailerBytes: Int
        package var trailerLines: Int

        package init(headBytes: Int, headerLines: Int, lineBytes: Int, trailerBytes: Int, trailerLines: Int) {
            self.headBytes = headBytes
            self.headerLines = headerLines
            self.lineBytes = lineBytes
            self.trailerBytes = trailerBytes
            self.trailerLines = trailerLines
        }

        /// The proxy's limits: 80 KiB heads of at most 256 header lines, 8 KiB chunk-size and
        /// trailer lines, 80 KiB and 256 lines of trailers.
        package static let standard = Limits(
            headBytes: 80 * 1024, headerLines: 256, lineBytes: 8 * 1024, trailerBytes: 80 * 1024, trailerLines: 256)
    }

    /// Which messages the stream carries.
    package enum Kind: String, Sendable {
        /// Requests; empty lines before a request line are skipped (RFC 9112 §2.2).
        case request
        case response
    }

    /// How the body after a head is delimited (RFC 9112 §6.3).
    package enum Body: Equatable, Sendable { case none, length(Int), chunked, untilClose }

    package enum Event {
        /// A whole head: its start line and its header lines, without CRLFs around them.
        case head(startLine: ByteBuffer, lines: HeaderLines)
        case body(ByteBuffer)
        case end
    }

    /// Why the stream is not HTTP/1.1 framed as the limits allow.
    package struct Failure: Error, Sendable {
        package enum Code: Sendable {
            case headTooLarge, tooManyHeaderLines, bareLineFeed, lineTooLong, chunkSize, chunkEnd
            case trailersTooLarge, tooManyTrailerLines, trailerLine
        }

        package let code: Code
        /// What was wrong, as a phrase ("a response head longer than 80 KiB").
        package let problem: String

        init(_ code: Code, _ problem: String) {
            self.code = code
            self.problem = problem
        }
    }

    private enum State {
        /// `scanned`: bytes already searched for the head's end; `lines`: the line ends among them.
        case head(scanned: Int, lines: Int)
        /// The head was returned; waiting for ``startBody(_:)``.
        case framing
        case body(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers(bytes: Int, lines: Int)
        case untilClose
        /// The body ended: the next event is ``Event/end``.
        case ended
    }

    private let kind: Kind
    private let limits: Limits
    private var state = State.head(scanned: 0, lines: 0)
    private var unparsed = ByteBuffer()

    package init(_ kind: Kind, limits: Limits) {
        self.kind = kind
        self.limits = limits
    }

    /// Whether the next event is a head (the message before it ended).
    package var atHead: Bool {
        if case .head = state { return true }
        return false
    }

    /// Whether the decoder is inside a chunked body's trailers.
    package var readingTrailers: Bool {
        if case .trailers = state { return true }
        return false
    }

    /// Whether bytes wait to be parsed.
    package var hasUnparsedBytes: Bool { unparsed.readableBytes > 0 }

    /// ``atHead`` and ``hasUnparsedBytes`` at once (one access to a decoder stored in a class, not two).
    package var position: (atHead: Bool, hasUnparsedBytes: Bool) { (atHead, hasUnparsedBytes) }

    /// The bytes not parsed yet (for a caller that checks how a head still arriving starts).
    package var pending: ByteBuffer { unparsed }

    /// Bytes read from the connection.
    package mutating func append(_ bytes: ByteBuffer) {
        if unparsed.readableBytes == 0 {
            unparsed = bytes
        } else {
            unparsed.writeImmutableBuffer(bytes)
        }
    }

    /// How the body of the head just returned is delimited.
    package mutating func startBody(_ body: Body) {
        switch body {
        case .none, .length(0): state = .ended
        case .length(let length): state = .body(remaining: length)
        case .chunked: state = .chunkSize
        case .untilClose: state = .untilClose
        }
    }

    /// The connection ended; true when that ends a body delimited by it (the message is complete).
    package mutating func connectionClosed() -> Bool {
        guard case .untilClose = state else { return false }
        state = .head(scanned: 0, lines: 0)
        return true
    }

    /// The next event; nil until more bytes arrive (or, after a head, until ``startBody(_:)``).
    package mutating func next() throws(Failure) -> Event? {
        while true {
            switch state {
            case .head(let scanned, let lines):
                return try readHead(scanned: scanned, lines: lines)
            case .framing:
                return nil
            case .body(let remaining):
                guard unparsed.readableBytes > 0 else { return nil }
                let part = take(upTo: remaining)
                state = remaining == part.readableBytes ? .ended : .body(remaining: remaining - part.readableBytes)
                return .body(part)
            case .chunkSize:
                guard let line = try readLine("a chunk-size line") else { return nil }
                guard let size = ChunkedCoding.size(line) else {
                    throw Failure(.chunkSize, "a chunk size in the \(kind.rawValue) body that is not hexadecimal")
                }
                state = size == 0 ? .trailers(bytes: 0, lines: 0) : .chunkData(remaining: size)
            case .chunkData(let remaining):
                guard unparsed.readableBytes > 0 else { return nil }
                let part = take(upTo: remaining)
                state =
                    remaining == part.readableBytes
                    ? .chunkDataEnd : .chunkData(remaining: remaining - part.readableBytes)
                return .body(part)
            case .chunkDataEnd:
                try readChunkEnd()
                guard case .chunkSize = state else { return nil }
            case .trailers(let bytes, let lines):
                guard let line = try readLine("a trailer line") else { return nil }
                try readTrailer(line, bytes: bytes, lines: lines)
            case .untilClose:
                guard unparsed.readableBytes > 0 else { return nil }
                return .body(take(upTo: unparsed.readableBytes))
            case .ended:
                state = .head(scanned: 0, lines: 0)
                return .end
            }
        }
    }

    // MARK: Heads

    private mutating func readHead(scanned: Int, lines: Int) throws(Failure) -> Event? {
        var scanned = scanned
        var lines = lines
        if kind == .request {
            while unparsed.readableBytes >= 2,
                unparsed.getInteger(at: unparsed.readerIndex, as: UInt16.self) == 0x0D0A
            {
                unparsed.moveReaderIndex(forwardBy: 2)
                scanned = 0
                lines = 0
            }
        }
        guard unparsed.readableBytes > 0 else { return nil }
        // Not a throwing closure: a typed throw out of `withUnsafeReadableBytes` (through `Result`)
        // looked its generic metadata up at run time on every head.
        let scan = unparsed.withUnsafeReadableBytes { raw in
            Self.scanHead(raw, limits: limits, scanned: &scanned, lines: &lines)
        }
        switch scan {
        case .incomplete:
            state = .head(scanned: scanned, lines: lines)
            return nil
        case .failed(let code):
            throw failure(code)
        case .end(let end):
            guard let head = unparsed.readSlice(length: end) else { return nil }
            state = .framing
            return Self.split(head)
        }
    }

    /// What a scan of the bytes of a head found.
    private enum HeadScan {
        /// The index after the head's empty line.
        case end(Int)
        /// The head has not all arrived.
        case incomplete
        case failed(Failure.Code)
    }

    /// Where the head in `raw` ends. Only the first ``Limits/headBytes`` are searched, and each line
    /// end is checked in the order the bytes came, so the outcome does not depend on how they were split.
    private static func scanHead(_ raw: UnsafeRawBufferPointer, limits: Limits, scanned: inout Int, lines: inout Int)
        -> HeadScan
    {
        let window = Swift.min(raw.count, limits.headBytes)
        var from = scanned
        while let newline = HeaderLines.index(of: 10, in: raw, from: from, to: window) {
            guard newline > 0, raw[newline - 1] == 13 else { return .failed(.bareLineFeed) }
            // Every earlier LF had its CR: an LF two bytes back means CRLF CRLF.
            if newline >= 3, raw[newline - 2] == 10 { return .end(newline + 1) }
            lines += 1
            // The start line, then the header lines.
            guard lines <= limits.headerLines + 1 else { return .failed(.tooManyHeaderLines) }
            from = newline + 1
        }
        guard raw.count < limits.headBytes else { return .failed(.headTooLarge) }
        scanned = window
        return .incomplete
    }

    /// The failure of a head that `scanHead` found.
    private func failure(_ code: Failure.Code) -> Failure {
        switch code {
        case .tooManyHeaderLines:
            Failure(code, "a \(kind.rawValue) head with more than \(limits.headerLines) header lines")
        case .headTooLarge:
            Failure(code, "a \(kind.rawValue) head longer than \(Self.size(limits.headBytes))")
        default:
            Failure(.bareLineFeed, "a line of the \(kind.rawValue) head ended by a bare LF instead of CRLF")
        }
    }

    /// A whole head as its start line and header lines. Its line ends were checked: each LF follows
    /// a CR, and it ends in CRLF CRLF.
    private static func split(_ head: ByteBuffer) -> Event {
        let newline = head.withUnsafeReadableBytes { HeaderLines.index(of: 10, in: $0, from: 0) } ?? 1
        let startLine = head.getSlice(at: head.readerIndex, length: newline - 1) ?? ByteBuffer()
        let linesLength = Swift.max(0, head.readableBytes - newline - 3)
        let lines = head.getSlice(at: head.readerIndex + newline + 1, length: linesLength) ?? ByteBuffer()
        return .head(startLine: startLine, lines: HeaderLines(lines))
    }

    // MARK: Chunked coding

    /// The next chunk-size or trailer line (`what`), without its CRLF, once it has all arrived.
    private mutating func readLine(_ what: String) throws(Failure) -> ByteBuffer? {
        let window = Swift.min(unparsed.readableBytes, limits.lineBytes + 2)
        let newline = unparsed.withUnsafeReadableBytes { HeaderLines.index(of: 10, in: $0, from: 0, to: window) }
        guard let newline else {
            guard unparsed.readableBytes < limits.lineBytes + 2 else {
                throw Failure(.lineTooLong, "\(what) longer than \(Self.size(limits.lineBytes))")
            }
            return nil
        }
        guard newline > 0, unparsed.getInteger(at: unparsed.readerIndex + newline - 1, as: UInt8.self) == 13 else {
            throw Failure(.bareLineFeed, "\(what) ended by a bare LF instead of CRLF")
        }
        let line = unparsed.readSlice(length: newline - 1)
        unparsed.moveReaderIndex(forwardBy: 2)
        return line
    }

    /// The CRLF after a chunk's data.
    private mutating func readChunkEnd() throws(Failure) {
        guard let first = unparsed.getInteger(at: unparsed.readerIndex, as: UInt8.self) else { return }
        guard first == 13 else {
            guard first != 10 else {
                throw Failure(.bareLineFeed, "a chunk of the \(kind.rawValue) body ended by a bare LF instead of CRLF")
            }
            throw Failure(.chunkEnd, "a chunk of the \(kind.rawValue) body not ended by CRLF")
        }
        guard let second = unparsed.getInteger(at: unparsed.readerIndex + 1, as: UInt8.self) else { return }
        guard second == 10 else { throw Failure(.chunkEnd, "a chunk of the \(kind.rawValue) body not ended by CRLF") }
        unparsed.moveReaderIndex(forwardBy: 2)
        state = .chunkSize
    }

    /// One trailer line: checked and dropped; the empty line ends the body.
    private mutating func readTrailer(_ line: ByteBuffer, bytes: Int, lines: Int) throws(Failure) {
        guard line.readableBytes > 0 else {
            state = .ended
            return
        }
        let total = bytes + line.readableBytes + 2
        guard total <= limits.trailerBytes else {
            throw Failure(.trailersTooLarge, "trailers longer than \(Self.size(limits.trailerBytes))")
        }
        guard lines < limits.trailerLines else {
            throw Failure(.tooManyTrailerLines, "more than \(limits.trailerLines) trailer lines")
        }
        if let problem = HeaderLines.lineProblem(line) { throw Failure(.trailerLine, "\(problem) in the trailers") }
        state = .trailers(bytes: total, lines: lines + 1)
    }

    private mutating func take(upTo count: Int) -> ByteBuffer {
        unparsed.readSlice(length: Swift.min(count, unparsed.readableBytes)) ?? ByteBuffer()
    }

    /// `bytes` in KiB when whole, else in bytes.
    private static func size(_ bytes: Int) -> String {
        bytes % 1024 == 0 ? "\(bytes / 1024) KiB" : "\(bytes) bytes"
    }
}
