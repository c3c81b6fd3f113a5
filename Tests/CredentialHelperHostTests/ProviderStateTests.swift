import CredentialHelperProtocol
import Foundation
import Testing

@testable import CredentialHelperHost

/// The provider's decisions, without a helper, a clock or a lock: each transition of
/// `ProviderState` with times given.
@Suite("CredentialProvider's state: every transition, I/O-free")
struct ProviderStateTests {
    let start = Date(timeIntervalSince1970: 1_800_000_000)

    func credential(_ token: String, at time: Date, ttl: TimeInterval = 3600) -> Credential {
        Credential(
            answer: HelperAnswer(token: Secret(token), format: .bareToken), obtainedAt: time,
            expiresAt: time + ttl, context: .interactive)
    }

    @Test("a session gets the current credential while it is fresh and not rejected")
    func sessionCredential() {
        var state = ProviderState()
        #expect(state.sessionCredential(at: start) == nil)
        let first = credential("tok-a", at: start, ttl: 60)
        state.obtained(first)
        #expect(state.sessionCredential(at: start + 59) == first)
        #expect(state.sessionCredential(at: start + 60) == nil, "past its TTL")
        _ = state.rejection(of: first, at: start + 1, silentRefresh: true, floor: .seconds(30))
        #expect(state.sessionCredential(at: start + 2) == nil, "a rejected credential started a session")
    }

    @Test("a rejection of a credential already replaced returns the replacement, without a run")
    func replaced() {
        var state = ProviderState()
        let old = credential("tok-old", at: start)
        let new = credential("tok-new", at: start + 5)
        state.obtained(new)
        #expect(state.rejection(of: old, at: start + 6, silentRefresh: true, floor: .seconds(30)) == .replaced(new))
        #expect(state.sessionCredential(at: start + 7) == new, "the replacement was marked rejected")
    }

    @Test("with silent refresh off, a rejection keeps the credential and makes the expiry prompt due")
    func prompt() {
        var state = ProviderState()
        let current = credential("tok-a", at: start)
        state.obtained(current)
        #expect(
            state.rejection(of: current, at: start + 1, silentRefresh: false, floor: .seconds(30)) == .prompt(current))
        #expect(state.expiryPromptDue)
        state.obtained(credential("tok-b", at: start + 2))
        #expect(!state.expiryPromptDue, "a new credential did not clear the prompt")
    }

    @Test("the refresh floor: the credential a forced refresh obtained is not refreshed again within it")
    func floor() {
        var state = ProviderState()
        let first = credential("tok-a", at: start)
        state.obtained(first)
        let refreshAt = start + 10
        #expect(state.rejection(of: first, at: refreshAt, silentRefresh: true, floor: .seconds(30)) == .refresh)
        let fresh = credential("tok-b", at: refreshAt + 1)
        state.obtained(fresh)
        state.forcedRefresh(startedAt: refreshAt, obtained: fresh)
        #expect(!state.wouldRefresh(afterRejecting: fresh, at: refreshAt + 29, floor: .seconds(30)))
        #expect(
            state.rejection(of: fresh, at: refreshAt + 29, silentRefresh: true, floor: .seconds(30)) == .withheld(fresh)
        )
        #expect(state.wouldRefresh(afterRejecting: fresh, at: refreshAt + 30, floor: .seconds(30)))
        #expect(state.rejection(of: fresh, at: refreshAt + 30, silentRefresh: true, floor: .seconds(30)) == .refresh)
    }

    @Test("a forced refresh that failed sets no floor: the next rejection refreshes")
    func failedRefreshNoFloor() {
        var state = ProviderState()
        let first = credential("tok-a", at: start)
        state.obtained(first)
        #expect(state.rejection(of: first, at: start + 1, silentRefresh: true, floor: .seconds(30)) == .refresh)
        state.forcedRefreshFailed(startedAt: start + 1)
        state.forcedRefresh(startedAt: start + 1, obtained: first)  // a late success of another start: ignored
        #expect(state.rejection(of: first, at: start + 2, silentRefresh: true, floor: .seconds(30)) == .refresh)
    }

    @Test("one flight is shared; after a failure no run starts until the back-off has passed")
    func flightAndBackoff() throws {
        var state = ProviderState()
        var started = 0
        let make = {
            started += 1
            return Task<Credential, any Error> { throw CancellationError() }
        }
        _ = try state.flight(at: start, start: make)
        _ = try state.flight(at: start, start: make)
        #expect(started == 1, "a second caller started its own run")
        state.failed(HelperError(.nonZeroExit, "exit 1"), at: start, backoff: BackoffPolicy(initialDelay: .seconds(4)))
        let error = #expect(throws: HelperError.self) { try state.flight(at: start + 1, start: make) }
        #expect(error?.code == .nonZeroExit && error?.retryAfter == .milliseconds(3000))
        #expect(started == 1, "a run started while backing off")
        _ = try state.flight(at: start + 4, start: make)
        #expect(started == 2)
    }

    @Test("a credential from the disk cache does not replace one already held; forget drops it")
    func loadedAndForget() {
        var state = ProviderState()
        let held = credential("tok-held", at: start)
        state.obtained(held)
        state.loaded(credential("tok-disk", at: start))
        #expect(state.current == held)
        state.forget()
        #expect(state.current == nil)
        let disk = credential("tok-disk", at: start)
        state.loaded(disk)
        #expect(state.current == disk)
    }
}
