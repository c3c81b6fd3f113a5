import CredentialHelperProtocol

/// What an administrator decides once for a deployment: the helper the app runs, one credential
/// lifetime, the sign-in timeout, the app's other settings, and the machine-wide profiles. Read from
/// an answers file (a JSON object with the keys below, see docs/deploy.md) and from flags, which win.
public struct DeploymentAnswers: Sendable, Hashable {
    /// The helper the app runs: the plain `credhelper` installed by the package.
    public var helperPath = "/usr/bin/credhelper"
    /// The helper's path on Windows, for the `.reg` export (`C:\…`); no `.reg` without it.
    public var windowsHelperPath: String?
    /// How long a credential is used, in seconds: the app's `inferenceCredentialHelperTtlSec` and
    /// every profile's `hostTtlSec`, so the two cannot disagree.
    public var ttlSeconds = 3600
    /// How long the app waits for the helper, in seconds. The app's default, 60 s, is short for a
    /// browser sign-in with a second factor; the default here is ``signInTimeoutSeconds``.
    public var timeoutSeconds = DeploymentAnswers.signInTimeoutSeconds
    /// Whether the app runs the helper again for a silent refresh.
    public var silentRefreshEnabled = true
    /// `bearer` or `x-api-key`.
    public var authScheme = "bearer"
    /// Headers the app sends with every request (`inferenceCustomHeaders`).
    public var customHeaders: [String: String] = [:]
    /// The app's other settings (gateway URL, provider, …), written as they are, each a string.
    public var appSettings: [String: String] = [:]
    /// The reverse-DNS prefix of the configuration profile's identifiers, e.g. `com.example`.
    public var organization = "com.example"
    /// The name of the configuration, shown by MDM tools and the app's configuration list.
    public var displayName = "Inference credential helper"
    /// The machine-wide profiles, by name, as the profiles file holds them (docs/helper.md), without
    /// `hostTtlSec` (it comes from ``ttlSeconds``).
    public var profiles: [String: JSONValue] = [:]
    /// The profile the plain `credhelper` uses; optional with one profile.
    public var defaultProfile: String?
    /// The machine-wide file's `userProfiles` (`add`, `replace`, `ignore`); absent means `add`.
    public var userProfiles: String?
    /// Claude Code's helper settings answered by a profile: `apiKeyHelper`, `otelHeadersHelper` or
    /// `awsCredentialExport` → the profile's name. Written to Claude Code's `managed-settings.json`
    /// (``DeploymentFormat/claudeCode``), each as the `credhelper` subcommand of its output mode.
    public var claudeCode: [String: String] = [:]
    /// The profile whose headers the app's telemetry exporter sends: the app's `otlpHeadersHelper`
    /// (an absolute path run with no arguments) is written as the link `credhelper-PROFILE@headers`
    /// next to ``helperPath``.
    public var otlpHeadersHelper: String?
    /// Managed MCP servers (by `name`, in `appSettings.managedMcpServers`) whose `headersHelper` is a
    /// profile's headers → that profile; written as the link `credhelper-PROFILE@headers`.
    public var mcpHeadersHelpers: [String: String] = [:]

    /// Whether an answer names a `credhelper-PROFILE@headers` link (which a Windows installation lacks).
    var namesLinks: Bool { otlpHeadersHelper != nil || !mcpHeadersHelpers.isEmpty }

    /// The helper timeout written by default: five minutes, enough for a user to finish a browser
    /// sign-in with a second factor; the app's own default (60 s) cuts such a sign-in off.
    public static let signInTimeoutSeconds = 300

    /// Answers with every default and no profile.
    public init() {}

    /// The answers file's keys.
    static let keys: Set = [
        "helperPath", "windowsHelperPath", "ttlSec", "timeoutSec", "silentRefreshEnabled", "authScheme",
        "customHeaders", "appSettings", "organization", "displayName", "profiles", "defaultProfile", "userProfiles",
        "claudeCode", "otlpHeadersHelper", "mcpHeadersHelpers",
    ]

