import HTTPTypes
import Hummingbird
import NIOHTTP1

/// Which headers cross the proxy. Hop-by-hop and framing headers are the connection's, not the
/// message's (RFC 9110 §7.6.1), and are never forwarded; the client's own credentials are
/// replaced by the helper's.
enum HeaderForwarding {
    static let hopByHop: Set<String> = [
        "connection", "keep-alive", "proxy-connection", "te", "trailer", "transfer-encoding", "upgrade",
        "proxy-authorization", "proxy-authenticate",
    ]
    /// Never forwarded upstream: framing the client computed, and credentials the client sent.
    static let droppedUpstream: Set<String> = hopByHop.union(["host", "content-length", "authorization", "x-api-key"])

    /// The request headers to send upstream, before the credential headers are added.
    static func upstreamHeaders(from fields: HTTPFields) -> HTTPHeaders {
        let named = connectionTokens(fields)
        var headers = HTTPHeaders()
        for field in fields {
            let name = field.name.canonicalName
            guard !droppedUpstream.contains(name), !named.contains(name) else { continue }
            headers.add(name: field.name.rawName, value: field.value)
        }
        return headers
    }

    /// The response headers to return to the client.
    static func clientHeaders(from headers: HTTPHeaders) -> HTTPFields {
        let named = Set(
            headers["connection"].flatMap { $0.split(separator: ",") }.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            })
        var fields = HTTPFields()
        for (name, value) in headers {
            let lower = name.lowercased()
            guard !hopByHop.contains(lower), !named.contains(lower), let fieldName = HTTPField.Name(name) else {
                continue
            }
            fields.append(HTTPField(name: fieldName, value: value))
        }
        return fields
    }

    private static func connectionTokens(_ fields: HTTPFields) -> Set<String> {
        Set(
            fields[values: .connection].flatMap { $0.split(separator: ",") }.map {
                $0.trimmingCharacters(in: .whitespaces).lowercased()
            })
    }
}
