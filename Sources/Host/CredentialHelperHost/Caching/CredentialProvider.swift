import CredentialHelperProtocol
import Logging
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The host runtime's entry point: obtains credentials from the helper with the protocol's caching
/// and refresh rules (docs/protocol.md §5).
///
/// - ``startSession(context:)`` returns the cached credential while it is within its TTL, and runs
///   the helper otherwise. This is the only place a TTL expiry leads to a re-run.
/// - ``credential()`` returns the session's credential, even past its TTL: a running session is not
///   interrupted just because time passed.
/// - ``credentialRejected(_:)`` is called when the upstream answers 401/403: it re-runs the helper
///   with `mid-session-refresh` when silent refresh is enabled, or reports that an expiry prompt is due.
/// - ``perform(_:)`` wraps one request: attach, and on rejection refresh once and retry once.
///
/// Concurrent callers share one helper run (single flight). After a failure the helper is not run
/// again until the ``BackoffPolicy`` delay has passed; callers get the last error meanwhile. Forced
/// refreshes are at least ``HostConfiguration/refreshFloor`` apart for one credential: the credential
/// the last forced refresh obtained, rejected again within the floor, is not refreshed; any other
/// credential (one a session start obtained) is (docs/security.md, "Replays and refreshes in the
/// proxy"). Every time here is read from the provider's clock (`now`).
public final class CredentialProvider: Sendable {
    /// What ``credentialRejected(_:)`` did.
    public enum RejectionOutcome: Sendable, Hashable {
        /// A new credential is ready: retry the request once with it.
        case refreshed(Credential)
        /// Silent refresh is disabled: the cached credential is kept until the next session start and
        /// the user should be told the credential expired.
        case expiryPromptDue(Credential)
        /// The credential is the one the last forced refresh obtained, less than
        /// ``HostConfiguration/refreshFloor`` ago: the rejection is returned as it is, without running
        /// the helper (a fresh credential refused again is most likely refused for something a new one
        /// would not change, such as a model the user may not use).
        case notRefreshed(Credential)
    }

    /// One attempt at a request, as reported to ``perform(_:)``.
    public enum Attempt<Response: Sendable>: Sendable {
        /// The upstream accepted the credential.
        case accepted(Response)
        /// The upstream rejected the credential (401, or 403 for providers that use it for expiry).
        case rejected(Response)
    }

    /// The configuration this provider runs the helper with.
    public let configuration: HostConfiguration

    private let runner: HelperRunner
    private let diskCache: CredentialDiskCache?
    private let sessionContext: HelperContext
    private let backoff: BackoffPolicy
    private let now: @Sendable () -> Date
    private let logger: Logger
    private let stderrObserver: (@Sendable (HelperContext, [UInt8]) -> Void)?
    private let runObserver = Mutex<(@Sendable (HelperContext, HelperError?) -> Void)?>(nil)
    private let state = Mutex(ProviderState())

    /// Creates a provider.
    ///
    /// - Parameters:
    ///   - configuration: the host configuration.
    ///   - runner: how the helper is run (environment, output caps, termination grace).
    ///   - diskCache: where to keep answers across processes (a CLI host); nil keeps them in memory only.
    ///   - sessionContext: the context for session starts when none is given (`interactive` when a
    ///     user is present, `background` or `scheduled-task` otherwise).
    ///   - backoff: how long to wait before re-running a helper that failed.
    ///   - now: the wall clock; tests inject their own.
    ///   - logger: receives warnings and debug records, never secrets. Logs nothing by default.
    ///   - stderrObserver: called with each chunk of helper stderr as it arrives, with the run's context.
    public init(
        configuration: HostConfiguration,
        runner: HelperRunner = HelperRunner(),
        diskCache: CredentialDiskCache? = nil,
        sessionContext: HelperContext = .interactive,
        backoff: BackoffPolicy = BackoffPolicy(),
        now: @escaping @Sendable () -> Date = { Date() },
        logger: Logger = Logger(label: "credhelper.host", factory: { _ in SwiftLogNoOpLogHandler() }),
        stderrObserver: (@Sendable (HelperContext, [UInt8]) -> Void)? = nil
    ) {
        self.configuration = configuration
        self.runner = runner
        self.diskCache = diskCache
        self.sessionContext = sessionContext
        self.backoff = backoff
        self.now = now
        self.logger = logger
        self.stderrObserver = stderrObserver
    }