    /// Reads the answers file's JSON text; `source` names the file in errors.
    public init(json bytes: [UInt8], source: String) throws(DeploymentError) {
        let root: JSONValue
        do { root = try JSONValue.decode(bytes) } catch {
            throw DeploymentError(.answersUnreadable, "\(source) is not valid JSON: \(error.detail); fix its syntax")
        }
        guard case .object(let object) = root else {
            throw DeploymentError(
                .answersUnreadable, "\(source) holds \(root.typeName); expected a JSON object of answers")
        }
        if let duplicate = JSONDuplicateKeys.first(in: bytes) {
            throw DeploymentError(
                .answersUnreadable,
                "\(source) has the key \(JSONString.quoted(duplicate)) twice in one object; keep one")
        }
        for key in object.keys where !Self.keys.contains(key) {
            throw DeploymentError(
                .invalidAnswer,
                "\(source): unknown answer \(JSONString.quoted(key)); the answers are "
                    + Self.keys.sorted().joined(separator: ", "))
        }
        let read = AnswerReader(object: object, source: source)
        if let value = try read.string("helperPath") { helperPath = value }
        windowsHelperPath = try read.string("windowsHelperPath")
        if let value = try read.integer("ttlSec") { ttlSeconds = value }
        if let value = try read.integer("timeoutSec") { timeoutSeconds = value }
        if let value = try read.boolean("silentRefreshEnabled") { silentRefreshEnabled = value }
        if let value = try read.string("authScheme") { authScheme = value }
        if let value = try read.strings("customHeaders") { customHeaders = value }
        if let value = try read.strings("appSettings") { appSettings = value }
        if let value = try read.string("organization") { organization = value }
        if let value = try read.string("displayName") { displayName = value }
        if let value = object["profiles"] {
            guard case .object(let entries) = value else {
                throw DeploymentError(.invalidAnswer, "\(source): \"profiles\" must be an object of name → profile")
            }
            profiles = entries
        }
        defaultProfile = try read.string("defaultProfile")
        userProfiles = try read.string("userProfiles")
        if let value = try read.strings("claudeCode") { claudeCode = value }
        otlpHeadersHelper = try read.string("otlpHeadersHelper")
        if let value = try read.strings("mcpHeadersHelpers") { mcpHeadersHelpers = value }
    }
}

/// Typed reads of the answers object, each error naming the answer and what it must be.
private struct AnswerReader {
    let object: [String: JSONValue]
    let source: String

    func string(_ key: String) throws(DeploymentError) -> String? {
        guard let value = object[key] else { return nil }
        guard case .string(let text) = value else { throw wrong(key, value, "a string") }
        return text
    }

    func integer(_ key: String) throws(DeploymentError) -> Int? {
        guard let value = object[key] else { return nil }
        guard case .number(let number) = value, number == number.rounded(), abs(number) < 1e9 else {
            throw wrong(key, value, "a whole number of seconds")
        }
        return Int(number)
    }

    func boolean(_ key: String) throws(DeploymentError) -> Bool? {
        guard let value = object[key] else { return nil }
        guard case .bool(let flag) = value else { throw wrong(key, value, "true or false") }
        return flag
    }

    func strings(_ key: String) throws(DeploymentError) -> [String: String]? {
        guard let value = object[key] else { return nil }
        guard case .object(let entries) = value else { throw wrong(key, value, "an object of name → string") }
        var result: [String: String] = [:]
        for (name, entry) in entries {
            guard case .string(let text) = entry else {
                throw DeploymentError(
                    .invalidAnswer,
                    "\(source): \(key).\(name) is \(entry.typeName); expected a string (the app stores every value as "
                        + "a string)")
            }
            result[name] = text
        }
        return result
    }

    private func wrong(_ key: String, _ value: JSONValue, _ expected: String) -> DeploymentError {
        DeploymentError(.invalidAnswer, "\(source): \"\(key)\" is \(value.typeName); expected \(expected)")
    }
}
