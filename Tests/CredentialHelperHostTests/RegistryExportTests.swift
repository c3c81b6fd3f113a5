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

    @Test("machine policy (HKLM) present: HKCU is ignored entirely, with a warning naming what was ignored")
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
        let resolved = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)])
        #expect(resolved.configuration.helperPath == "/machine/helper")
        #expect(resolved.configuration.timeoutSeconds == 60, "a user-hive value applied next to machine policy")
        #expect(resolved.configuration.ttlSeconds == 3600)
        #expect(
            resolved.warnings.contains {
                $0.contains("HKEY_CURRENT_USER") && $0.contains("inferenceCredentialHelperTimeoutSec")
            }, "\(resolved.warnings)")

        let userOnly = Self.text([
            "Windows Registry Editor Version 5.00", "", #"[HKEY_CURRENT_USER\SOFTWARE\Policies\Claude]"#,
            #""inferenceCredentialHelper"="/user/helper""#, #""inferenceCredentialHelperTimeoutSec"="45""#,
        ])
        let user = try HostConfiguration.resolve([
            try ConfigurationLayer.file(at: file("user.reg", Self.utf16(userOnly)))
        ]).configuration
        #expect(user.helperPath == "/user/helper" && user.timeoutSeconds == 45)
    }

    @Test(
        "REG_DWORD is read as its decimal value; REG_MULTI_SZ, REG_QWORD and REG_EXPAND_SZ are warned about, not read")
    func nonStringValues() throws {
        let dword = Self.text([
            "Windows Registry Editor Version 5.00", "", #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude]"#,
            #""inferenceCredentialHelper"="/h""#, #""inferenceCredentialHelperTtlSec"=dword:00000e10"#,
            #""inferenceCredentialHelperSilentRefreshEnabled"=dword:00000000"#,
        ])
        let read = try HostConfiguration.resolve([
            try ConfigurationLayer.file(at: file("dword.reg", Self.utf16(dword)))
        ]).configuration
        #expect(read.ttlSeconds == 3600 && !read.silentRefreshEnabled)

        let unseen: [(String, String)] = [
            (
                #""inferenceCustomHeaders"=hex(7):58,00,2d,00,4f,00,72,00,67,00,3a,00,20,00,61,00,\"# + "\r\n"
                    + "  00,00,00,00", "REG_MULTI_SZ"
            ),
            (#""inferenceCredentialHelperTtlSec"=hex(b):10,0e,00,00,00,00,00,00"#, "REG_QWORD"),
            (#""inferenceCustomHeaders"=hex(2):7b,00,7d,00,00,00"#, "REG_EXPAND_SZ"),
        ]
        for (line, type) in unseen {
            let export = Self.text([
                "Windows Registry Editor Version 5.00", "", #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude]"#,
                #""inferenceCredentialHelper"="/h""#, line,
            ])
            let resolved = try HostConfiguration.resolve([
                try ConfigurationLayer.file(at: file("typed.reg", Self.utf16(export)))
            ])
            #expect(resolved.configuration.ttlSeconds == 3600 && resolved.configuration.customHeaders.fields.isEmpty)
            #expect(resolved.warnings.contains { $0.contains(type) && $0.contains("REG_SZ") }, "\(resolved.warnings)")
        }

        // A REG_EXPAND_SZ in HKLM is machine policy being present: HKCU is then ignored.
        let expand = Self.text([
            "Windows Registry Editor Version 5.00", "", #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude]"#,
            #""inferenceCredentialHelper"=hex(2):2f,00,68,00,00,00"#, "",
            #"[HKEY_CURRENT_USER\SOFTWARE\Policies\Claude]"#, #""inferenceCredentialHelper"="/user/helper""#,
        ])
        #expect(throws: ConfigurationError.self) {
            try HostConfiguration.resolve([try ConfigurationLayer.file(at: file("expand.reg", Self.utf16(expand)))])
        }
    }

    @Test("HKLM and HKCU in two exports, as regedit writes one key per file: the user export is ignored")
    func hivesInTwoFiles() throws {
        let machine = Self.text([
            "Windows Registry Editor Version 5.00", "", #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude\]"#,
            #""inferenceCredentialHelper"="/machine/helper""#,
        ])
        let user = Self.text([
            "Windows Registry Editor Version 5.00", "", #"[HKEY_CURRENT_USER\SOFTWARE\Policies\Claude]"#,
            #""inferenceCredentialHelper"="/user/helper""#, #""inferenceCredentialHelperTimeoutSec"="45""#,
        ])
        let paths = [file("hklm.reg", Self.utf16(machine)), file("hkcu.reg", Self.utf16(user))]
        for order in [paths, paths.reversed()] {
            let resolved = try HostConfiguration.resolve(try ConfigurationLayer.files(at: order))
            #expect(resolved.configuration.helperPath == "/machine/helper", "\(order)")
            #expect(resolved.configuration.timeoutSeconds == 60)
            #expect(resolved.warnings.contains { $0.contains("hkcu.reg is ignored") }, "\(resolved.warnings)")
        }
    }

    @Test("values in a subkey of the policy key are never read, and are warned about")
    func subkey() throws {
        let export = Self.text([
            "Windows Registry Editor Version 5.00", "", #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude]"#,
            #""inferenceCredentialHelper"="/h""#, "", #"[HKEY_LOCAL_MACHINE\SOFTWARE\Policies\Claude\Inference]"#,
            #""inferenceCredentialHelperTtlSec"="60""#,
        ])
        let resolved = try HostConfiguration.resolve([
            try ConfigurationLayer.file(at: file("sub.reg", Self.utf16(export)))
        ])
        #expect(resolved.configuration.ttlSeconds == 3600)
        #expect(resolved.warnings.contains { $0.contains("never reads subkeys") }, "\(resolved.warnings)")
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
                #expect(error.code == .malformedFile && error.message.contains(path), "\(error)")
                #expect(error.message.contains(expected), "\(error.message)")
            }
        }
    }
}
