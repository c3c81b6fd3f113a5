import CredentialHelperProtocol

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

/// The desktop app's local configuration library: a folder (`configLibrary/`) holding `_meta.json`,
/// which names the applied configuration (`{"appliedId": "<id>", "entries": [{"id", "name"}]}`), and
/// one `<id>.json` per saved configuration, a flat object of keys (docs/configuration.md).
/// `appliedId` null or absent means no configuration is applied.
enum ConfigLibrary {
    /// The file naming the applied configuration.
    static let metaFile = "_meta.json"

    /// Whether `path` is a folder (a configuration library rather than a file).
    static func isFolder(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The applied configuration of the library at `folder`, as a layer.
    static func layer(at folder: String) throws(ConfigurationError) -> ConfigurationLayer {
        let metaPath = folder + "/" + metaFile
        let metaSource = "configuration library \(folder) (\(metaFile))"
        let meta = try object(readingFile: metaPath, source: metaSource) {
            "cannot read \(metaPath): --config names a folder, which must be the app's configLibrary folder "
                + "with its \(metaFile); check the path"
        }
        let id: String
        switch meta["appliedId"] {
        case .string(let applied) where !applied.isEmpty:
            id = applied
        case nil, .null?, .string?:
            throw .malformed(
                "no configuration is applied in \(metaSource) (appliedId is empty); apply one in the app's "
                    + "third-party inference settings, or pass a configuration file to --config")
        case let other?:
            throw .malformed("appliedId in \(metaSource) is \(other.typeName); expected the id of a configuration")
        }
        guard isSafeIdentifier(id) else {
            throw .malformed(
                "appliedId in \(metaSource) is not a configuration id (letters, digits, \"-\", \"_\" and \".\" only, "
                    + "no path): it must name a file in the folder; apply the configuration again in the app")
        }
        let name = entryName(meta["entries"], id: id).map { " \"\($0)\"" } ?? ""
        let path = folder + "/" + id + ".json"
        let bytes = try contents(of: path) {
            "cannot read \(path): \(metaSource) applies configuration \(id)\(name), whose file is missing or "
                + "unreadable; apply a configuration again in the app"
        }
        return try ConfigurationLayer.parse(bytes, source: "configuration \(id)\(name) of \(folder)")
    }

    /// An id that names a file inside the folder: no separators, no leading dot, printable ASCII.
    static func isSafeIdentifier(_ id: String) -> Bool {
        guard !id.hasPrefix("."), id.utf8.count <= 200 else { return false }
        return id.unicodeScalars.allSatisfy { scalar in
            scalar.properties.isASCIIHexDigit || ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || scalar == "-" || scalar == "_" || scalar == "."
        }
    }

    /// The `name` of the entry with `id`, if the entries list has one.
    private static func entryName(_ entries: JSONValue?, id: String) -> String? {
        guard case .array(let list)? = entries else { return nil }
        for case .object(let entry) in list where entry["id"] == .string(id) {
            // A display name, shown in messages: without control characters, and short.
            if case .string(let name)? = entry["name"] { return VisibleText.of(name, limit: 60) }
        }
        return nil
    }

    private static func object(
        readingFile path: String, source: String, unreadable: () -> String
    ) throws(ConfigurationError) -> [String: JSONValue] {
        try ConfigurationLayer.jsonObject(
            try contents(of: path, unreadable: unreadable), source: source, expected: "a JSON object",
            syntaxFix: "apply a configuration again in the app",
            duplicateFix: "; apply a configuration again in the app")
    }

    private static func contents(of path: String, unreadable: () -> String) throws(ConfigurationError) -> [UInt8] {
        try ConfigurationLayer.checkTrusted(path, role: "the configuration library file")
        guard let data = FileManager.default.contents(atPath: path) else { throw .unusable(unreadable()) }
        return Array(data)
    }
}
