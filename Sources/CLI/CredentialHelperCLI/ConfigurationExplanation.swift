import CredentialHelperHost
import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// `get --explain`: each configuration key's effective value and where it came from, the values a
/// managed source overrode, and the warnings. Secrets are never shown: the gateway API key only as
/// set, custom headers by name only, a base URL without its user information.
struct ConfigurationExplanation {
    let resolved: ResolvedConfiguration

    /// One key's line: its effective value (nil: not set) and source.
    struct Entry: Encodable {
        let key: String
        let value: String?
        let source: String
    }

    /// What `--explain --json` prints.
    struct Document: Encodable {
        let effective: [Entry]
        let ignored: [Ignored]
        let warnings: [String]
    }

    /// A value that did not apply.
    struct Ignored: Encodable {
        let key: String
        let source: String
        let winner: String
    }

    var entries: [Entry] {
        ConfigurationKey.allCases.map { key in
            Entry(key: key.rawValue, value: value(of: key), source: resolved.sources[key] ?? "default")
        }
    }

    var document: Document {
        Document(
            effective: entries,
            ignored: resolved.ignored.map { Ignored(key: $0.key.rawValue, source: $0.source, winner: $0.winner) },
            warnings: resolved.warnings)
    }

    /// The explanation as lines for people.
    var text: String {
        var out = ""
        let width = ConfigurationKey.allCases.map(\.rawValue.count).max() ?? 0
        for entry in entries {
            let padded = entry.key.padding(toLength: width, withPad: " ", startingAt: 0)
            out += "\(padded)  \(entry.value ?? "(not set)")  [\(entry.source)]\n"
        }
        for entry in resolved.ignored {
            out += "ignored: \(entry.key.rawValue) from \(entry.source) (\(entry.winner), a managed source, wins)\n"
        }
        return out
    }

    /// The effective value of `key` as shown: never a secret.
    private func value(of key: ConfigurationKey) -> String? {
        let configuration = resolved.configuration
        switch key {
        case .helper: return configuration.helperPath
        case .ttl: return String(configuration.ttlSeconds)
        case .timeout: return String(configuration.timeoutSeconds)
        case .silentRefresh: return String(configuration.silentRefreshEnabled)
        case .customHeaders:
            let names = configuration.customHeaders.fields.map(\.name)
            return names.isEmpty ? nil : names.joined(separator: ", ") + " (values hidden)"
        case .authScheme: return configuration.authScheme.rawValue
        case .provider: return configuration.provider
        case .gatewayBaseURL: return configuration.gatewayBaseURL.map { SplitURL($0).shown }
        case .gatewayAPIKey: return configuration.hasGatewayAPIKey ? "(set; hidden)" : nil
        case .credentialKind: return configuration.credentialKind
        }
    }
}
