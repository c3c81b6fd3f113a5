import CredentialHelperProtocol

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What a ``CredentialProvider`` knows between calls, and every decision taken on it: which
/// credential a session gets, what a rejection leads to, when a helper run may start, and what a
/// run's end changes. Pure: no clock (times are passed in), no I/O, no lock (the provider holds it
/// in a `Mutex`), so each transition is tested on its own (ProviderStateTests).
struct ProviderState {
    /// The credential the provider hands out, if any.
    private(set) var current: Credential?
    /// Whether ``current`` was rejected: it must not start another session.
    private(set) var currentRejected = false
    /// The helper run under way, which every concurrent caller shares.
    private(set) var flight: Task<Credential, any Error>?
    private(set) var consecutiveFailures = 0
    private(set) var lastFailure: HelperError?
    /// Before this, a failed helper is not run again: ``lastFailure`` is repeated.
    private(set) var retryNotBefore: Date?
    /// A rejection could not be refreshed silently (silent refresh disabled): prompt the user.
    private(set) var expiryPromptDue = false
    /// When the last forced refresh (a rejection that ran the helper) started: the refresh floor
    /// counts from here.
    private(set) var lastForcedRefresh: Date?
    /// The credential that refresh obtained: the only one the floor holds back.
    private(set) var forcedRefreshObtained: Credential?

    /// What a rejection leads to.
    enum RejectionStep: Equatable {
        /// Another caller already replaced the rejected credential: retry with this one, no run.
        case replaced(Credential)
        /// Silent refresh is disabled: keep this credential and prompt the user.
        case prompt(Credential)
        /// Within the refresh floor of the refresh that obtained it: not refreshed again.
        case withheld(Credential)
        /// Run the helper with `mid-session-refresh`.
        case refresh
    }

    /// The credential a session may use at `time`: present, not rejected, and fresh.
    func sessionCredential(at time: Date) -> Credential? {
        guard let current, !currentRejected, current.isFresh(at: time) else { return nil }
        return current
    }

    /// Decides what the rejection of `rejected` at `time` leads to, and records it: a rejected
    /// credential never starts another session, and a refresh that starts a run starts the floor.
    mutating func rejection(
        of rejected: Credential, at time: Date, silentRefresh: Bool, floor: Duration
    ) -> RejectionStep {
        if let current, current != rejected { return .replaced(current) }
        if silentRefresh, flight == nil, withinFloor(rejected, at: time, floor) {
            return .withheld(current ?? rejected)
        }
        currentRejected = true
        guard silentRefresh else {
            expiryPromptDue = true
            return .prompt(current ?? rejected)
        }
        if flight == nil {
            lastForcedRefresh = time
            forcedRefreshObtained = nil
        }
        return .refresh
    }

    /// The forced refresh started at `started` obtained `fresh`: the floor now holds it back.
    mutating func forcedRefresh(startedAt started: Date, obtained fresh: Credential) {
        if lastForcedRefresh == started { forcedRefreshObtained = fresh }
    }

    /// The forced refresh started at `started` failed: it obtained nothing to protect, so no floor
    /// (the back-off paces the next runs).
    mutating func forcedRefreshFailed(startedAt started: Date) {
        if lastForcedRefresh == started { lastForcedRefresh = nil }
    }

    /// Whether rejecting `credential` at `time` would give a credential to retry with: another
    /// replaced it, a run is under way, or the refresh floor has passed (silent refresh assumed on).
    func wouldRefresh(afterRejecting credential: Credential, at time: Date, floor: Duration) -> Bool {
        if let current, current != credential { return true }
        return flight != nil || !withinFloor(credential, at: time, floor)
    }

    /// Whether `rejected` was obtained by the last forced refresh less than `floor` before `time`.
    private func withinFloor(_ rejected: Credential, at time: Date, _ floor: Duration) -> Bool {
        guard let last = lastForcedRefresh, forcedRefreshObtained == rejected else { return false }
        return time < last + Double(floor.components.seconds)
    }

    /// The run every caller shares: the one under way, else a new one from `start`. While backing
    /// off after a failure, no run starts and the last failure is thrown with how long is left.
    mutating func flight(
        at time: Date, start: () -> Task<Credential, any Error>
    ) throws(HelperError) -> Task<Credential, any Error> {
        if let flight { return flight }
        if let notBefore = retryNotBefore, time < notBefore, var failure = lastFailure {
            failure.retryAfter = .milliseconds(Int64(notBefore.timeIntervalSince(time) * 1000))
            throw failure
        }
        let started = start()
        flight = started
        return started
    }

    /// A run gave `credential`: it is the session's, accepted, and the failure record is cleared.
    mutating func obtained(_ credential: Credential) {
        current = credential
        currentRejected = false
        flight = nil
        consecutiveFailures = 0
        lastFailure = nil
        retryNotBefore = nil
        expiryPromptDue = false
    }

    /// A run failed with `error` at `time`: the next run waits for the back-off.
    mutating func failed(_ error: HelperError, at time: Date, backoff: BackoffPolicy) {
        flight = nil
        consecutiveFailures += 1
        lastFailure = error
        let delay = backoff.delay(afterFailures: consecutiveFailures)
        retryNotBefore = time + Double(delay.wholeMilliseconds) / 1000
    }

    /// A credential read from the disk cache becomes the session's unless one is already held.
    mutating func loaded(_ stored: Credential) {
        if current == nil { current = stored }
    }

    /// Forgets the credential; the next call runs the helper.
    mutating func forget() { current = nil }
}
