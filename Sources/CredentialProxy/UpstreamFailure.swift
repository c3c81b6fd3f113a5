import CredentialProxyHTTP1
import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why the upstream could not be used, told from the error's type — `ChannelError`, `IOError`,
/// `NIOConnectionError`, `NIOSSLError`, the proxy's own — never from its text. Each case becomes the
/// proxy's error response (docs/proxy.md, "Its own errors").
enum UpstreamFailure: Equatable {
    /// No connection within the connect timeout, or no byte of the response within the read timeout.
    case timedOut
    /// The response is not HTTP/1.1 as the codec reads it.
    case malformed(String)
    /// The upstream closed the connection before answering.
    case closedEarly
    /// Nothing listens at the address.
    case refused
    /// The TLS handshake failed: an untrusted certificate, or a server that does not speak TLS.
    case tlsHandshake
    /// The certificate is valid but for another host name.
    case wrongHostName
    /// Any other error: its type name and errno, if any (for the message).
    case other(String)

    init(_ error: any Error) {
        switch error {
        case is UpstreamConnection.ReadTimeout, ChannelError.connectTimeout: self = .timedOut
        case let malformed as UpstreamResponseParser.Malformed: self = .malformed(malformed.description)
        case is UpstreamConnection.ClosedEarly, ChannelError.eof, ChannelError.ioOnClosedChannel: self = .closedEarly
        case let error as IOError: self = Self.io(error.errnoCode)
        case let error as NIOConnectionError:
            let codes = error.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            self = codes.contains(ECONNREFUSED) ? .refused : codes.first.map(Self.io) ?? .other("no address connected")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname: self = .wrongHostName
        case NIOSSLError.handshakeFailed: self = .tlsHandshake
        default: self = .other(String(describing: type(of: error)))
        }
    }

    private static func io(_ code: Int32) -> UpstreamFailure {
        switch code {
        case ECONNREFUSED: .refused
        case ETIMEDOUT: .timedOut
        case ECONNRESET, EPIPE: .closedEarly
        default: .other(String(cString: strerror(code)))
        }
    }

    /// What the client is told; `target` is the upstream's origin.
    func response(target: String) -> ProxyErrorResponse {
        let reason: String
        switch self {
        case .timedOut:
            return ProxyErrorResponse(
                type: "api_error",
                message: "the upstream \(target) did not answer in time; check that it is up and reachable",
                status: .gatewayTimeout)
        case .malformed(let description):
            return ProxyErrorResponse(
                type: "api_error",
                message: "\(description) (from \(target)); check that --upstream is the gateway's HTTP endpoint",
                status: .badGateway)
        case .closedEarly: reason = "it closed the connection before answering"
        case .refused: reason = "connection refused"
        case .tlsHandshake:
            reason =
                "the TLS handshake failed: its TLS certificate is not trusted (if a company CA issued it, pass "
                + "that CA with --upstream-ca-file), or it does not speak TLS (use http://)"
        case .wrongHostName: reason = "its TLS certificate is for another host name"
        case .other(let what): reason = what
        }
        return ProxyErrorResponse(
            type: "api_error",
            message: "the upstream \(target) could not be reached (\(reason)); check --upstream and the network",
            status: .badGateway)
    }
}
