import CredentialHelperProtocol
import HelperFastPath
import Synchronization
import TokenStore

/// What the full helper writes to the run log (``RunLog``) about one run in helper mode: cached,
/// refreshed (a new token without the user: refresh, client credentials or the `exec` command),
/// signed in, or failed with its code.
final class HelperRunRecord: Sendable {
    private let started = ContinuousClock.now
    private let state = Mutex<(profile: Profile?, store: TokenStore?, obtainedBefore: Double?, signedIn: Bool)>(
        (nil, nil, nil, false))
    let context: HelperContext?

    init(context: HelperContext?) { self.context = context }

    /// The profile and store, once known, and when the stored token was obtained before the run.
    func begin(profile: Profile, store: TokenStore) {
        let before = profile.storeKey.flatMap { key in (try? store.read(key)) ?? nil }?.obtainedAt
        state.withLock { $0 = (profile, store, before, $0.signedIn) }
    }

    /// Notes a line said to the user: a sign-in prompt means the run signed the user in.
    func heard(_ line: String) {
        if line.hasPrefix("Sign in to ") || line.hasPrefix("To sign in to ") { state.withLock { $0.signedIn = true } }
    }

    /// Appends the run's entry; `failure` nil means an answer was printed.
    func finish(failure: CredhelperFailure?) {
        let (profile, store, before, signedIn) = state.withLock { $0 }
        guard let profile, let store else { return }
        let outcome: String
        if failure != nil {
            outcome = "failed"
        } else if signedIn {
            outcome = "signed-in"
        } else {
            let after = profile.storeKey.flatMap { key in (try? store.read(key)) ?? nil }?.obtainedAt
            outcome = after == nil || after == before ? "cached" : "refreshed"
        }
        let deadline = profile.silentBudget(for: context ?? .background)
        RunLog(directory: store.directory).append(
            RunLog.Entry(
                profile: profile.name, context: context?.rawValue, outcome: outcome, code: failure?.code.rawValue,
                durationMs: RunLog.milliseconds(since: started),
                deadlineMs: context == .interactive ? nil : Int(deadline.components.seconds) * 1000))
    }
}
