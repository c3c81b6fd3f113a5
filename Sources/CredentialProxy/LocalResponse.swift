import NIOCore
import NIOHTTP1

/// A response the proxy writes itself (an error or the health report), not one from the upstream.
struct LocalResponse {
    let status: HTTPResponseStatus
    let headers: HTTPHeaders
    let body: ByteBuffer

    /// A JSON body that no cache keeps.
    init(status: HTTPResponseStatus, json: String, extraHeaders: [(String, String)] = []) {
        var headers: HTTPHeaders = ["content-type": "application/json", "cache-control": "no-store"]
        headers.add(contentsOf: extraHeaders)
        headers.add(name: "content-length", value: String(json.utf8.count))
        self.status = status
        self.headers = headers
        self.body = ByteBuffer(string: json)
    }
}