    /// Has `observer` told of each helper run once it ends: its context, and its error (nil when it
    /// gave a credential). Requests that share one run (single flight) make one call. Replaces the
    /// observer set before; the proxy's metrics count helper runs with it.
    public func observeHelperRuns(_ observer: @escaping @Sendable (HelperContext, HelperError?) -> Void) {
        runObserver.withLock { $0 = observer }
    }

    /// Whether a rejected credential could not be refreshed silently (silent refresh disabled), so the
    /// user should be prompted. Cleared when a new credential is obtained.
    public var expiryPromptDue: Bool { state.withLock { $0.expiryPromptDue } }

    /// The credential for a new session: the cached one while it is within its TTL (and was not
    /// rejected), otherwise a fresh one from the helper run in `context`.
    public func startSession(context: HelperContext? = nil) async throws(HelperError) -> Credential {
        let time = now()
        if let cached = state.withLock({ $0.sessionCredential(at: time) }) { return cached }
        if let stored = loadFromDisk(at: time) { return stored }
        return try await obtain(context ?? sessionContext)
    }

    /// The running session's credential without waiting: nil before the first helper run succeeded.
    /// Hosts on an event loop read it per request and call ``credential()`` only when it is nil or
    /// past its TTL.
    public var sessionCredential: Credential? { state.withLock { $0.current } }

    /// The time by the provider's clock (the `now` given at creation): what freshness is judged by.
    public var currentDate: Date { now() }

    /// The running session's credential while it is within its TTL by the provider's clock, without
    /// waiting: nil before the first run or once the TTL has passed.
    public var freshSessionCredential: Credential? {
        let time = now()
        return state.withLock { $0.current }.flatMap { $0.isFresh(at: time) ? $0 : nil }
    }

    /// The running session's credential, even past its TTL. Starts a session when there is none yet.
    public func credential() async throws(HelperError) -> Credential {
        if let current = state.withLock({ $0.current }) { return current }
        return try await startSession()
    }

    /// Reports that the upstream rejected `rejected` (401/403).
    ///
    /// When another caller already replaced that credential, the replacement is returned without a
    /// new run. When the last forced refresh started less than ``HostConfiguration/refreshFloor`` ago
    /// (and is over), the rejection is not refreshed: ``RejectionOutcome/notRefreshed(_:)``. Otherwise,
    /// with silent refresh enabled the helper re-runs with `mid-session-refresh` (20 s clamp); with it
    /// disabled the cached credential is kept, the next session start re-runs the helper, and
    /// ``RejectionOutcome/expiryPromptDue(_:)`` is returned.
    public func credentialRejected(_ rejected: Credential) async throws(HelperError) -> RejectionOutcome {
        let time = now()
        let step = state.withLock {
            $0.rejection(
                of: rejected, at: time, silentRefresh: configuration.silentRefreshEnabled,
                floor: configuration.refreshFloor)
        }
        switch step {
        case .replaced(let credential):
            return .refreshed(credential)
        case .withheld(let credential):
            logger.debug("credential rejected again within the refresh floor; not refreshed")
            return .notRefreshed(credential)
        case .prompt(let credential):
            diskCache?.remove(for: configuration)
            logger.warning("credential rejected and silent refresh is disabled; an expiry prompt is due")
            return .expiryPromptDue(credential)
        case .refresh:
            diskCache?.remove(for: configuration)
            do {
                let fresh = try await obtain(.midSessionRefresh)
                state.withLock { $0.forcedRefresh(startedAt: time, obtained: fresh) }
                return .refreshed(fresh)
            } catch {
                // A refresh that failed obtained nothing to protect: the back-off paces the next runs.
                state.withLock { $0.forcedRefreshFailed(startedAt: time) }
                throw error
            }
        }
    }

