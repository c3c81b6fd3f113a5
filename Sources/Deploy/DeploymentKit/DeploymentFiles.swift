import CredentialHelperHost
import CredentialHelperProtocol

/// One file of a deployment: its path relative to the output directory, and its bytes.
public struct DeploymentFile: Sendable, Hashable {
    /// The path relative to the output directory (`configLibrary/_meta.json`, …).
    public let path: String
    /// The contents.
    public let bytes: [UInt8]
}

extension Deployment {
    /// The formats written when none is named: every one this deployment can produce (`.reg` only
    /// with a Windows helper path and no `credhelper-PROFILE@headers` link, Claude Code's settings only with
    /// the `claudeCode` answer).
    public var defaultFormats: [DeploymentFormat] {
        DeploymentFormat.allCases.filter {
            ($0 != .reg || (answers.windowsHelperPath != nil && !answers.namesLinks))
                && ($0 != .claudeCode || !answers.claudeCode.isEmpty)
        }
    }

    /// The files of `formats`, in the order given.
    public func files(_ formats: [DeploymentFormat]) throws(DeploymentError) -> [DeploymentFile] {
        var files: [DeploymentFile] = []
        for format in formats {
            switch format {
            case .mobileconfig: files.append(text(format.fileName, mobileconfig))
            case .plist:
                files.append(
                    text(format.fileName, PropertyListText.document(appValues.map { ($0.key, .string($0.value)) })))
            case .reg: files.append(DeploymentFile(path: format.fileName, bytes: try registryExport()))
            case .configLibrary: files += configLibrary()
            case .profiles: files.append(DeploymentFile(path: format.fileName, bytes: profilesFile))
            case .claudeCode:
                files.append(text(format.fileName, JSONText.document(try ClaudeCodeSettings.object(answers))))
            }
        }
        return files
    }

    /// The configuration profile's identifier; the payload's adds `.claudefordesktop`.
    public var profileIdentifier: String { answers.organization + ".credhelper" }

    private var mobileconfig: String {
        let payloadIdentifier = profileIdentifier + ".claudefordesktop"
        let content = appValues.map { "\($0.key)=\($0.value)" }.joined(separator: "\n")
        var payload: [(key: String, value: PropertyListText.Value)] = [
            ("PayloadDisplayName", .string(answers.displayName)),
            ("PayloadIdentifier", .string(payloadIdentifier)),
            ("PayloadType", .string("com.anthropic.claudefordesktop")),
            ("PayloadUUID", .string(NameBasedUUID.make(payloadIdentifier + "\n" + content))),
            ("PayloadVersion", .integer(1)),
        ]
        payload += appValues.map { ($0.key, .string($0.value)) }
        return PropertyListText.document([
            ("PayloadContent", .dictionaries([payload])),
            ("PayloadDescription", .string("Sets the inference credential helper of Claude Desktop (credhelper).")),
            ("PayloadDisplayName", .string(answers.displayName)),
            ("PayloadIdentifier", .string(profileIdentifier)),
            ("PayloadScope", .string("System")),
            ("PayloadType", .string("Configuration")),
            ("PayloadUUID", .string(NameBasedUUID.make(profileIdentifier + "\n" + content))),
            ("PayloadVersion", .integer(1)),
        ])
    }

    /// regedit's export: a header, the policy key, one `"name"="value"` line per value (backslash and
    /// quote escaped), CRLF line ends, UTF-16LE with a byte-order mark.
    private func registryExport() throws(DeploymentError) -> [UInt8] {
        guard let windowsHelper = answers.windowsHelperPath else {
            throw DeploymentError(
                .invalidAnswer,
                "the .reg export needs windowsHelperPath, the helper's path on Windows (such as "
                    + "C:\\Program Files\\credhelper\\credhelper.exe); set it or leave out --format reg")
        }
        if answers.namesLinks {
            throw DeploymentError(
                .invalidAnswer,
                "otlpHeadersHelper or mcpHeadersHelpers names a link credhelper-PROFILE@headers, which a Windows "
                    + "installation does not have; leave out --format reg, or those answers")
        }
        var lines = ["Windows Registry Editor Version 5.00", "", "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Claude]"]
        for (key, value) in appValues {
            let written = key == ConfigurationKey.helper.rawValue ? windowsHelper : value
            lines.append("\"\(regEscaped(key))\"=\"\(regEscaped(written))\"")
        }
        let text = lines.joined(separator: "\r\n") + "\r\n\r\n"
        var bytes: [UInt8] = [0xFF, 0xFE]
        for unit in text.utf16 { bytes += [UInt8(unit & 0xFF), UInt8(unit >> 8)] }
        return bytes
    }

    private func regEscaped(_ text: String) -> String {
        text.replacingAll("\\", with: "\\\\").replacingAll("\"", with: "\\\"")
    }

    /// The configuration's id in the app's `configLibrary`.
    public var configurationID: String { NameBasedUUID.make(profileIdentifier + ".configLibrary").lowercased() }

    private func configLibrary() -> [DeploymentFile] {
        let id = configurationID
        let meta = JSONValue.object([
            "appliedId": .string(id),
            "entries": .array([.object(["id": .string(id), "name": .string(answers.displayName)])]),
        ])
        let configuration = JSONValue.object(Dictionary(appValues.map { ($0.key, JSONValue.string($0.value)) }) { $1 })
        return [
            text("configLibrary/_meta.json", JSONText.document(meta)),
            text("configLibrary/\(id).json", JSONText.document(configuration)),
        ]
    }

    private func text(_ path: String, _ contents: String) -> DeploymentFile {
        DeploymentFile(path: path, bytes: Array(contents.utf8))
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
