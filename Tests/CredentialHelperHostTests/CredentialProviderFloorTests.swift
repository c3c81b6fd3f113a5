import CredentialHelperHost
import CredentialHelperProtocol
import Testing

extension CredentialProviderTests {
    @Test("the refresh floor is per credential: a credential no forced refresh obtained is refreshed when rejected")
    func refreshFloorPerCredential() async throws {
        let provider = provider(scripts.countingHelper())
        let first = try await provider.startSession()
        guard case .refreshed(let refreshed) = try await provider.credentialRejected(first) else {
            Issue.record("the first rejection was not refreshed")
            return
        }
        #expect(try await provider.credentialRejected(refreshed) == .notRefreshed(refreshed))
        // A new session start (the cache was dropped) obtains a credential no forced refresh obtained.
        provider.invalidate()
        let other = try await provider.startSession(context: .background)
        #expect(other.token.reveal() == "tok-3-background")
        clock.advance(5)  // still within the 30 s floor of the refresh that obtained `refreshed`
        #expect(provider.wouldRefresh(afterRejecting: other), "the floor of another credential applied to this one")
        guard case .refreshed(let fourth) = try await provider.credentialRejected(other) else {
            Issue.record("a credential that no forced refresh obtained was not refreshed within another's floor")
            return
        }
        #expect(fourth.token.reveal() == "tok-4-mid-session-refresh")
        #expect(scripts.count("runs") == 4)
        #expect(try await provider.credentialRejected(fourth) == .notRefreshed(fourth))
    }
}
