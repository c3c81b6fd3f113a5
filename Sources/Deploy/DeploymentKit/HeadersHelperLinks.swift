import CredentialHelperProtocol

/// The app's settings that name an executable run with no arguments and print a JSON object of
/// headers: `otlpHeadersHelper` (the telemetry exporter) and a managed MCP server's `headersHelper`
/// (configuration reference, `managedMcpServers` fields). Each is written as the link
/// `credhelper-PROFILE@headers` next to the helper, whose name chooses the profile and the mode.
enum HeadersHelperLinks {
    /// The app's key for the telemetry exporter's headers helper.
    static let otlpKey = "otlpHeadersHelper"
    /// The app's key holding the managed MCP servers (a JSON array, as a string).
    static let mcpServersKey = "managedMcpServers"

    /// `credhelper-PROFILE@headers` in the helper's directory; `answer` names the answer in errors.
    static func link(_ profile: String, answers: DeploymentAnswers, answer: String) throws(DeploymentError) -> String {
        guard answers.profiles[profile] != nil else {
            throw DeploymentError(
                .invalidAnswer,
                "\(answer) names the profile \(JSONString.quoted(profile)), which is not one of the answers' profiles "
                    + "(\(answers.profiles.keys.sorted().joined(separator: ", ")))")
        }
        guard profile != "full" else {
            throw DeploymentError(
                .invalidAnswer,
                "\(answer) names the profile \"full\": a link named credhelper-full@headers is the full binary with the "
                    + "default profile, not that profile; rename the profile")
        }
        let helper = answers.helperPath
        return helper[..<(helper.lastIndex(of: "/") ?? helper.startIndex)] + "/credhelper-\(profile)@headers"
    }

    /// Every link the answers name (for the `ln -s` lines `config write` prints), sorted.
    static func all(_ answers: DeploymentAnswers) throws(DeploymentError) -> [String] {
        var links: Set<String> = []
        if let profile = answers.otlpHeadersHelper {
            links.insert(try link(profile, answers: answers, answer: "otlpHeadersHelper"))
        }
        for (server, profile) in answers.mcpHeadersHelpers {
            links.insert(try link(profile, answers: answers, answer: "mcpHeadersHelpers.\(server)"))
        }
        return links.sorted()
    }

    /// `managedMcpServers` (JSON text, as given in `appSettings`) with each server named in
    /// `mcpHeadersHelpers` given its `headersHelper` link, and a `headersHelperTtlSec` of at most the
    /// deployment's TTL (the profile hands out credentials that last that long; the app's default is
    /// 300 s).
    static func managedMcpServers(_ text: String?, answers: DeploymentAnswers) throws(DeploymentError) -> String? {
        guard !answers.mcpHeadersHelpers.isEmpty else { return text }
        guard let text, case .array(var servers)? = try? JSONValue.decode(Array(text.utf8)) else {
            throw DeploymentError(
                .invalidAnswer,
                "mcpHeadersHelpers needs the servers it names in appSettings.managedMcpServers, a JSON array of "
                    + "server objects (configuration reference, managedMcpServers)")
        }
        for (server, profile) in answers.mcpHeadersHelpers.sorted(by: { $0.key < $1.key }) {
            let link = try link(profile, answers: answers, answer: "mcpHeadersHelpers.\(server)")
            guard
                let index = servers.firstIndex(where: {
                    if case .object(let fields) = $0, fields["name"] == .string(server) { true } else { false }
                }), case .object(var fields) = servers[index]
            else {
                throw DeploymentError(
                    .invalidAnswer,
                    "mcpHeadersHelpers names the server \(JSONString.quoted(server)), which is not in "
                        + "appSettings.managedMcpServers (by \"name\")")
            }
            guard fields["url"] != nil, fields["server"] == nil else {
                throw DeploymentError(
                    .invalidAnswer,
                    "mcpHeadersHelpers: server \(JSONString.quoted(server)) is not a remote server with a \"url\"; "
                        + "a headers helper is for remote (http or sse) servers")
            }
            guard fields["headersHelper"] == nil else {
                throw DeploymentError(
                    .invalidAnswer,
                    "server \(JSONString.quoted(server)) already sets headersHelper in managedMcpServers; remove it, "
                        + "the mcpHeadersHelpers answer writes it")
            }
            let ttl = Double(answers.ttlSeconds)
            if case .number(let given)? = fields["headersHelperTtlSec"], given > ttl {
                throw DeploymentError(
                    .invalidAnswer,
                    "server \(JSONString.quoted(server)) reuses its headers for \(Int(given)) s "
                        + "(headersHelperTtlSec), longer than the deployment's TTL (\(answers.ttlSeconds) s) the "
                        + "profile's credentials are made to last; lower it or raise ttlSec")
            }
            if fields["headersHelperTtlSec"] == nil { fields["headersHelperTtlSec"] = .number(ttl) }
            fields["headersHelper"] = .string(link)
            servers[index] = .object(fields)
        }
        return JSONText.compact(.array(servers))
    }
}
