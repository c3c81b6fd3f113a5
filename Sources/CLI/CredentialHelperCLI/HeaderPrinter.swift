import CredentialHelperHost
import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Formats request headers for people and scripts, redacting secrets unless asked not to.
struct HeaderPrinter {
    let showSecrets: Bool
    let scheme: AuthScheme

    /// The value as printed: in full with `--show-secrets`, otherwise redacted per ``AuthScheme/displayValue(of:)``.
    func shown(_ field: HeaderField) -> String { showSecrets ? field.value : scheme.displayValue(of: field) }

    /// One `Name: value` line per header.
    func lines(_ headers: HeaderList) -> String {
        headers.map { "\($0.name): \(shown($0))\n" }.joined()
    }

    /// A JSON document describing the credential and its headers.
    func json(_ headers: HeaderList, credential: Credential, cached: Bool, warnings: [String]) throws -> String {
        struct Document: Encodable {
            let headers: [String: String]
            let format: String
            let context: String
            let cached: Bool
            let obtainedAt: String
            let expiresAt: String
            let warnings: [String]
        }
        let document = Document(
            headers: Dictionary(headers.map { ($0.name, shown($0)) }, uniquingKeysWith: { $1 }),
            format: credential.answer.format == .jsonObject ? "json-object" : "bare-token",
            context: credential.context.rawValue,
            cached: cached,
            obtainedAt: credential.obtainedAt.formatted(.iso8601),
            expiresAt: credential.expiresAt.formatted(.iso8601),
            warnings: warnings)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(document), as: UTF8.self) + "\n"
    }
}
