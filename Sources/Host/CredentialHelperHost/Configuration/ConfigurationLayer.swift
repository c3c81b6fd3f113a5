import CredentialHelperProtocol
import CredentialSupport

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// One source of configuration values: a config file, the environment, or command-line flags.
///
/// Values are kept as JSON values so the string forms of managed-preference stores (`"true"`,
/// `"3600"`, JSON text for headers) and native JSON types are parsed in one place, by
/// ``HostConfiguration/resolve(_:)``.
public struct ConfigurationLayer: Sendable, Hashable {
    /// Where the values came from, as shown in error messages ("config file /etc/x.json").
    public let source: String
    /// The values this layer sets.
    public var values: [ConfigurationKey: JSONValue]
    /// Things worth telling the user about this source (unknown keys that look like typos).
    public var warnings: [String]
    /// Whether the values are managed by an administrator: the file is in one of the
    /// ``ManagedLocations``.
    public var managed: Bool
    /// Whether the source sets any key other than the app's update keys
    /// (``ConfigurationKey/updateKeyNames``), known to the host or not. A managed layer that does
    /// takes the configuration over: every local value is ignored (docs/configuration.md).
    public var takesOver = true
    /// What kind of source this is.
    public var origin: Origin
    /// For a Windows registry export, which hive its values came from: the app ignores the user
    /// hive entirely when machine policy is present, in the same export or in another one.
    var registryHive: RegistryHive?

    /// The two policy hives of a registry export.
    enum RegistryHive: Sendable, Hashable {
        case machine, user
    }

    /// What kind of source a layer is: a config file, the environment or the command line.
    public enum Origin: String, Sendable, Hashable {
        case file, environment, commandLine
    }

    /// Creates a layer.
    public init(
        source: String, values: [ConfigurationKey: JSONValue] = [:], warnings: [String] = [], managed: Bool = false,
        origin: Origin = .file
    ) {
        self.source = source
        self.values = values
        self.warnings = warnings
        self.managed = managed
        self.origin = origin
    }

    /// The config files at `paths`, in the order they apply: local ones first, in the order given,
    /// then managed ones (those in `managedLocations`), so that a managed value wins over a local one.
    ///
    /// Two of the app's rules apply across files: a registry export of user policy (`HKCU`) is
    /// dropped, with a warning, when another export holds machine policy (`HKLM`); and when a managed
    /// file takes the configuration over, a local file that cannot be read is only warned about (its
    /// values would be ignored anyway), while a managed file that cannot be read is always an error.
    public static func files(
        at paths: [String], managedLocations: ManagedLocations = .system
    ) throws(ConfigurationError) -> [ConfigurationLayer] {
        var layers: [ConfigurationLayer] = []
        var failures: [(error: ConfigurationError, managed: Bool)] = []
        for path in paths {
            do {
                layers.append(try file(at: path, managedLocations: managedLocations))
            } catch {
                failures.append((error, (try? managedLocations.isManaged(path)) ?? true))
            }
        }
        let owned = layers.contains { $0.managed && $0.takesOver }
        if let failure = failures.first(where: { $0.managed || !owned }) { throw failure.error }
        var ignored = ConfigurationLayer(source: "local config files", origin: .file)
        ignored.warnings = failures.map {
            "\($0.error.message) (ignored: a managed source takes the configuration over)"
        }
        if let machine = layers.first(where: { $0.registryHive == .machine }) {
            for user in layers where user.registryHive == .user {
                ignored.warnings.append(
                    "\(user.source) is ignored: it holds user policy (HKEY_CURRENT_USER), and \(machine.source) holds "
                        + "machine policy, which the app then reads alone")
            }
            layers.removeAll { $0.registryHive == .user }
        }
        if !ignored.warnings.isEmpty { layers.insert(ignored, at: 0) }
        return layers.filter { !$0.managed } + layers.filter(\.managed)
    }

    /// The overrides in `environment`: each key's upper-snake-case variable
    /// (``ConfigurationKey/environmentVariable``); empty variables are ignored.
    public static func environment(_ environment: [String: String]) -> ConfigurationLayer {
        var layer = ConfigurationLayer(source: "the environment", origin: .environment)
        for key in ConfigurationKey.allCases {
            if let value = environment[key.environmentVariable], !value.isEmpty {
                layer.values[key] = key.kept(.string(value))
            }
        }
        return layer
    }