    /// Whether ``credentialRejected(_:)`` would give a credential to retry with if `credential` were
    /// rejected now: silent refresh is enabled, and another credential replaced it, a helper run is
    /// under way, or the refresh floor has passed. Does not wait; a host deciding whether to keep a
    /// rejected response (to return it) or drop it (to retry) asks this first.
    public func wouldRefresh(afterRejecting credential: Credential) -> Bool {
        guard configuration.silentRefreshEnabled else { return false }
        let time = now()
        return state.withLock {
            $0.wouldRefresh(afterRejecting: credential, at: time, floor: configuration.refreshFloor)
        }
    }

    /// Performs one request with the session's credential. When `attempt` reports a rejection, the
    /// credential is refreshed (``credentialRejected(_:)``) and the request is retried once; a second
    /// rejection, a rejection with silent refresh disabled, or one within the refresh floor of the last
    /// refresh, is returned as it is, not looped.
    public func perform<Response: Sendable>(
        _ attempt: (Credential) async throws -> Attempt<Response>
    ) async throws -> Response {
        let first = try await credential()
        switch try await attempt(first) {
        case .accepted(let response):
            return response
        case .rejected(let response):
            // A rejection with silent refresh disabled, or within the refresh floor, is returned as it is.
            guard case .refreshed(let fresh) = try await credentialRejected(first) else { return response }
            switch try await attempt(fresh) {
            case .accepted(let retried), .rejected(let retried): return retried
            }
        }
    }

    /// Forgets the cached credential (memory and disk); the next call runs the helper.
    public func invalidate() {
        state.withLock { $0.forget() }
        diskCache?.remove(for: configuration)
    }

    private func loadFromDisk(at time: Date) -> Credential? {
        guard let diskCache else { return nil }
        do {
            guard let stored = try diskCache.load(for: configuration), stored.isFresh(at: time),
                stored.obtainedAt <= time
            else { return nil }
            state.withLock { $0.loaded(stored) }
            return stored
        } catch {
            logger.warning("ignoring the on-disk credential cache", metadata: ["reason": "\(error)"])
            return nil
        }
    }

    /// Runs the helper once for all concurrent callers, unless it is backing off.
    private func obtain(_ context: HelperContext) async throws(HelperError) -> Credential {
        let time = now()
        let flight = try state.withLock { state throws(HelperError) in
            try state.flight(at: time) { Task { try await self.runHelper(context) } }
        }
        do {
            return try await flight.value
        } catch let error as HelperError {
            throw error
        } catch {
            throw HelperError(.spawnFailed, "the helper run failed unexpectedly: \(error)")
        }
    }

    private func runHelper(_ context: HelperContext) async throws(HelperError) -> Credential {
        let observer = stderrObserver.map { observe in { @Sendable (chunk: [UInt8]) in observe(context, chunk) } }
        do throws(HelperError) {
            let run = try await runner.run(
                configuration.helperPath, context: context, timeout: configuration.timeout(for: context),
                stderrObserver: observer)
            logger.debug(
                "helper run finished",
                metadata: [
                    "context": "\(context)", "outcome": "\(run.outcome)",
                    "elapsed_ms": "\(run.elapsed.wholeMilliseconds)",
                ])
            let answer: HelperAnswer
            do throws(HelperError) {
                answer = try run.answer()
            } catch {
                throw error.namingSearchPath(runner.environment["PATH"])
            }
            let obtained = now()
            let credential = Credential(
                answer: answer, obtainedAt: obtained,
                expiresAt: obtained + TimeInterval(configuration.ttl.components.seconds),
                context: context)
            state.withLock { $0.obtained(credential) }
            store(credential)
            runObserver.withLock { $0 }?(context, nil)
            return credential
        } catch {
            runObserver.withLock { $0 }?(context, error)
            let time = now()
            state.withLock { $0.failed(error, at: time, backoff: backoff) }
            logger.warning("helper failed", metadata: ["code": "\(error.code.rawValue)", "context": "\(context)"])
            throw error
        }
    }

    private func store(_ credential: Credential) {
        guard let diskCache, configuration.ttlSeconds > 0 else { return }
        do {
            try diskCache.store(credential, for: configuration)
        } catch {
            logger.warning("cannot write the on-disk credential cache", metadata: ["reason": "\(error)"])
        }
    }
}
