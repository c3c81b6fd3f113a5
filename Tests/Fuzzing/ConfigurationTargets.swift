import CredentialHelperHost
import CredentialHelperProtocol

/// The fuzz targets of the configuration readers added for the app's sources: Windows registry
/// exports, the nested JSON shape, and the login shell's `PATH` output.
enum ConfigurationTargets {
    static let registryCorpus = [
        "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Claude]\r\n"
            + "\"inferenceCredentialHelper\"=\"C:\\\\corp\\\\helper.exe\"\r\n\"inferenceCredentialHelperTtlSec\"=\"900\"\r\n"
            + "\"inferenceCustomHeaders\"=\"{\\\"X-Org\\\":\\\"a\\\"}\"\r\n\r\n",
        "Windows Registry Editor Version 5.00\n\n[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Claude]\n\"a\"=dword:0000002a\n"
            + "\"inferenceCredentialHelper\"=\"/h\"\n\"m\"=hex(7):41,00,00,00,\\\n  00,00\n@=\"d\"\n[-HKEY_CURRENT_USER\\x]\n",
        "REGEDIT4\n\n[HKLM\\SOFTWARE\\Policies\\Claude]\n\"inferenceGatewayBaseUrl\"=\"https://gw\"\n\"x\"=-\n",
    ]

    /// The corpus as UTF-8, and each entry again as regedit writes it: UTF-16LE after `FF FE`.
    static var registrySeeds: [[UInt8]] {
        registryCorpus.map { Array($0.utf8) }
            + registryCorpus.map { [0xFF, 0xFE] + $0.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] } }
    }

    static let registryDictionary = [
        "[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Claude]", "\r\n", "\"=\"", "dword:", "hex(7):", "hex(2):", "hex(b):",
        "[HKEY_CURRENT_USER\\SOFTWARE\\Policies\\Claude\\Sub]", "\\\\", "\\\"", "=-",
        "\"inferenceCredentialHelper\"", "\"inferenceGatewayHeaders\"", "[-", "@=", "\\\n",
    ]

    static let nestedCorpus = [
        #"{"inferenceCredentialHelper": "/h", "inference": {"credential": {"kind": "helper-script", "timeoutSec": "45", "authScheme": "bearer"}, "customHeaders": "{\"X-A\":\"1\"}"}}"#,
        #"{"inference": {"provider": "gateway", "gateway": {"baseUrl": "https://gw.example.com", "authScheme": "x-api-key", "apiKey": "k"}, "credential": {"helper": "/h", "silentRefreshEnabled": "false"}}}"#,
        #"{"inferenceCredentialHelper": "/h", "inference": {"credential": {"helperTimeoutSec": 30, "helperTTL": "1"}}}"#,
    ]

    static let nestedDictionary = [
        "\"inference\"", "\"credential\"", "\"helper\"", "\"helperTtlSec\"", "\"customHeaders\"", "\"gateway\"",
        "\"baseUrl\"", "\"kind\"", "\"inferenceCredentialHelper\"", "{", "}", "\"https://x\"",
    ]

    static let loginShellCorpus = [
        "Welcome!\nm</usr/local/bin:/opt/corp/bin:/usr/bin>m\n",
        "PATH=/decoy\nm<>m m</a:b::/c>m",
        "m</x\u{7}y:/ok>mm<",
    ]

    static let loginShellDictionary = ["m<", ">m", ":", "/usr/bin", "PATH=", "\n", "\u{0}", "::"]

    /// A `.reg` export through the registry parser and the host's configuration path.
    static func registry(_ input: [UInt8]) throws(FuzzFinding) -> String? {
        if let sections = try? RegistryExport.parse(input) {
            for section in sections where section.path.isEmpty {
                throw FuzzFinding("a section with an empty path was accepted")
            }
        }
        return try configuration(input)
    }

    /// A config file through `ConfigurationLayer.parse` and `HostConfiguration.resolve`: accepted, or
    /// refused with a configuration error, and never keeping the gateway API key.
    static func configuration(_ input: [UInt8]) throws(FuzzFinding) -> String? {
        do {
            let layer = try ConfigurationLayer.parse(input, source: "fuzz")
            if case .string(let kept)? = layer.values[.gatewayAPIKey], !kept.isEmpty, kept != "(set; not kept)" {
                throw FuzzFinding("a layer kept the gateway API key's value")
            }
            _ = try HostConfiguration.resolve([layer])
            return nil
        } catch let finding as FuzzFinding {
            throw finding
        } catch let error as ConfigurationError {
            return error.code.rawValue
        } catch {
            throw FuzzFinding("an unexpected error: \(error)")
        }
    }

    /// The probe's output parser: every entry kept is absolute, printable and within the limits.
    static func loginShell(_ input: [UInt8]) throws(FuzzFinding) -> String? {
        guard let entries = LoginShellPath.parse(input, marker: "m") else { return "no-markers" }
        guard entries.count <= LoginShellPath.maximumEntries else { throw FuzzFinding("too many entries kept") }
        for entry in entries {
            guard entry.hasPrefix("/"), entry.utf8.count <= LoginShellPath.maximumEntryBytes,
                !entry.contains(":"), entry.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F })
            else { throw FuzzFinding("an entry that is not an absolute, printable directory was kept") }
        }
        return nil
    }
}
