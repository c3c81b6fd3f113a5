import CredentialHelperProtocol
import NIOHTTP1

/// An error from the proxy itself, in the shape the Anthropic API and SDKs use:
/// `{"type":"error","error":{"type":"…","message":"…"}}`.
struct ProxyErrorResponse: Sendable {
    /// The Anthropic error type (`api_error`, `authentication_error`, `permission_error`, …).
    let type: String
    /// A sentence naming what failed and what to do. Never contains a credential.
    let message: String
    let status: HTTPResponseStatus

    func response() -> LocalResponse {
        LocalResponse(
            status: status,
            json:
                "{\"type\":\"error\",\"error\":{\"type\":\(JSONString.quoted(type)),\"message\":\(JSONString.quoted(message))}}",
            extraHeaders: [("x-credhelper-proxy-error", "1")])
    }
}
