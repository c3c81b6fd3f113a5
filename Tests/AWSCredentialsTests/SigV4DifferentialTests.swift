import AWSSigning
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// Our Signature Version 4 against botocore's, the reference: Tests/Fixtures/aws/sigv4_cases.py
/// generates requests (regions, times from 1970 to 2099, credentials with and without session
/// tokens, odd paths, query strings and headers), signs each with botocore's SigV4Auth /
/// SigV4QueryAuth or makes a Bedrock API key with aws-bedrock-token-generator, and we sign the same.
@Suite struct SigV4DifferentialTests {
    struct Case: Decodable {
        var kind: String
        var method: String?
        var url: String?
        var headers: [[String]]?
        var params: [[String]]?
        var body: String?
        var ak: String
        var sk: String
        var token: String?
        var region: String
        var service: String?
        var time: Double
        var expires: Int?
        var expected: String
    }

    static let casesScript = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/aws/sigv4_cases.py").path

    /// Runs the generator and returns its cases.
    static func cases(seed: Int, count: Int) throws -> [Case] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", casesScript, String(seed), String(count)]
        // Into a file, not a pipe read to its end: a fixture started at the same moment by another
        // test can inherit the pipe's write end and hold it open for the whole run (a fresh-clone
        // run hung here, a gateway fixture holding the write end; seen in /proc).
        let outputPath = NSTemporaryDirectory() + "/credhelper-sigv4-cases-\(UUID().uuidString).jsonl"
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
            let output = FileHandle(forWritingAtPath: outputPath)
        else { throw FixtureError("cannot create \(outputPath)") }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        try output.close()
        let data = try Data(contentsOf: URL(fileURLWithPath: outputPath))
        guard process.terminationStatus == 0 else {
            throw FixtureError("sigv4_cases.py exited with status \(process.terminationStatus)")
        }
        let decoder = JSONDecoder()
        return try data.split(separator: 0x0A).map { try decoder.decode(Case.self, from: Data($0)) }
    }

    /// What we produce for `item`: the Authorization header, presigned URL or Bedrock key.
    static func ours(_ item: Case) -> String {
        let credentials = AWSSessionCredentials(
            accessKeyID: item.ak, secretAccessKey: Secret(item.sk), sessionToken: item.token.map(Secret.init))
        let headers = (item.headers ?? []).map { (name: $0[0], value: $0[1]) }
        switch item.kind {
        case "bedrock":
            return BedrockAPIKey.make(
                credentials: credentials, region: item.region, now: item.time, lifetime: item.expires ?? 0)?.reveal()
                ?? "(none)"
        case "query":
            let signer = SigV4Signer(credentials: credentials, region: item.region, service: item.service ?? "")
            return signer.presignedURL(
                SigV4Request(method: item.method ?? "", url: item.url ?? "", headers: headers),
                parameters: (item.params ?? []).map { ($0[0], $0[1]) }, expires: item.expires ?? 0, at: item.time)
        default:
            let signer = SigV4Signer(credentials: credentials, region: item.region, service: item.service ?? "")
            let body = Array(Data(base64Encoded: item.body ?? "") ?? Data())
            let signed = signer.signed(
                SigV4Request(method: item.method ?? "", url: item.url ?? "", headers: headers, body: body),
                at: item.time)
            return signed.headers.last { $0.name == "Authorization" }?.value ?? "(none)"
        }
    }

    @Test("100,000 generated requests sign exactly as botocore signs them (0 differences)")
    func differential() async throws {
        // About a minute of work in a debug build: on a thread of its own, not the test pool's.
        let (total, kinds, differences) = try await OffPool.run { try Self.compareAll() }
        #expect(total == 100_000)
        #expect(kinds.count == 3, "every kind generated: \(kinds)")
        // Escaped: a difference may hold combining marks and controls, which the console would garble.
        let shown = differences.prefix(6).map { text in
            text.unicodeScalars.map {
                $0.isASCII && $0.value >= 0x20 ? String($0) : "\\u{\(String($0.value, radix: 16))}"
            }
            .joined()
        }
        #expect(differences.isEmpty, "differences from botocore: \(shown)")
    }

    /// Signs every generated case; returns the count, the count per kind and the first differences.
    static func compareAll() throws -> (Int, [String: Int], [String]) {
        var total = 0
        var differences: [String] = []
        var kinds: [String: Int] = [:]
        for seed in 1...4 {
            for item in try cases(seed: seed, count: 25_000) {
                total += 1
                kinds[item.kind, default: 0] += 1
                let same = Self.ours(item) == item.expected
                if !same, differences.count < 5 {
                    // Test credentials made up by the generator: the case is shown to debug it.
                    differences.append("\(item.kind) \(item.method ?? "") \(item.url ?? "") \(item.headers ?? [])")
                }
                if !same, differences.count >= 5 { differences.append("…") }
            }
        }
        return (total, kinds, differences)
    }

    @Test("A Bedrock API key never outlives the credentials, nor 12 hours")
    func bedrockLifetime() throws {
        let now = 1_780_000_000.0
        func expires(_ credentials: AWSSessionCredentials, lifetime: Int = BedrockAPIKey.maximumLifetime) -> String? {
            guard
                let key = BedrockAPIKey.make(
                    credentials: credentials, region: "us-east-1", now: now, lifetime: lifetime)
            else { return nil }
            let decoded = Data(base64Encoded: String(key.reveal().dropFirst("bedrock-api-key-".count))) ?? Data()
            let url = String(decoding: decoded, as: UTF8.self)
            return url.split(separator: "&").first { $0.hasPrefix("X-Amz-Expires=") }.map { String($0.dropFirst(14)) }
        }
        let longTerm = AWSSessionCredentials(accessKeyID: "AKIAEXAMPLE", secretAccessKey: Secret("s"))
        #expect(expires(longTerm) == "43200")
        #expect(expires(longTerm, lifetime: 90_000) == "43200")
        var session = longTerm
        session.expiration = now + 1800.7
        #expect(expires(session) == "1800")
        session.expiration = now + 0.5
        #expect(expires(session) == nil, "no key from credentials with less than a second left")
    }
}
