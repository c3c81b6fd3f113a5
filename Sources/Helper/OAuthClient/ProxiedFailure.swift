import AsyncHTTPClient
import NIOCore
import NetworkFailure

/// Errors for a provider request through a proxy that failed because of the proxy, or on the way
/// through it: each names the proxy (`host:port`, never its credentials), the setting that chose
/// it, and what to do.
extension IdPConnection.ForwardProxy {
    /// The error for `error`, from a request to `endpoint` (the provider at `target`, `host:port`)
    /// through this proxy; nil when the failure is the provider's own (no answer before the
    /// deadline, a body too large), which the direct messages describe.
    func failure(_ error: any Error, endpoint: String, target: String) -> OAuthError? {
        let proxy = self
        if error is NIOTooManyBytesError { return nil }
        if let error = error as? HTTPClientError, error == .deadlineExceeded || error == .readTimeout { return nil }
        let named = "the proxy \(proxy) (\(proxy.setting))"
        let directly = "or reach the provider directly with NO_PROXY or \"proxy\": \"none\" in the profile"
        switch error {
        case let error as HTTPClientError where error == .proxyAuthenticationRequired:
            let advice =
                proxy.credentials == nil
                ? "give its user and password in \(proxy.setting), as user:password@ before \(proxy) in the "
                    + "proxy URL (percent-escape reserved characters)"
                : "the user and password in \(proxy.setting) were not accepted; correct them"
            return notSent(
                "\(endpoint): \(named) refused to open a tunnel to \(target) with 407 Proxy "
                    + "Authentication Required; \(advice)")
        case let error as HTTPClientError where error == .invalidProxyResponse:
            return notSent(
                "\(endpoint): \(named) refused to open a tunnel to \(target) (its answer to CONNECT "
                    + "was not 200); ask its administrators to allow HTTPS to that host and port, \(directly)")
        case let error as HTTPClientError where error == .httpProxyHandshakeTimeout || error == .connectTimeout:
            return OAuthError(
                .timedOut,
                "\(endpoint): \(named) did not open a tunnel to \(target) in time; "
                    + "check that it runs at that address, \(directly)")
        case let error as HTTPClientError where error == .remoteConnectionClosed:
            return OAuthError(
                .unreachable,
                "\(endpoint): the connection through \(named) to \(target) closed "
                    + "before the provider answered; check the proxy (its log, whether it allows CONNECT to \(target))")
        default:
            break
        }
        switch NetworkFailure(error) {
        case .refused:
            return notSent(
                "\(endpoint): \(named) refused the connection; check that a proxy runs at that "
                    + "address and fix \(proxy.setting), \(directly)")
        case .unresolvable:
            return notSent("\(endpoint): the host name of \(named) does not resolve; fix \(proxy.setting)")
        case .timedOut:
            return OAuthError(
                .timedOut,
                "\(endpoint): \(named) did not answer in time; check that it runs "
                    + "at that address, \(directly)")
        case .closedEarly, .tlsHandshake, .malformed:
            return OAuthError(
                .unreachable,
                "\(endpoint): the tunnel through \(named) to \(target) did not "
                    + "carry the provider's TLS (\(NetworkFailure(error).reason(caOption: IdPHTTP.caOption))); "
                    + "check the proxy (its log, whether it allows CONNECT to \(target))")
        case .wrongHostName:
            return OAuthError(
                .unreachable,
                "\(endpoint): the TLS certificate that came back through \(named) "
                    + "is not for \(target): the proxy, or something behind it, answered in the provider's place; "
                    + "check the proxy, \(directly)")
        case .other(let what):
            return OAuthError(
                .unreachable,
                "\(endpoint): the request through \(named) to \(target) failed "
                    + "(\(what)); check the proxy (its log, whether it allows CONNECT to \(target)), \(directly)")
        }
    }

    private func notSent(_ description: String) -> OAuthError {
        var error = OAuthError(.unreachable, description)
        error.requestNotSent = true
        return error
    }
}
