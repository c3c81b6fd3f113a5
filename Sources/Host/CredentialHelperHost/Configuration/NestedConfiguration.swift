import CredentialHelperProtocol

/// The nested JSON shape of the app's configuration, which its public configuration changelog shows
/// next to each managed key as "JSON (Non-MDM User, Bootstrap Remote)": keys grouped in objects,
/// such as `{"inference": {"credential": {…}, "customHeaders": …}}`. Local `configLibrary` entries
/// are found in this shape as well as in the flat one. ``flatNames`` maps each nested path the host
/// reads to its flat (managed-preference) name (docs/configuration.md cites the changelog).
enum NestedConfiguration {
    /// The nested paths the host reads, and their flat names.
    static let flatNames: [[String]: ConfigurationKey] = [
        ["inference", "credential", "helper"]: .helper,
        ["inference", "credential", "helperTtlSec"]: .ttl,
        ["inference", "credential", "helperTimeoutSec"]: .timeout,
        ["inference", "credential", "helperSilentRefreshEnabled"]: .silentRefresh,
        ["inference", "credential", "kind"]: .credentialKind,
        ["inference", "customHeaders"]: .customHeaders,
        ["inference", "provider"]: .provider,
        ["inference", "gateway", "baseUrl"]: .gatewayBaseURL,
        ["inference", "gateway", "apiKey"]: .gatewayAPIKey,
        ["inference", "gateway", "authScheme"]: .authScheme,
    ]

    /// `object` with the nested values under `inference` added under their flat names, or `object`
    /// unchanged when it has no `inference` object. A key set in both shapes is refused, naming both.
    /// Nested names the host does not read are left alone, except one under `inference.credential`
    /// that looks like a helper key, which is warned about with the names the host reads.
    static func flattened(
        _ object: [String: JSONValue], source: String, warnings: inout [String]
    ) throws(HelperError) -> [String: JSONValue] {
        guard case .object? = object["inference"] else { return object }
        var result = object
        for (path, key) in flatNames.sorted(by: { $0.value.rawValue < $1.value.rawValue }) {
            guard let value = lookup(path, in: object) else { continue }
            let dotted = path.joined(separator: ".")
            guard object[key.rawValue] == nil else {
                throw .configuration(
                    "\(source) sets \(key.rawValue) twice, as \(key.rawValue) and as \(dotted) (the nested shape), so "
                        + "which value applies is not clear; keep one")
            }
            result[key.rawValue] = value
        }
        if case .object(let inference)? = object["inference"], case .object(let credential)? = inference["credential"] {
            let known = Set(flatNames.keys.filter { $0.count == 3 && $0[1] == "credential" }.map { $0[2] })
            for name in credential.keys.sorted() where name.lowercased().hasPrefix("helper") && !known.contains(name) {
                warnings.append(
                    "\(source): inference.credential.\(VisibleText.of(String(name.prefix(80)))) is not a key the host "
                        + "reads; the helper keys there are \(known.sorted().joined(separator: ", "))")
            }
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
