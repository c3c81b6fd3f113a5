import CredentialHelperHost
import CredentialHelperProtocol
import HelperFastPath

/// The parsers that read untrusted bytes, each with the invariants every answer must keep. A crash
/// ends the process; a broken invariant is returned as a finding.
public enum FuzzTarget: String, Sendable, CaseIterable {
    /// The helper's stdout (docs/protocol.md §4).
    case helperOutput = "helper-output"
    /// The ready-made helper's profiles file.
    case profiles
    /// A host configuration file (flat JSON or `claude_desktop_config.json`), resolved.
    case hostConfiguration = "host-configuration"
    /// A host configuration file that is a property list (XML or binary), checked against Foundation.
    case propertyList = "plist"
    /// A Windows registry export (`.reg`, UTF-16LE with BOM or UTF-8), parsed and resolved.
    case registryExport = "reg"
    /// A configuration in the nested JSON shape (`{"inference": {"credential": …}}`), resolved.
    case nestedConfiguration = "nested-json"
    /// What a login shell prints around its `PATH` between the probe's markers.
    case loginShellPath = "login-shell-path"

    /// The inputs to start from, as bytes: ``corpus``, or for property lists binary ones too.
    public var seeds: [[UInt8]] {
        switch self {
        case .propertyList: PropertyListTarget.seeds
        case .registryExport: ConfigurationTargets.registrySeeds
        default: corpus.map { Array($0.utf8) }
        }
    }

    /// Inputs to start from, as text.
    public var corpus: [String] {
        switch self {
        case .propertyList:
            PropertyListTarget.seeds.compactMap { String(validating: $0, as: UTF8.self) }
        case .registryExport: ConfigurationTargets.registryCorpus
        case .nestedConfiguration: ConfigurationTargets.nestedCorpus
        case .loginShellPath: ConfigurationTargets.loginShellCorpus
        case .helperOutput:
            [
                "tok-123\n", "{\"token\":\"abc\"}",
                "{\"token\":\"abc\",\"headers\":{\"X-Org\":\"prod\",\"X-B\":\"two words\"}}",
                "Welcome\ntok-0123456789\n", "[\"abc\"]", "{\"AccessKeyId\":\"A\",\"SecretAccessKey\":\"s\"}",
                "\u{FEFF}{\"token\":\"abc\",\"headers\":null}\r\n", "Bearer tok", "{\"token\":\"a\",\"token\":\"b\"}",
            ]
        case .profiles:
            [
                #"{"defaultProfile":"corp","profiles":{"corp":{"issuer":"https://idp.example.com","clientId":"c","scopes":["openid","x"],"hostTtlSec":600,"headers":{"X-Org":"a"}}}}"#,
                #"{"profiles":{"e":{"kind":"exec","command":["/usr/bin/gcloud","auth","print-access-token"],"timeoutSec":20}}}"#,
                #"{"profiles":{"f":{"kind":"file","path":"/run/token"},"s":{"kind":"static","token":"abc"}}}"#,
                #"{"profiles":{"svc":{"issuer":"https://idp","clientId":"s","grant":"client-credentials","clientSecretEnv":"S","redirectPort":8765}}}"#,
            ]
        case .hostConfiguration:
            [
                #"{"inferenceCredentialHelper":"/usr/local/bin/helper","inferenceCredentialHelperTtlSec":"3600"}"#,
                #"{"enterpriseConfig":{"inferenceCredentialHelper":"/h","inferenceCustomHeaders":"{\"X-A\":\"1\"}","inferenceGatewayAuthScheme":"x-api-key"}}"#,
                #"{"inferenceCredentialHelper":"/h","inferenceCustomHeaders":{"X-A":"1"},"inferenceCredentialHelperSilentRefreshEnabled":"0","inferenceCredentialHelperTimeoutSec":900}"#,
            ]
        }
    }

    /// Fragments worth inserting for this target.
    public var dictionary: [String] {
        switch self {
        case .propertyList: PropertyListTarget.dictionary
        case .registryExport: ConfigurationTargets.registryDictionary
        case .nestedConfiguration: ConfigurationTargets.nestedDictionary
        case .loginShellPath: ConfigurationTargets.loginShellDictionary
        case .helperOutput:
            ["\"token\"", "\"headers\"", "\"Host\"", "\"X-A\"", "Bearer ", "AccessKeyId", "\"\\u0074oken\""]
        case .profiles:
            [
                "\"kind\"", "\"exec\"", "\"oauth\"", "\"static\"", "\"file\"", "\"command\"", "\"issuer\"", "\"grant\"",
                "\"device\"", "\"scopes\"", "\"profiles\"", "\"defaultProfile\"", "\"hostTtlSec\"", "\"headers\"",
            ]
        case .hostConfiguration:
            [
                "\"inferenceCredentialHelper\"", "\"inferenceCredentialHelperTtlSec\"", "\"enterpriseConfig\"",
                "\"inferenceCustomHeaders\"", "\"inferenceGatewayAuthScheme\"", "\"bearer\"", "\"1\"", "\"-5\"",
            ]
        }
    }

