import NIOCore
import NIOHTTP1

/// A client's request head as it arrived (RFC 9112 §3), checked: its header lines are forwarded
/// as bytes, and its framing is known before any of its body is read. A class: it is handed from
/// the parser to the exchange and kept until the response ended, without copying its parts.
package final class ClientRequest: Sendable {
    /// How the request's body is delimited (RFC 9112 §6.3).
    package enum Body: Equatable { case none, length(Int), chunked }

    /// The method as sent (a token).
    package let method: ByteBuffer
    /// The path and query the upstream gets: the target as sent, or an absolute URL's path.
    package let pathAndQuery: ByteBuffer
    /// 0 for HTTP/1.0, 1 for HTTP/1.1.
    package let minorVersion: Int
    package let lines: HeaderLines
    package let body: Body
    /// Whether the connection stays open after the response (RFC 9112 §9.3).
    package let keepAlive: Bool
    /// The header lines not forwarded upstream (``HeaderForwarding/droppedUpstream``, and those
    /// the `Connection` header names).
    package let dropped: DroppedLines
    /// The client waits for `100 Continue` before sending the body (RFC 9110 §10.1.1).
    package let expectsContinue: Bool

    /// Stands in for a request that could not be parsed, to answer it: HTTP/1.1, closing.
    package static let unparsed = ClientRequest()

    private init() {
        method = ByteBuffer(string: "GET")
        pathAndQuery = ByteBuffer(string: "/")
        minorVersion = 1
        lines = HeaderLines(ByteBuffer())
        body = .none
        keepAlive = false
        dropped = DroppedLines()
        expectsContinue = false
    }

    /// Whether the method is `name` (methods are case-sensitive).
    package func methodIs(_ name: StaticString) -> Bool { Self.bytes(method, equal: name) }

    package var isHEAD: Bool { methodIs("HEAD") }

    /// The path without the query.
    package var path: ByteBuffer {
        let end = pathAndQuery.readableBytesView.firstIndex(of: UInt8(ascii: "?")) ?? pathAndQuery.writerIndex
        return pathAndQuery.getSlice(at: pathAndQuery.readerIndex, length: end - pathAndQuery.readerIndex)
            ?? pathAndQuery
    }

    /// Whether the path (without the query) is `expected`.
    package func pathIs(_ expected: StaticString) -> Bool { Self.bytes(path, equal: expected) }

    /// Whether `buffer`'s readable bytes are exactly `text`.
    private static func bytes(_ buffer: ByteBuffer, equal text: StaticString) -> Bool {
        buffer.readableBytes == text.utf8CodeUnitCount
            && buffer.withUnsafeReadableBytes { raw in text.withUTF8Buffer { raw.elementsEqual($0) } }
    }

    /// Why a request is refused before it is forwarded: the status and a sentence for its error body.
    package struct Refusal: Error {
        package let status: HTTPResponseStatus
        package let problem: String

        package init(_ status: HTTPResponseStatus, _ problem: String) {
            self.status = status
            self.problem = problem
        }

        /// A 400 Bad Request.
        package init(_ problem: String) { self.init(.badRequest, problem) }
    }

    /// Parses a head: the request line (`line`) and the header section (`lines`), refusing what
    /// RFC 9112 says a server must reject, and framing that proxies have been tricked with
    /// (request smuggling): both `Content-Length` and `Transfer-Encoding`, conflicting lengths,
    /// a coding other than `chunked`, folded or nameless lines.
    package init(line: ByteBuffer, lines: HeaderLines) throws(Refusal) {
        let (method, target, minor) = try Self.requestLine(line)
        guard !Self.bytes(method, equal: "CONNECT") else {
            throw Refusal(
                .methodNotAllowed,
                "credhelper proxy is a reverse proxy, not a forward proxy: set the client's base URL to the proxy "
                    + "(http://127.0.0.1:PORT) instead of its HTTPS_PROXY")
        }
        var fields = HeaderFacts()
        var problem: String?
        lines.forEach { field, raw in
            if problem == nil { problem = HeaderLines.problem(field, raw) ?? fields.add(field, raw) }
        }
        if let problem { throw Refusal(problem) }
        if !fields.connection.names.isEmpty { fields.dropped.add(lines, named: fields.connection.names) }
        if minor == 1, fields.hosts != 1 {
            throw Refusal(fields.hosts == 0 ? "an HTTP/1.1 request without a Host header" : "more than one Host header")
        }
        self.method = method
        self.pathAndQuery = try Self.pathAndQuery(target)
        self.minorVersion = minor
        self.lines = lines
        self.body = try fields.body(minorVersion: minor)
        self.keepAlive = !fields.connection.close && (minor == 1 || fields.connection.keepAlive)
        self.dropped = fields.dropped
        self.expectsContinue = minor == 1 && fields.expectsContinue
    }

    /// `method SP request-target SP HTTP/1.x`.
    private static func requestLine(_ line: ByteBuffer) throws(Refusal) -> (ByteBuffer, ByteBuffer, Int) {
        let parsed = line.withUnsafeReadableBytes { raw -> (Int, Int, Int)? in
            guard let methodEnd = HeaderLines.index(of: 32, in: raw, from: 0), methodEnd > 0,
                let targetEnd = HeaderLines.index(of: 32, in: raw, from: methodEnd + 1), targetEnd > methodEnd + 1,
                raw.count == targetEnd + 9
            else { return nil }
            for index in 0..<methodEnd where !HeaderLines.isTokenByte(raw[index]) { return nil }
            for index in (methodEnd + 1)..<targetEnd where raw[index] <= 32 || raw[index] == 127 { return nil }
            // "HTTP/1.0" or "HTTP/1.1"; another "HTTP/" version gets its own refusal.
            let version = targetEnd + 1
            guard raw[version] == 72, raw[version + 1] == 84, raw[version + 2] == 84, raw[version + 3] == 80,
                raw[version + 4] == 47
            else { return nil }
            let minor = raw[version + 7]
            guard raw[version + 5] == 49, raw[version + 6] == 46, minor == 48 || minor == 49 else {
                return (methodEnd, targetEnd - methodEnd - 1, -1)
            }
            return (methodEnd, targetEnd - methodEnd - 1, Int(minor - 48))
        }
        guard let (methodLength, targetLength, minor) = parsed else {
            throw Refusal("a request line that is not METHOD TARGET HTTP/1.1")
        }
        guard minor >= 0 else {
            throw Refusal(.httpVersionNotSupported, "an HTTP version other than 1.0 and 1.1")
        }
        guard let method = line.getSlice(at: line.readerIndex, length: methodLength),
            let target = line.getSlice(at: line.readerIndex + methodLength + 1, length: targetLength)
        else { throw Refusal("a request line that is not METHOD TARGET HTTP/1.1") }
        return (method, target, minor)
    }

    /// The origin form as sent, or an absolute URL's path and query (RFC 9112 §3.2).
    private static func pathAndQuery(_ target: ByteBuffer) throws(Refusal) -> ByteBuffer {
        let view = target.readableBytesView
        if view.first == UInt8(ascii: "/") { return target }
        let scheme = view.firstRange(of: "://".utf8)
        guard let scheme,
            ["http", "https"].contains(String(decoding: view[..<scheme.lowerBound], as: UTF8.self).lowercased())
        else {
            throw Refusal("a request target that is neither a path nor an http(s) URL")
        }
        let rest = view[scheme.upperBound...]
        guard let start = rest.firstIndex(where: { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }) else {
            return ByteBuffer(string: "/")
        }
        let pathAndQuery = view[start...]
        if pathAndQuery.first == UInt8(ascii: "/"), let slice = target.getSlice(at: start, length: pathAndQuery.count) {
            return slice
        }
        return ByteBuffer(string: "/" + String(decoding: pathAndQuery, as: UTF8.self))
    }
}

