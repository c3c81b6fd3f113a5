import HelperFastPath

extension ProfileTokens {
    /// With `"tokenStorage": "keyring"`, checks that the keyring answers (a lookup of this profile's
    /// item), so that a sign-in whose tokens could not be stored fails before the user is sent to
    /// the browser, with the message a write would give. Other storage settings need no keyring.
    func requireKeyring(until deadline: ContinuousClock.Instant) async throws(CredhelperFailure) {
        guard storage == .keyring else { return }
        do { _ = try await keyring.secret(for: key.digest, until: deadline) } catch { throw unavailable(error) }
    }
}
