import HelperFastPath
import OAuthClient

/// The check made before a browser opens: would the provider start a sign-in for this client and
/// redirect URI at all? A wrong `clientId` or an unregistered redirect port makes the provider show
/// an error page that credhelper never sees; without this check the sign-in waits out its whole
/// timeout. `credhelper doctor` reports the same verdict.
struct SignInPreflight {
    let client: OAuthClient
    let metadata: IdPMetadata
    let settings: Profile.OAuthSettings
    let profileName: String

    /// What the probe found.
    enum Verdict: Equatable {
        /// The provider starts a sign-in for this client and redirect URI.
        case accepted
        /// The provider does not know the client (or refuses it): fix `clientId`.
        case unknownClient(AuthorizationProbe.Refusal)
        /// The provider knows the client but not this redirect URI: fix `redirectPort` or the registration.
        case unregisteredRedirect(AuthorizationProbe.Refusal)
        /// The provider's answer tells nothing (a 5xx, or it could not be reached): the sign-in goes ahead.
        case inconclusive(String)
    }

    /// Probes with `redirectURI`, and, when that is refused, once more without it to tell a wrong
    /// client from an unregistered redirect URI.
    func verdict(redirectURI: String, until deadline: ContinuousClock.Instant) async -> Verdict {
        let withURI: AuthorizationProbe?
        do {
            withURI = try await client.probeAuthorization(metadata: metadata, redirectURI: redirectURI, until: deadline)
        } catch { return .inconclusive(error.description) }
        guard case .refused(let refusal) = withURI else {
            return withURI == nil ? .inconclusive("the authorization endpoint answered with a server error") : .accepted
        }
        let withoutURI = try? await client.probeAuthorization(metadata: metadata, redirectURI: nil, until: deadline)
        return withoutURI == .accepted ? .unregisteredRedirect(refusal) : .unknownClient(refusal)
    }

    /// The failure for a verdict that means no sign-in can finish; nil otherwise.
    func failure(_ verdict: Verdict, redirectURI: String) -> CredhelperFailure? {
        switch verdict {
        case .accepted, .inconclusive: return nil
        case .unknownClient(let refusal):
            return CredhelperFailure(.signInFailed, Self.unknownClientAdvice(settings, profileName, refusal))
        case .unregisteredRedirect(let refusal):
            return CredhelperFailure(
                .signInFailed, Self.unregisteredRedirectAdvice(settings, profileName, redirectURI, refusal))
        }
    }

    static func unknownClientAdvice(
        _ settings: Profile.OAuthSettings, _ profileName: String, _ refusal: AuthorizationProbe.Refusal
    ) -> String {
        "the identity provider refuses sign-ins for client \"\(settings.clientID)\" (its authorization endpoint "
            + "answered \(refusal)), so no sign-in can finish: set the clientId of profile \"\(profileName)\" to the "
            + "client registered at \(settings.issuer), or register that client there"
    }

    static func unregisteredRedirectAdvice(
        _ settings: Profile.OAuthSettings, _ profileName: String, _ redirectURI: String,
        _ refusal: AuthorizationProbe.Refusal
    ) -> String {
        let port =
            settings.redirectPort == 0
            ? "profile \"\(profileName)\" leaves redirectPort at 0 (any free port), which this provider does not "
                + "allow: set redirectPort to the port of the redirect URI registered for the client"
            : "set the redirectPort of profile \"\(profileName)\" to the port of the redirect URI registered for the "
                + "client"
        return "the identity provider knows client \"\(settings.clientID)\" but not the redirect URI \(redirectURI) "
            + "(its authorization endpoint answered \(refusal)), so no sign-in can finish: register exactly that "
            + "URI for the client at the provider, or \(port)"
    }
}
