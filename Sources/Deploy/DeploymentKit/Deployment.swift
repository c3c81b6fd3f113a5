import CredentialHelperHost
import CredentialHelperProtocol
import HelperFastPath

/// A deployment checked as a whole: the app's configuration values and the machine-wide profiles
/// file, built from one set of ``DeploymentAnswers`` so that they agree (one TTL, one helper path).
/// Both are read back by the readers that will read them in production — the host's configuration
/// reader and the helper's profiles reader — before anything is written.
public struct Deployment: Sendable {
    /// The app's configuration keys and their values, every value a string, in a fixed order.
    public let appValues: [(key: String, value: String)]
    /// The machine-wide profiles file's bytes.
    public let profilesFile: [UInt8]
    /// The answers the deployment was built from.
    public let answers: DeploymentAnswers
    /// The `credhelper-PROFILE@headers` links the app's settings name, to create on every machine.
    public let links: [String]

    /// The shell commands that create ``links`` (`ln -s HELPER LINK`, each word quoted for `/bin/sh`).
    public var linkCommands: [String] {
        links.map { "ln -s \(ClaudeCodeSettings.shellWord(answers.helperPath)) \(ClaudeCodeSettings.shellWord($0))" }
    }

    /// Builds and checks the deployment; a ``DeploymentError`` names the first answer that is wrong.
    public init(_ answers: DeploymentAnswers) throws(DeploymentError) {
        self.answers = answers
        try Self.checkScalars(answers)
        appValues = try Self.appValues(answers)
        profilesFile = try Self.profilesFile(answers)
        try Self.readBack(appValues, answers: answers)
        if !answers.claudeCode.isEmpty { _ = try ClaudeCodeSettings.object(answers) }
        links = try HeadersHelperLinks.all(answers)
    }

    private static func checkScalars(_ answers: DeploymentAnswers) throws(DeploymentError) {
        guard answers.helperPath.hasPrefix("/"), !hasControl(answers.helperPath) else {
            throw DeploymentError(
                .invalidAnswer,
                "helperPath must be the absolute path of the helper on the users' machines, such as /usr/bin/credhelper"
            )
        }
        if let windows = answers.windowsHelperPath {
            let scalars = Array(windows.unicodeScalars)
            guard scalars.count > 3, scalars[0].properties.isAlphabetic, scalars[1] == ":", scalars[2] == "\\",
                !hasControl(windows)
            else {
                throw DeploymentError(
                    .invalidAnswer,
                    "windowsHelperPath must be an absolute Windows path such as C:\\Program Files\\credhelper\\credhelper.exe"
                )
            }
        }
        guard (1...HostConfiguration.maximumTTLSeconds).contains(answers.ttlSeconds) else {
            throw DeploymentError(
                .invalidAnswer,
                "ttlSec is \(answers.ttlSeconds); expected 1 to \(HostConfiguration.maximumTTLSeconds) seconds (it is "
                    + "both the app's inferenceCredentialHelperTtlSec and every profile's hostTtlSec)")
        }
        guard (1...HostConfiguration.maximumTimeoutSeconds).contains(answers.timeoutSeconds) else {
            throw DeploymentError(
                .invalidAnswer,
                "timeoutSec is \(answers.timeoutSeconds); expected 1 to \(HostConfiguration.maximumTimeoutSeconds) "
                    + "seconds (\(DeploymentAnswers.signInTimeoutSeconds) leaves time for a browser sign-in)")
        }
        guard AuthScheme(rawValue: answers.authScheme) != nil else {
            throw DeploymentError(
                .invalidAnswer,
                "authScheme is \(JSONString.quoted(answers.authScheme)); expected \"bearer\" or \"x-api-key\"")
        }
        let organization = answers.organization
        guard !organization.isEmpty, !organization.hasPrefix("."), !organization.hasSuffix("."),
            organization.unicodeScalars.allSatisfy({ isIdentifierScalar($0) || $0 == "." })
        else {
            throw DeploymentError(
                .invalidAnswer,
                "organization must be a reverse-DNS name such as com.example (letters, digits, '-' and '.'); it "
                    + "prefixes the configuration profile's identifier")
        }
        guard !answers.displayName.isEmpty, !hasControl(answers.displayName) else {
            throw DeploymentError(.invalidAnswer, "displayName must be a non-empty line of text")
        }
    }

