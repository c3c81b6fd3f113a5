import CredentialHelperProtocol
import HTTPTypes
import Hummingbird
import NIOCore

/// An error from the proxy itself, in the shape the Anthropic API and SDKs use:
/// `{"type":"error","error":{"type":"…","message":"…"}}`.
struct ProxyErrorResponse: Sendable {
    /// The Anthropic error type (`api_error`, `authentication_error`, `permission_error`, …).
    let type: String
    /// A sentence naming what failed and what to do. Never contains a credential.
    let message: String
    let status: HTTPResponse.Status

    func response() -> Response {
        let body =
            "{\"type\":\"error\",\"error\":{\"type\":\(JSONString.quoted(type)),\"message\":\(JSONString.quoted(message))}}"
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        if let marker = HTTPField.Name("x-credhelper-proxy-error") { headers[marker] = "1" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: body)))
    }
}
