import CredentialProxyHTTP1
import NetworkFailure

/// The proxy's own upstream errors say which ``NetworkFailure`` they are.
extension UpstreamConnection.ReadTimeout: NetworkFailureConvertible {
    var networkFailure: NetworkFailure { .timedOut }
}

extension UpstreamConnection.ClosedEarly: NetworkFailureConvertible {
    var networkFailure: NetworkFailure { .closedEarly }
}

extension UpstreamConnection.TrailersTooSlow: NetworkFailureConvertible {
    var networkFailure: NetworkFailure {
        .malformed("the upstream's response trailers did not end within \(limit.nanoseconds / 1_000_000_000) s")
    }
}

extension UpstreamResponseParser.Malformed: NetworkFailureConvertible {
    package var networkFailure: NetworkFailure { .malformed(description) }
}

extension NetworkFailure {
    /// What the client is told when the upstream could not be used (docs/proxy.md, "Its own
    /// errors"); `target` is the upstream's origin.
    func response(target: String) -> ProxyErrorResponse {
        switch self {
        case .timedOut:
            ProxyErrorResponse(
                type: "api_error",
                message: "the upstream \(target) did not answer in time; check that it is up and reachable",
                status: .gatewayTimeout)
        case .malformed(let description):
            ProxyErrorResponse(
                type: "api_error",
                message: "\(description) (from \(target)); check that --upstream is the gateway's HTTP endpoint",
                status: .badGateway)
        default:
            ProxyErrorResponse(
                type: "api_error",
                message:
                    "the upstream \(target) could not be reached (\(reason(caOption: "--upstream-ca-file"))); "
                    + "check --upstream and the network",
                status: .badGateway)
        }
    }
}