    /// The app's keys: the credential helper's from the answers, then the other settings as given.
    private static func appValues(_ answers: DeploymentAnswers) throws(DeploymentError) -> [(
        key: String, value: String
    )] {
        var values: [(key: String, value: String)] = [
            (ConfigurationKey.helper.rawValue, answers.helperPath),
            (ConfigurationKey.ttl.rawValue, String(answers.ttlSeconds)),
            (ConfigurationKey.timeout.rawValue, String(answers.timeoutSeconds)),
            (ConfigurationKey.silentRefresh.rawValue, answers.silentRefreshEnabled ? "true" : "false"),
        ]
        if !answers.customHeaders.isEmpty {
            values.append(
                (
                    ConfigurationKey.customHeaders.rawValue,
                    JSONText.compact(.object(answers.customHeaders.mapValues(JSONValue.string)))
                ))
        }
        values.append((ConfigurationKey.authScheme.rawValue, answers.authScheme))
        if let profile = answers.otlpHeadersHelper {
            values.append(
                (
                    HeadersHelperLinks.otlpKey,
                    try HeadersHelperLinks.link(profile, answers: answers, answer: "otlpHeadersHelper")
                ))
        }
        if !answers.mcpHeadersHelpers.isEmpty, answers.appSettings[HeadersHelperLinks.mcpServersKey] == nil {
            _ = try HeadersHelperLinks.managedMcpServers(nil, answers: answers)  // names what is missing
        }
        for key in answers.appSettings.keys.sorted() {
            if key == HeadersHelperLinks.otlpKey, answers.otlpHeadersHelper != nil {
                throw DeploymentError(
                    .invalidAnswer,
                    "appSettings sets \(key); set it with the answer made for it (otlpHeadersHelper: the profile "
                        + "whose headers the telemetry exporter sends) so the link and the profile agree")
            }
            if let known = ConfigurationKey(rawValue: key), let answer = answerName(for: known) {
                throw DeploymentError(
                    .invalidAnswer,
                    "appSettings sets \(key); set it with the answer made for it (\(answer)) so the "
                        + "files stay consistent")
            }
            guard let first = key.unicodeScalars.first, first.properties.isAlphabetic,
                key.unicodeScalars.allSatisfy({ isIdentifierScalar($0) && $0 != "-" })
            else {
                throw DeploymentError(
                    .invalidAnswer,
                    "appSettings key \(JSONString.quoted(key)) is not a configuration key name (letters and digits)")
            }
            var value = answers.appSettings[key] ?? ""
            if key == HeadersHelperLinks.mcpServersKey {
                value = try HeadersHelperLinks.managedMcpServers(value, answers: answers) ?? value
            }
            guard !hasControl(value) else {
                throw DeploymentError(
                    .invalidAnswer, "appSettings.\(key) holds a control character (a line break?); write it on one line"
                )
            }
            values.append((key, value))
        }
        return values
    }

    /// The machine-wide profiles file, every profile's `hostTtlSec` the deployment's TTL.
    private static func profilesFile(_ answers: DeploymentAnswers) throws(DeploymentError) -> [UInt8] {
        guard !answers.profiles.isEmpty else {
            throw DeploymentError(
                .invalidAnswer,
                "no profile: add one to \"profiles\" in the answers file, or pass --issuer and --client-id")
        }
        var profiles: [String: JSONValue] = [:]
        for (name, value) in answers.profiles {
            guard case .object(var fields) = value else {
                throw DeploymentError(.invalidProfiles, "profile \(name) must be a JSON object (see docs/helper.md)")
            }
            if let given = fields["hostTtlSec"], given != .number(Double(answers.ttlSeconds)) {
                throw DeploymentError(
                    .invalidAnswer,
                    "profile \(name) sets hostTtlSec, which must equal the app's TTL; remove it and set \"ttlSec\" "
                        + "(\(answers.ttlSeconds) now), which sets both")
            }
            fields["hostTtlSec"] = .number(Double(answers.ttlSeconds))
            profiles[name] = .object(fields)
        }
        var root: [String: JSONValue] = ["profiles": .object(profiles)]
        let defaultProfile = answers.defaultProfile ?? (profiles.count == 1 ? profiles.keys.first : nil)
        guard let defaultProfile else {
            throw DeploymentError(
                .invalidAnswer,
                "there are \(profiles.count) profiles and no defaultProfile; name the one the app's plain credhelper uses"
            )
        }
        root["defaultProfile"] = .string(defaultProfile)
        if let policy = answers.userProfiles { root["userProfiles"] = .string(policy) }
        let bytes = Array(JSONText.document(.object(root)).utf8)
        do {
            _ = try ProfileCatalog.decodeMachineWide(bytes, path: "the machine-wide profiles file", environment: [:])
        } catch {
            throw DeploymentError(.invalidProfiles, error.description)
        }
        return bytes
    }

    /// Reads the app values back as the host will, and checks nothing was clamped or changed.
    private static func readBack(_ values: [(key: String, value: String)], answers: DeploymentAnswers)
        throws(DeploymentError)
    {
        let object = JSONValue.object(Dictionary(values.map { ($0.key, JSONValue.string($0.value)) }) { $1 })
        let resolved: ResolvedConfiguration
        do {
            let layer = try ConfigurationLayer.parse(Array(JSONText.document(object).utf8), source: "the answers")
            resolved = try HostConfiguration.resolve([layer])
        } catch {
            throw DeploymentError(.invalidConfiguration, error.message)
        }
        if let warning = resolved.warnings.first { throw DeploymentError(.invalidConfiguration, warning) }
        let configuration = resolved.configuration
        let same =
            configuration.helperPath == answers.helperPath && configuration.ttlSeconds == answers.ttlSeconds
            && configuration.timeoutSeconds == answers.timeoutSeconds
            && configuration.silentRefreshEnabled == answers.silentRefreshEnabled
            && configuration.customHeaders.count == answers.customHeaders.count
        guard same else {
            throw DeploymentError(
                .invalidConfiguration, "the host reads these answers differently from how they were given; report this")
        }
    }

    /// The answer that sets `key`, or nil for a key written through `appSettings` (the gateway keys and
    /// `inferenceCredentialKind` have no answer of their own).
    private static func answerName(for key: ConfigurationKey) -> String? {
        switch key {
        case .helper: "helperPath"
        case .ttl: "ttlSec"
        case .timeout: "timeoutSec"
        case .silentRefresh: "silentRefreshEnabled"
        case .customHeaders: "customHeaders"
        case .authScheme: "authScheme"
        case .provider, .gatewayBaseURL, .gatewayAPIKey, .credentialKind: nil
        }
    }

    static func isIdentifierScalar(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || ("0"..."9").contains(scalar) || scalar == "-"
    }

    /// C0 controls and DEL: a value with one would break the line-based formats. Bidirectional marks
    /// are allowed (a right-to-left display name may need them); the writers escape every value.
    static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F }
    }
}