    /// Reads a config file: `claude_desktop_config.json`, whose keys are in an `enterpriseConfig`
    /// object; a flat JSON object of keys; a macOS managed-preferences property list (XML or
    /// binary) or `.mobileconfig` profile; or, for a folder, the desktop app's configuration library
    /// (its applied configuration; see `docs/configuration.md`). Other keys are ignored.
    ///
    /// A config file decides which helper runs and where credentials are sent, so it must pass
    /// `TrustedPath` like the helper: another local user who can write it, or a directory above it,
    /// must not be able to choose those. The layer is managed when the file is in one of
    /// `managedLocations`, whatever its format.
    public static func file(
        at path: String, managedLocations: ManagedLocations = .system
    ) throws(ConfigurationError) -> ConfigurationLayer {
        try checkTrusted(path, role: "the config file")
        if ConfigLibrary.isFolder(path) {
            var layer = try ConfigLibrary.layer(at: path)
            layer.managed = try managedLocations.isManaged(path)
            return layer
        }
        // Whether the file is managed is decided by the descriptor its bytes were read from.
        let file = try PinnedConfigFile.load(path, limit: maximumFileBytes)
        var layer = try parse(file.bytes, source: "config file \(path)")
        layer.managed = try managedLocations.isManaged(resolved: file.resolvedPath, owner: file.owner, shownAs: path)
        return layer
    }

    /// The most bytes a config file may have.
    static let maximumFileBytes = 1 << 20

    /// Refuses `path` when another user could have changed it (`TrustedPath`); a missing file is
    /// left to the reader, whose message says what was expected there.
    static func checkTrusted(_ path: String, role: String) throws(ConfigurationError) {
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        do { try TrustedPath.check(absolute, role: role) } catch  where error.code == .missing {
            return
        } catch {
            throw .unusable("\(role) \(path) is not trusted: \(error.description)")
        }
    }

    /// Parses the text of a config file, JSON or a property list; `source` names it in messages. A
    /// key set twice in one object is refused. The layer is not managed: that depends on where the
    /// file is (``file(at:managedLocations:)``), not on what it holds.
    public static func parse(_ bytes: [UInt8], source: String) throws(ConfigurationError) -> ConfigurationLayer {
        var object: [String: JSONValue]
        var warnings: [String] = []
        var hive: RegistryHive?
        if RegistryExport.looksLikeRegistryExport(bytes) {
            var machinePolicy = false
            object = try RegistryExport.configurationValues(
                bytes, source: source, warnings: &warnings, machinePolicy: &machinePolicy)
            hive = machinePolicy ? .machine : .user
        } else if PropertyListConfiguration.looksLikePropertyList(bytes) {
            object = try PropertyListConfiguration.values(bytes, source: source)
        } else {
            object = try jsonObject(
                bytes, source: source, expected: "a JSON object of configuration keys",
                syntaxFix: "fix the JSON syntax",
                duplicateFix: ", so which value applies is not clear; keep one")
        }
        if let enterprise = object["enterpriseConfig"] {
            guard case .object(let inner) = enterprise else {
                throw .malformed("\"enterpriseConfig\" in \(source) is \(enterprise.typeName); expected an object")
            }
            object = inner
        }
        object = try NestedConfiguration.flattened(object, source: source, warnings: &warnings)
        var layer = layer(from: object, source: source)
        layer.warnings = warnings + layer.warnings
        layer.registryHive = hive
        return layer
    }
}

extension ConfigurationLayer {
    /// The JSON object in `bytes`, refused (naming `source`) when it is not JSON, not an object, or
    /// sets a key twice in one object: `expected` says what the file should hold, `syntaxFix` and
    /// `duplicateFix` end the two messages with what to do.
    static func jsonObject(
        _ bytes: [UInt8], source: String, expected: String, syntaxFix: String, duplicateFix: String
    ) throws(ConfigurationError) -> [String: JSONValue] {
        let root: JSONValue
        do {
            root = try JSONValue.decode(bytes)
        } catch {
            throw .malformed("\(source) is not valid: \(error.detail); \(syntaxFix)")
        }
        guard case .object(let object) = root else {
            throw .malformed("\(source) holds \(root.typeName); expected \(expected)")
        }
        if let duplicate = JSONDuplicateKeys.first(in: bytes) {
            throw .malformed(
                "\(source) has the key \"\(VisibleText.of(String(duplicate.prefix(80))))\" twice in one object"
                    + duplicateFix)
        }
        return object
    }
}

/// A configuration resolved from layers, with the warnings raised while resolving it.
public struct ResolvedConfiguration: Sendable, Hashable {
    /// A value that did not apply because a managed source took the configuration over.
    public struct IgnoredValue: Sendable, Hashable {
        /// The key.
        public let key: ConfigurationKey
        /// Where the ignored value came from.
        public let source: String
        /// What kind of layer it came from (nil: not known).
        public let origin: ConfigurationLayer.Origin?
        /// The managed source whose value applies.
        public let winner: String
    }

    /// The configuration.
    public let configuration: HostConfiguration
    /// Non-fatal problems: clamped values, unknown keys, values ignored because a managed source wins.
    public let warnings: [String]
    /// Where each configured key's effective value came from (keys left at their default are absent).
    public var sources: [ConfigurationKey: String] = [:]
    /// The values a managed source overrode.
    public var ignored: [IgnoredValue] = []
}
