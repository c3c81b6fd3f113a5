import CredentialHelperHost
import CredentialHelperProtocol
import HTTPTypes
import Hummingbird
import NIOCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What `GET /_credhelper/health` reports: whether the proxy has a credential and when it was
/// obtained, the last helper error, and whether the upstream answered last time. No secrets.
final class HealthReport: Sendable {
    private struct State {
        var obtainedAt: Date?
        var expiresAt: Date?
        var context: String?
        var helperError: String?
        var upstreamReachable: Bool?
    }

    private let state = Mutex(State())
    let upstream: String

    init(upstream: String) { self.upstream = upstream }

    func recordCredential(_ credential: Credential) {
        state.withLock {
            $0.obtainedAt = credential.obtainedAt
            $0.expiresAt = credential.expiresAt
            $0.context = credential.context.rawValue
            $0.helperError = nil
        }
    }

    func recordHelper(_ error: HelperError) { state.withLock { $0.helperError = error.description } }

    func recordUpstream(ok: Bool) { state.withLock { $0.upstreamReachable = ok } }

    /// 200 with `"status":"ok"` when a credential is held and the helper's last run succeeded,
    /// otherwise 503 with `"status":"degraded"` and the reason.
    func response() async -> Response {
        let snapshot = state.withLock { $0 }
        let healthy = snapshot.obtainedAt != nil && snapshot.helperError == nil && snapshot.upstreamReachable != false
        var fields = [
            "\"status\":\(healthy ? "\"ok\"" : "\"degraded\"")",
            "\"upstream\":\(JSONString.quoted(upstream))",
        ]
        if let obtainedAt = snapshot.obtainedAt, let expiresAt = snapshot.expiresAt {
            fields.append(
                "\"credential\":{\"obtainedAt\":\(Int(obtainedAt.timeIntervalSince1970)),"
                    + "\"ttlRemainingSec\":\(Int(expiresAt.timeIntervalSinceNow)),"
                    + "\"context\":\(JSONString.quoted(snapshot.context ?? ""))}")
        } else {
            fields.append("\"credential\":null")
        }
        if let helperError = snapshot.helperError {
            fields.append("\"helperError\":\(JSONString.quoted(helperError))")
        }
        if let reachable = snapshot.upstreamReachable { fields.append("\"upstreamReachable\":\(reachable)") }
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        headers[.cacheControl] = "no-store"
        return Response(
            status: healthy ? .ok : .serviceUnavailable, headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: "{" + fields.joined(separator: ",") + "}\n")))
    }
}
