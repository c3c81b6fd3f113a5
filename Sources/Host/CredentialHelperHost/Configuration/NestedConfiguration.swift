import CredentialHelperProtocol

/// The nested JSON shape of the app's configuration, which its public configuration changelog shows
/// next to each managed key ("JSON (e.g. for non-MDM users or Bootstrap)"): keys grouped in objects,
/// such as `{"inference": {"credential": {…}, "customHeaders": …}}`. Local `configLibrary` entries
/// are found in this shape as well as in the flat one. ``flatNames`` maps each nested path the
/// changelog documents to its flat (managed-preference) name (docs/configuration.md cites each).
/// The changelog gives no nested name for the helper's path, its TTL, the provider or the gateway's
/// URL and key (they predate it); those are read only under their flat names, and a guess at a
/// nested one is warned about.
enum NestedConfiguration {
    /// The nested paths the changelog documents, and their flat names.
    static let flatNames: [[String]: ConfigurationKey] = [
        ["inference", "credential", "kind"]: .credentialKind,
        ["inference", "credential", "timeoutSec"]: .timeout,
        ["inference", "credential", "silentRefreshEnabled"]: .silentRefresh,
        ["inference", "credential", "authScheme"]: .authScheme,
        ["inference", "customHeaders"]: .customHeaders,
    ]

    /// Nested names people guess for keys the changelog gives no nested name, with the flat key to use.
    static let undocumented: [[String]: ConfigurationKey] = [
        ["inference", "credential", "helper"]: .helper,
        ["inference", "credential", "helperPath"]: .helper,
        ["inference", "credential", "helperTtlSec"]: .ttl,
        ["inference", "credential", "ttlSec"]: .ttl,
        ["inference", "credential", "helperTimeoutSec"]: .timeout,
        ["inference", "credential", "helperSilentRefreshEnabled"]: .silentRefresh,
        ["inference", "provider"]: .provider,
        ["inference", "gateway", "baseUrl"]: .gatewayBaseURL,
        ["inference", "gateway", "apiKey"]: .gatewayAPIKey,
        ["inference", "gateway", "authScheme"]: .authScheme,
    ]

    /// `object` with the nested values under `inference` added under their flat names, or `object`
    /// unchanged when it has no `inference` object. A key set in both shapes is refused, naming both.
    /// Nested names the changelog does not document are left alone; a guess at a nested name for a
    /// key the host reads (``undocumented``) is warned about, naming the flat key to use.
    static func flattened(
        _ object: [String: JSONValue], source: String, warnings: inout [String]
    ) throws(ConfigurationError) -> [String: JSONValue] {
        guard case .object? = object["inference"] else { return object }
        var result = object
        for (path, key) in flatNames.sorted(by: { $0.value.rawValue < $1.value.rawValue }) {
            guard let value = lookup(path, in: object) else { continue }
            let dotted = path.joined(separator: ".")
            guard object[key.rawValue] == nil else {
                throw .malformed(
                    "\(source) sets \(key.rawValue) twice, as \(key.rawValue) and as \(dotted) (the nested shape), so "
                        + "which value applies is not clear; keep one")
            }
            result[key.rawValue] = value
        }
        for (path, key) in undocumented.sorted(by: { $0.key.joined() < $1.key.joined() })
        where lookup(path, in: object) != nil {
            warnings.append(
                "\(source): \(path.joined(separator: ".")) is ignored: the app's configuration changelog documents no "
                    + "such nested name; set \(key.rawValue) at the top level of the same file instead")
        }
        return result
    }

    /// The value at `path` in nested objects, if every step is an object and the last is set.
    private static func lookup(_ path: [String], in object: [String: JSONValue]) -> JSONValue? {
        var current = object
        for (index, name) in path.enumerated() {
            guard let value = current[name] else { return nil }
            if index == path.count - 1 { return value }
            guard case .object(let next) = value else { return nil }
            current = next
        }
        return nil
    }
}
