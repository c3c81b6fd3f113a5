/// The files `credhelper config write` can produce.
public enum DeploymentFormat: String, Sendable, Hashable, CaseIterable {
    /// A configuration profile for Jamf, Intune and other Apple MDM: the app's keys in a payload of
    /// type `com.anthropic.claudefordesktop`.
    case mobileconfig
    /// The managed-preferences property list, as MDM leaves it in
    /// `/Library/Managed Preferences/<user>/com.anthropic.claudefordesktop.plist`.
    case plist
    /// A registry export for Group Policy or Intune: `HKLM\SOFTWARE\Policies\Claude`, every value
    /// `REG_SZ`, UTF-16LE with a byte-order mark as regedit writes it.
    case reg
    /// The app's local `configLibrary` folder: `_meta.json` and one applied configuration.
    case configLibrary = "config-library"
    /// The machine-wide profiles file (`/etc/credhelper/profiles.json`).
    case profiles
    /// Claude Code's managed settings (`/etc/claude-code/managed-settings.json`, macOS
    /// `/Library/Application Support/ClaudeCode/managed-settings.json`): its helper settings
    /// (`apiKeyHelper`, `otelHeadersHelper`, `awsCredentialExport`) answered by `credhelper`.
    case claudeCode = "claude-code"

    /// Where the format's file goes, relative to the output directory.
    public var fileName: String {
        switch self {
        case .mobileconfig: "claude-credhelper.mobileconfig"
        case .plist: "com.anthropic.claudefordesktop.plist"
        case .reg: "claude-credhelper.reg"
        case .configLibrary: "configLibrary"
        case .profiles: "profiles.json"
        case .claudeCode: "managed-settings.json"
        }
    }
}
