import CredentialHelperHost
import DeploymentKit
import Foundation
import HelperFastPath
import TestSupport
import Testing

/// What `config write` produces is read back, with the same values, by the readers that read it in
/// production (the host's configuration reader, the helper's profiles reader), and by independent
/// parsers: Python's plistlib for the property lists, a small Python check of the `.reg` export.
@Suite("config write: read back")
struct ReadBackTests {
    let folder = HelperScripts()

    static func answers() throws -> DeploymentAnswers {
        try DeploymentAnswers(
            json: Array(Data(contentsOf: URL(fileURLWithPath: ExampleFiles.answers))), source: "answers")
    }

    func written() throws -> String {
        let deployment = try Deployment(try Self.answers())
        let out = folder.path("out")
        _ = try Deployment.write(try deployment.files(DeploymentFormat.allCases), to: out)
        return out
    }

    @Test("the host reads the .mobileconfig, the .plist and the configLibrary with the answers' values")
    func hostReadsBack() throws {
        let out = try written()
        for path in [
            "\(out)/claude-credhelper.mobileconfig", "\(out)/com.anthropic.claudefordesktop.plist",
            "\(out)/configLibrary",
        ] {
            let resolved = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)])
            let configuration = resolved.configuration
            #expect(resolved.warnings.isEmpty, "\(path): \(resolved.warnings)")
            #expect(configuration.helperPath == "/usr/bin/credhelper", "\(path)")
            #expect(configuration.ttlSeconds == 3600, "\(path)")
            #expect(configuration.timeoutSeconds == 300, "\(path)")
            #expect(configuration.silentRefreshEnabled, "\(path)")
            #expect(configuration.authScheme == .bearer, "\(path)")
            #expect(configuration.customHeaders["X-Org-Route"] == "prod", "\(path)")
        }
    }

    @Test("the host reads the .reg (UTF-16LE, as regedit writes) with the answers' values and the Windows helper path")
    func hostReadsBackRegistry() throws {
        let out = try written()
        let path = "\(out)/claude-credhelper.reg"
        let resolved = try HostConfiguration.resolve([try ConfigurationLayer.file(at: path)])
        let configuration = resolved.configuration
        #expect(resolved.warnings.isEmpty, "\(resolved.warnings)")
        #expect(configuration.helperPath == #"C:\Program Files\credhelper\credhelper.exe"#)
        #expect(configuration.ttlSeconds == 3600)
        #expect(configuration.timeoutSeconds == 300)
        #expect(configuration.silentRefreshEnabled)
        #expect(configuration.authScheme == .bearer)
        #expect(configuration.customHeaders["X-Org-Route"] == "prod")
    }

    @Test("files are 0600 in 0700 directories")
    func permissions() throws {
        let out = try written()
        for path in [out, out + "/configLibrary"] {
            let mode = try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int)
            #expect(mode == 0o700, "\(path) has mode \(String(mode, radix: 8))")
        }
        for file in try FileManager.default.subpathsOfDirectory(atPath: out) where !file.hasSuffix("configLibrary") {
            let mode = try #require(
                try FileManager.default.attributesOfItem(atPath: out + "/" + file)[.posixPermissions] as? Int)
            #expect(mode == 0o600, "\(file) has mode \(String(mode, radix: 8))")
        }
    }

    @Test("the machine-wide profiles file: every profile's hostTtlSec is the app's TTL")
    func profilesAgreeWithTheApp() throws {
        let out = try written()
        let bytes = Array(try Data(contentsOf: URL(fileURLWithPath: out + "/profiles.json")))
        let (catalog, policy) = try ProfileCatalog.decodeMachineWide(
            bytes, path: out + "/profiles.json", environment: [:])
        #expect(catalog.defaultProfile == "corp")
        #expect(policy == .add)
        #expect(catalog.profiles["corp"]?.hostTTL == .seconds(3600))
        guard case .oauth(let settings)? = catalog.profiles["corp"]?.source else {
            Issue.record("profile corp is not an OAuth profile")
            return
        }
        #expect(settings.clientID == "inference-desktop")
        #expect(settings.redirectPort == 8765)
    }

    @Test(
        "plistlib reads both property lists: the payload of type com.anthropic.claudefordesktop, every app value a string"
    )
    func plistlibReadsBack() async throws {
        let out = try written()
        let check = """
            import plistlib, sys
            profile = plistlib.load(open(sys.argv[1], 'rb'))
            assert profile['PayloadType'] == 'Configuration', profile['PayloadType']
            assert profile['PayloadVersion'] == 1
            assert profile['PayloadIdentifier'] == 'com.example.credhelper'
            payloads = [p for p in profile['PayloadContent'] if p['PayloadType'] == 'com.anthropic.claudefordesktop']
            assert len(payloads) == 1, payloads
            payload = payloads[0]
            assert profile['PayloadUUID'] != payload['PayloadUUID']
            flat = plistlib.load(open(sys.argv[2], 'rb'))
            app = {k: v for k, v in payload.items() if not k.startswith('Payload')}
            assert app == flat, (app, flat)
            assert all(isinstance(v, str) for v in flat.values()), flat
            assert flat['inferenceCredentialHelper'] == '/usr/bin/credhelper'
            assert flat['inferenceCredentialHelperTtlSec'] == '3600'
            assert flat['inferenceCredentialHelperTimeoutSec'] == '300'
            assert flat['inferenceCredentialHelperSilentRefreshEnabled'] == 'true'
            assert flat['inferenceCustomHeaders'] == '{"X-Org-Route":"prod"}'
            assert flat['inferenceGatewayAuthScheme'] == 'bearer'
            assert flat['inferenceGatewayBaseUrl'] == 'https://gateway.example.com'
            """
        let (status, output) = try await Python.run(
            check, [out + "/claude-credhelper.mobileconfig", out + "/com.anthropic.claudefordesktop.plist"])
        #expect(status == 0, "\(output)")
    }

    @Test(
        ".reg: UTF-16LE with a BOM, CRLF, HKLM\\SOFTWARE\\Policies\\Claude, every value REG_SZ, the Windows helper path"
    )
    func registryExport() async throws {
        let out = try written()
        let check = #"""
            import re, sys
            raw = open(sys.argv[1], 'rb').read()
            assert raw[:2] == b'\xff\xfe', raw[:2]
            text = raw[2:].decode('utf-16-le')
            assert '\n' not in text.replace('\r\n', ''), 'a line end is not CRLF'
            lines = text.split('\r\n')
            assert lines[0] == 'Windows Registry Editor Version 5.00', lines[0]
            assert lines[2] == '[HKEY_LOCAL_MACHINE\\SOFTWARE\\Policies\\Claude]', lines[2]
            values = {}
            for line in lines[3:]:
                if not line:
                    continue
                m = re.fullmatch(r'"((?:[^"\\]|\\.)*)"="((?:[^"\\]|\\.)*)"', line)
                assert m, 'not a REG_SZ line: ' + line
                unescape = lambda s: re.sub(r'\\(.)', r'\1', s)
                values[unescape(m.group(1))] = unescape(m.group(2))
            assert values['inferenceCredentialHelper'] == 'C:\\Program Files\\credhelper\\credhelper.exe', values
            assert values['inferenceCredentialHelperTtlSec'] == '3600'
            assert values['inferenceCredentialHelperTimeoutSec'] == '300'
            assert values['inferenceCustomHeaders'] == '{"X-Org-Route":"prod"}'
            assert values['inferenceGatewayAuthScheme'] == 'bearer'
            assert values['inferenceProvider'] == 'gateway'
            """#
        let (status, output) = try await Python.run(check, [out + "/claude-credhelper.reg"])
        #expect(status == 0, "\(output)")
    }
}

/// Runs a Python check script; returns its status and output.
enum Python {
    static func run(_ script: String, _ arguments: [String]) async throws -> (Int32, String) {
        let result = try await ProgramRun.run("/usr/bin/env", ["python3", "-c", script] + arguments)
        return (result.status, result.stdout + result.stderr)
    }
}

/// The checked-in examples (Examples/deploy).
enum ExampleFiles {
    static let directory: String = {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        return path + "/Examples/deploy"
    }()
    static var answers: String { directory + "/answers.json" }
}
