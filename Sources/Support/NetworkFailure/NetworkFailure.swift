import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a peer over the network could not be used, told from the error's type — `ChannelError`,
/// `IOError`, `NIOConnectionError`, `NIOSSLError`, or an error that says itself
/// (``NetworkFailureConvertible``) — never from its text. The proxy (its upstream) and the OAuth
/// client (the identity provider) turn it into their own messages.
public enum NetworkFailure: Equatable, Sendable {
    /// No connection, or no answer, in time.
    case timedOut
    /// The peer's bytes are not the protocol expected; the description says how.
    case malformed(String)
    /// The peer closed the connection before answering.
    case closedEarly
    /// Nothing listens at the address.
    case refused
    /// The host name does not resolve.
    case unresolvable
    /// The TLS handshake failed: an untrusted certificate, or a peer that does not speak TLS.
    case tlsHandshake
    /// The certificate is valid but for another host name.
    case wrongHostName
    /// Any other error: its type name or the system's reason (for the message).
    case other(String)

    /// The failure `error` stands for.
    public init(_ error: any Error) {
        switch error {
        case let error as any NetworkFailureConvertible: self = error.networkFailure
        case ChannelError.connectTimeout: self = .timedOut
        case ChannelError.eof, ChannelError.ioOnClosedChannel: self = .closedEarly
        case let error as IOError: self = Self.io(error.errnoCode)
        case let error as NIOConnectionError:
            let codes = error.connectionErrors.compactMap { ($0.error as? IOError)?.errnoCode }
            if codes.contains(ECONNREFUSED) {
                self = .refused
            } else if let code = codes.first {
                self = Self.io(code)
            } else if error.dnsAError != nil || error.dnsAAAAError != nil {
                self = .unresolvable
            } else {
                self = .other("no address connected")
            }
        case is NIOConnectionError: self = .other("no address connected")
        case let error as NIOSSLExtraError where error == .failedToValidateHostname: self = .wrongHostName
        case NIOSSLError.handshakeFailed: self = .tlsHandshake
        default: self = .other(String(describing: type(of: error)))
        }
    }

    private static func io(_ code: Int32) -> NetworkFailure {
        switch code {
        case ECONNREFUSED: .refused
        case ETIMEDOUT: .timedOut
        case ECONNRESET, EPIPE: .closedEarly
        default: .other(String(cString: strerror(code)))
        }
    }

    /// A short reason for a message, such as "connection refused"; `caOption` names the setting
    /// that adds a company CA (a flag or a profile key) in the advice for an untrusted certificate.
    public func reason(caOption: String) -> String {
        switch self {
        case .timedOut: "it did not answer in time"
        case .malformed(let description): description
        case .closedEarly: "it closed the connection before answering"
        case .refused: "connection refused"
        case .unresolvable: "the host name does not resolve"
        case .tlsHandshake:
            "the TLS handshake failed: its TLS certificate is not trusted (if a company CA issued it, pass that CA "
                + "with \(caOption)), or it does not speak TLS"
        case .wrongHostName: "its TLS certificate is for another host name"
        case .other(let what): what
        }
    }
}

/// An error that knows which ``NetworkFailure`` it is (a read timeout, a malformed response).
public protocol NetworkFailureConvertible: Error {
    var networkFailure: NetworkFailure { get }
}
