import CredentialHelperHost
import CredentialHelperProtocol
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What `GET /_credhelper/health` reports: whether the proxy has a credential, when it was obtained
/// and when it expires (ISO 8601 dates, as `credhelper get` prints them), the last helper error, and
/// whether the upstream answered last time. No secrets.
final class HealthReport: Sendable {
    private let helperError = Mutex<String?>(nil)
    /// Whether the upstream answered last time: 0 not asked yet, 1 yes, 2 no. Written per request,
    /// so an atomic rather than a lock.
    private let upstreamState = Atomic<UInt8>(0)
    private let provider: CredentialProvider
    let upstream: String

    init(upstream: String, provider: CredentialProvider) {
        self.upstream = upstream
        self.provider = provider
    }

    /// The helper answered: its last error no longer applies.
    func recordHelperSuccess() { helperError.withLock { $0 = nil } }

    func recordHelper(_ error: HelperError) { helperError.withLock { $0 = error.description } }

    func recordUpstream(ok: Bool) {
        let value: UInt8 = ok ? 1 : 2
        // Every request reports: write only when it changed.
        if upstreamState.load(ordering: .relaxed) != value { upstreamState.store(value, ordering: .relaxed) }
    }

    /// What a client without the proxy's client key learns: that the proxy is running.
    static func liveness() -> LocalResponse {
        LocalResponse(status: .ok, json: "{\"status\":\"alive\",\"details\":\"send the client key for details\"}\n")
    }

    /// 200 with `"status":"ok"` when a credential is held and the helper's last run succeeded,
    /// otherwise 503 with `"status":"degraded"` and the reason.
    func response() -> LocalResponse {
        let helperError = helperError.withLock { $0 }
        let upstreamReachable: Bool? =
            switch upstreamState.load(ordering: .relaxed) {
            case 1: true
            case 2: false
            default: nil
            }
        let credential = provider.sessionCredential
        let healthy = credential != nil && helperError == nil && upstreamReachable != false
        var fields = [
            "\"status\":\(healthy ? "\"ok\"" : "\"degraded\"")",
            "\"upstream\":\(JSONString.quoted(upstream))",
        ]
        if let credential {
            fields.append(
                "\"credential\":{\"obtainedAt\":\"\(credential.obtainedAt.formatted(.iso8601))\","
                    + "\"expiresAt\":\"\(credential.expiresAt.formatted(.iso8601))\","
                    + "\"ttlRemainingSec\":\(Int(credential.expiresAt.timeIntervalSince(provider.currentDate))),"
                    + "\"context\":\(JSONString.quoted(credential.context.rawValue))}")
        } else {
            fields.append("\"credential\":null")
        }
        if let helperError {
            fields.append("\"helperError\":\(JSONString.quoted(helperError))")
        }
        if let reachable = upstreamReachable { fields.append("\"upstreamReachable\":\(reachable)") }
        return LocalResponse(
            status: healthy ? .ok : .serviceUnavailable, json: "{" + fields.joined(separator: ",") + "}\n")
    }
}