/// What a request's header lines say about its framing and connection, gathered in one pass.
private struct HeaderFacts {
    package var length: Int?
    package var lengthConflict = false
    package var transferCodings: [String] = []
    package var transferEncodingLines = 0
    package var connection = HeaderLines.ConnectionOptions()
    package var hosts = 0
    package var expectsContinue = false
    package var dropped = DroppedLines()

    /// Notes `field`; returns what is wrong with it, if anything.
    package mutating func add(_ field: HeaderLines.Field, _ raw: UnsafeRawBufferPointer) -> String? {
        let name = raw[field.name]
        let value = raw[field.value]
        // Every header read here is one the upstream does not get.
        guard HeaderForwarding.isDroppedUpstream(name) else { return nil }
        dropped.add(field.line)
        if HeaderLines.equalsIgnoringCase(name, "content-length") {
            guard let parsed = HeaderLines.contentLength(field, raw) else {
                return "a Content-Length that is not a number"
            }
            // Two Content-Length lines, even equal, are refused, as llhttp does.
            if length != nil { lengthConflict = true }
            length = parsed
        } else if HeaderLines.equalsIgnoringCase(name, "transfer-encoding") {
            if HeaderLines.hasTabAroundValue(field, raw) { return "a tab in the Transfer-Encoding header" }
            if HeaderLines.hasEmptyListElement(value) { return "an empty coding in the Transfer-Encoding header" }
            transferEncodingLines += 1
            transferCodings += HeaderLines.listElements(value)
        } else if HeaderLines.equalsIgnoringCase(name, "connection") {
            connection.add(value)
        } else if HeaderLines.equalsIgnoringCase(name, "host") {
            hosts += 1
        } else if HeaderLines.equalsIgnoringCase(name, "expect") {
            expectsContinue = HeaderLines.equalsIgnoringCase(value, "100-continue")
        }
        return nil
    }

    /// The body's framing (RFC 9112 §6.1, §6.3).
    package func body(minorVersion: Int) throws(ClientRequest.Refusal) -> ClientRequest.Body {
        if lengthConflict { throw .init("more than one Content-Length header") }
        if transferEncodingLines > 0, transferCodings.isEmpty { throw .init("an empty Transfer-Encoding") }
        guard !transferCodings.isEmpty else { return length.map { $0 == 0 ? .none : .length($0) } ?? .none }
        if length != nil { throw .init("both Content-Length and Transfer-Encoding") }
        if minorVersion == 0 { throw .init("Transfer-Encoding in an HTTP/1.0 request") }
        guard transferCodings.last == "chunked" else { throw .init("a Transfer-Encoding that does not end in chunked") }
        guard transferCodings.count == 1 else {
            let codings = transferCodings.joined(separator: ", ")
            throw .init(.notImplemented, "a transfer coding other than chunked (\(codings))")
        }
        return .chunked
    }
}
