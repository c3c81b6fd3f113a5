import CredentialHelperProtocol
import NIOCore

/// What happened to a forwarded request besides its status, for the access log: whether the
/// upstream rejected the credential (401/403), what the refresh that followed did, whether the
/// request was replayed, and the first bytes of the upstream's refusal. Kept by the
/// ``ForwardedExchange``; a request the upstream did not reject has an empty note and costs nothing.
struct ExchangeNote {
    /// What the refresh after a rejection did.
    enum Refresh: String {
        /// The helper ran and gave a new credential.
        case refreshed
        /// The helper failed.
        case failed = "refresh-failed"
        /// Within the refresh floor (or the provider saw no need): no helper run.
        case notRefreshed = "not-refreshed"
        /// The credential's expiry prompt is due: the session ends instead.
        case expiryPromptDue = "expiry-prompt"
    }

    /// The status of the upstream's first rejection of the credential.
    private(set) var rejectedStatus: Int?
    var refresh: Refresh?
    var replayed = false
    /// The first bytes of the first rejection's body, up to ``refusalBytes``.
    private var refusal: ByteBuffer?
    private var capturing = false
    /// The rejected credential's token, redacted wherever the refusal repeats it.
    private var rejectedToken: Secret?

    /// How much of a refusal's body the log shows, before redaction.
    static let refusalBytes = 256

    /// The upstream answered `status` to a request carrying `token`; a first 401 or 403 starts
    /// capturing its body, any later head stops it.
    mutating func upstreamAnswered(status: Int, token: Secret?) {
        capturing = false
        guard rejectedStatus == nil, status == 401 || status == 403 else { return }
        rejectedStatus = status
        rejectedToken = token
        refusal = ByteBuffer()
        capturing = true
    }

    /// A part of the response body: kept while the refusal is captured.
    mutating func upstreamBody(_ part: ByteBuffer) {
        guard capturing, var kept = refusal else { return }
        refusal = nil  // written in place
        let room = Self.refusalBytes - kept.readableBytes
        if room > 0, let slice = part.getSlice(at: part.readerIndex, length: Swift.min(room, part.readableBytes)) {
            kept.writeImmutableBuffer(slice)
        }
        capturing = kept.readableBytes < Self.refusalBytes
        refusal = kept
    }

    /// The fields the access-log line ends with, each after a space: `rejected=401`, the refresh's
    /// outcome, `replayed`. Empty when the upstream did not reject the credential.
    var logFields: String {
        guard let rejectedStatus else { return "" }
        var fields = " rejected=\(rejectedStatus)"
        if let refresh { fields += " " + refresh.rawValue }
        if replayed { fields += " replayed" }
        return fields
    }

    /// The log line for the upstream's refusal of `method path`: its status and the first bytes of
    /// its body on one line, with the credential and anything that looks like a secret redacted.
    func refusalLine(method: String, path: String) -> String? {
        guard let rejectedStatus, let refusal else { return nil }
        let body = String(decoding: refusal.readableBytesView, as: UTF8.self)
        let redactor = TextRedactor(knownSecrets: rejectedToken.map { [$0] } ?? [])
        let shown = redactor.redact(body.replacing("\r", with: " ").replacing("\n", with: " "), maxLength: 200)
        let cut = refusal.readableBytes >= Self.refusalBytes ? " (first \(Self.refusalBytes) bytes)" : ""
        return "upstream refused \(method) \(path) with \(rejectedStatus): \(shown)\(cut)"
    }
}
