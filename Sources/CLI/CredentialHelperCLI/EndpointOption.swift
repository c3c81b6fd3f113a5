import ArgumentParser
import CredentialHelperCheck
import CredentialHelperHost
import CredentialHelperProtocol

/// `--endpoint URL` for the commands that obtain a credential: where the token will be sent, so a
/// Microsoft Entra token minted for another Azure resource is refused before a request gets a 401
/// (``EntraAudienceRule``; docs/clouds.md).
struct EndpointOption: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "The URL the token is sent to (such as https://NAME.openai.azure.com or "
                + "https://NAME.services.ai.azure.com/anthropic): an Entra token for a resource that host does not "
                + "take is an error.",
            valueName: "url"))
    var endpoint: String?

    /// The endpoint, checked to name a host.
    func validated() throws(ConfigurationError) -> String? {
        guard let endpoint else { return nil }
        guard EntraAudienceRule.host(of: endpoint) != nil else {
            throw ConfigurationError(
                .invalidValue,
                "--endpoint: \"\(endpoint)\" names no host; give a URL like https://NAME.openai.azure.com")
        }
        return endpoint
    }

    /// Refuses `token` when the endpoint's host would (a configuration error naming the scope to use).
    func refuseMismatch(_ token: Secret) throws(ConfigurationError) {
        guard let endpoint, case .refused(let message) = EntraAudienceRule.verdict(token: token, endpoint: endpoint)
        else { return }
        throw ConfigurationError(.invalidValue, "--endpoint \(endpoint): \(message)")
    }
}
