import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// Windows registry exports (`.reg`) as `regedit /e` writes them: UTF-16LE with a byte-order mark and
/// CRLF line ends, every value of `…\SOFTWARE\Policies\Claude` a REG_SZ; and the same text in UTF-8.
@Suite("Configuration from Windows registry exports (.reg)")
struct RegistryExportTests {
    let folder = HelperScripts()

    /// `lines` joined with CRLF and a final blank line, as regedit ends an export.
    static func text(_ lines: [String]) -> String { lines.joined(separator: "\r\n") + "\r\n\r\n" }

    /// `text` as regedit writes it: `FF FE`, then UTF-16LE.
    static func utf16(_ text: String) -> [UInt8] {
        [0xFF, 0xFE] + text.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
    }

    static let machineExport = text([
        "Windows Registry Editor Version 5.00",
        "",
        #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude]"#,
        #""inferenceCredentialHelper"="C:\\Program Files\\Corp\\helper \"v2\".exe""#,
        #""inferenceCredentialHelperTtlSec"="1800""#,
        #""inferenceCredentialHelperSilentRefreshEnabled"="false""#,
        #""inferenceCustomHeaders"="{\"X-Org\":\"acme\"}""#,
        #""inferenceGatewayAuthScheme"="x-api-key""#,
        #""unrelatedKey"="ignored""#,
    ])

    func file(_ name: String, _ bytes: [UInt8]) -> String {
        let path = folder.path(name)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        return path
    }

    @Test("regedit's UTF-16LE export with BOM and CRLF, and the same text in UTF-8, read the same values")
    func encodings() throws {
        for (name, bytes) in [
            ("policy-utf16.reg", Self.utf16(Self.machineExport)), ("policy-utf8.reg", Array(Self.machineExport.utf8)),
        ] {
            let path = file(name, bytes)
            let configuration = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)]).configuration
            #expect(configuration.helperPath == #"C:\Program Files\Corp\helper "v2".exe"#, "\(name)")
            #expect(configuration.ttlSeconds == 1800)
            #expect(!configuration.silentRefreshEnabled)
            #expect(configuration.customHeaders["X-Org"] == "acme")
            #expect(configuration.authScheme == .xAPIKey)
        }
    }

    @Test("machine policy (HKLM) wins over user policy (HKCU) in one export; other keys are ignored")
    func machineOverUser() throws {
        let export = Self.text([
            "Windows Registry Editor Version 5.00", "",
            #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude]"#,
            #""inferenceCredentialHelper"="/machine/helper""#, "",
            #"[HKEY_CURRENT_USER\SOFTWARE\Policies\Claude]"#,
            #""inferenceCredentialHelper"="/user/helper""#,
            #""inferenceCredentialHelperTimeoutSec"="45""#, "",
            #"[HKEY_CURRENT_USER\SOFTWARE\Policies\Other]"#,
            #""inferenceCredentialHelperTtlSec"="5""#,
        ])
        let path = file("both.reg", Self.utf16(export))
        let configuration = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)]).configuration
        #expect(configuration.helperPath == "/machine/helper")
        #expect(configuration.timeoutSeconds == 45)
        #expect(configuration.ttlSeconds == 3600)
    }

    @Test("a DWORD or a multi-string (continued hex lines) for a key is an error naming it: the app reads REG_SZ only")
    func nonStringValues() throws {
        let cases: [(String, String)] = [
            (#""inferenceCredentialHelperTtlSec"=dword:00000e10"#, "inferenceCredentialHelperTtlSec"),
            (
                #""inferenceCustomHeaders"=hex(7):58,00,2d,00,4f,00,72,00,67,00,3a,00,20,00,61,00,\"# + "\r\n"
                    + "  00,00,00,00", "inferenceCustomHeaders"
            ),
        ]
        for (line, key) in cases {
            let export = Self.text([
                "Windows Registry Editor Version 5.00", "", #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude]"#,
                #""inferenceCredentialHelper"="/h""#, line,
            ])
            let path = file("typed.reg", Self.utf16(export))
            do {
                _ = try ConfigurationLayer.file(at: path)
                Issue.record("accepted \(line)")
            } catch {
                #expect(error.message.hasPrefix("\(key) (from config file \(path))"), "\(error.message)")
                #expect(error.message.contains("will not read it"), "\(error.message)")
            }
        }
    }

    @Test("broken exports are configuration errors naming the file and the line")
    func refusals() throws {
        let header = "Windows Registry Editor Version 5.00\r\n\r\n[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Claude]\r\n"
        let cases: [([UInt8], String)] = [
            (Self.utf16(header + "inferenceCredentialHelper=\"/h\"\r\n"), "line 4"),
            (Self.utf16(header + "\"inferenceCredentialHelper\"=\"/h\r\n"), "line 4"),
            (Self.utf16(header + "\"a\"=\"1\"\r\n\"A\"=\"2\"\r\n"), "line 5"),
            (Self.utf16(header) + [0x41], "odd number of bytes"),
            (Self.utf16("REGEDIT5\r\n"), "first line"),
            (Self.utf16(header + "[-]\r\n"), "names no key"),
            (Self.utf16(header + "\"x\"=\"C:\\path\"\r\n"), "backslash"),
            (
                Array("Windows Registry Editor Version 5.00\r\n\r\n[HKEY_USERS\\x]\r\n".utf8),
                "has no HKEY_LOCAL_MACHINE"
            ),
        ]
        for (bytes, expected) in cases {
            let path = file("broken.reg", bytes)
            do {
                _ = try ConfigurationLayer.file(at: path)
                Issue.record("accepted a broken export (\(expected))")
            } catch {
                #expect(error.code == .configuration && error.message.contains(path), "\(error)")
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}
