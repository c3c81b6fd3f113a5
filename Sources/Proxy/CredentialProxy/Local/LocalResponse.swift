import CredentialProxyHTTP1
import NIOCore
import NIOHTTP1

/// A response the proxy writes itself (an error or the health report), not one from the upstream.
struct LocalResponse {
    let status: HTTPResponseStatus
    /// The header lines, encoded.
    let headerLines: ByteBuffer
    let body: ByteBuffer

    /// A JSON body that no cache keeps.
    init(status: HTTPResponseStatus, json: String, extraHeaders: [(String, String)] = []) {
        self.init(status: status, contentType: "application/json", body: json, extraHeaders: extraHeaders)
    }

    /// A body of `contentType` that no cache keeps.
    init(status: HTTPResponseStatus, contentType: String, body: String, extraHeaders: [(String, String)] = []) {
        var lines = ByteBuffer()
        lines.writeHeader("content-type", contentType)
        lines.writeHeader("cache-control", "no-store")
        for (name, value) in extraHeaders { lines.writeHeader(name, value) }
        lines.writeHeader("content-length", String(body.utf8.count))
        self.status = status
        self.headerLines = lines
        self.body = ByteBuffer(string: body)
    }
}