    /// Feeds one input; returns the rejection's stable code (nil when accepted), or throws a finding.
    public func run(_ input: [UInt8]) throws(FuzzFinding) -> String? {
        switch self {
        case .helperOutput: return try Self.helperOutput(input)
        case .propertyList: return try PropertyListTarget.run(input)
        case .registryExport: return try ConfigurationTargets.registry(input)
        case .nestedConfiguration: return try ConfigurationTargets.configuration(input)
        case .loginShellPath: return try ConfigurationTargets.loginShell(input)
        case .profiles:
            do {
                _ = try ProfileCatalog.decode(input, path: "/fuzz/profiles.json", environment: [:], fileIsPrivate: true)
                return nil
            } catch {
                guard error.code == .configuration else { throw FuzzFinding("profiles rejected with \(error.code)") }
                return "configuration"
            }
        case .hostConfiguration:
            do {
                let layer = try ConfigurationLayer.parse(input, source: "fuzz")
                _ = try HostConfiguration.resolve([layer])
                return nil
            } catch {
                return error.code.rawValue
            }
        }
    }

    private static func helperOutput(_ input: [UInt8]) throws(FuzzFinding) -> String? {
        let answer: HelperAnswer
        do { answer = try HelperOutputParser().parse(input) } catch {
            // A line shown in a multiple-lines error that is one word could be the token: redacted.
            for line in error.lines where !line.contains(" ") && !line.hasSuffix("…") {
                throw FuzzFinding("multiple-lines showed a one-word line unredacted")
            }
            return error.code.rawValue
        }
        let token = Array(answer.token.reveal().utf8)
        guard !token.isEmpty, token.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else {
            throw FuzzFinding("accepted a token that is not visible ASCII")
        }
        for field in answer.headers {
            guard HeaderRules.isValidName(field.name), !HeaderRules.isForbidden(field.name),
                HeaderRules.isValidValue(field.value)
            else { throw FuzzFinding("accepted an invalid header") }
        }
        // What a helper prints back must parse to the same answer.
        do {
            let again = try HelperOutputParser().parse(answer.encoded())
            guard again.token == answer.token, again.headers == answer.headers else {
                throw FuzzFinding("the re-encoded answer parsed differently")
            }
        } catch let finding as FuzzFinding {
            throw finding
        } catch {
            throw FuzzFinding("the re-encoded answer was rejected")
        }
        return nil
    }
}

/// An invariant a parser broke.
public struct FuzzFinding: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Runs a target for a number of inputs and counts the outcomes.
public struct FuzzRun: Sendable {
    public let target: FuzzTarget
    public let seed: UInt64
    public private(set) var inputs = 0
    public private(set) var accepted = 0
    public private(set) var rejections: [String: Int] = [:]
    /// The longest one input took, and its number.
    public private(set) var slowest: (duration: Duration, input: Int) = (.zero, 0)
    /// How many inputs took more than a second.
    public private(set) var overOneSecond = 0

    public init(target: FuzzTarget, seed: UInt64) {
        self.target = target
        self.seed = seed
    }

    /// Feeds `count` inputs; throws the first finding with the input that caused it.
    public mutating func run(_ count: Int) throws(FuzzFinding) {
        var mutator = Mutator(seed: seed, seeds: target.seeds, dictionary: target.dictionary)
        for _ in 0..<count {
            let input = mutator.input()
            inputs += 1
            let started = ContinuousClock.now
            do {
                if let code = try target.run(input) { rejections[code, default: 0] += 1 } else { accepted += 1 }
                let took = ContinuousClock.now - started
                if took > slowest.duration { slowest = (took, inputs) }
                if took > .seconds(1) { overOneSecond += 1 }
            } catch {
                let hex = input.prefix(200).map { String($0, radix: 16) }.joined(separator: " ")
                throw FuzzFinding("\(target.rawValue), seed \(seed), input \(inputs): \(error.description) [\(hex)]")
            }
        }
    }
}
