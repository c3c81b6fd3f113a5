import CredentialHelperHost
import CredentialHelperProtocol
import CredentialSupport
import Synchronization
import TestSupport
import Testing

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

@Suite("Credential provider: TTL, single flight, silent refresh, back-off", .timeLimit(.minutes(2)))
struct CredentialProviderTests {
    let scripts = HelperScripts()
    let clock = ManualClock()
    let runner = HelperRunner(environment: ["PATH": "/usr/bin:/bin"])

    func provider(
        _ helper: String, ttl: Int = 3600, silentRefresh: Bool = true, cache: CredentialDiskCache? = nil,
        refreshFloor: Int = 30
    ) -> CredentialProvider {
        let clock = clock
        return CredentialProvider(
            configuration: HostConfiguration(
                helperPath: helper, ttlSeconds: ttl, silentRefreshEnabled: silentRefresh,
                refreshFloorSeconds: refreshFloor),
            runner: runner, diskCache: cache, now: { clock.now })
    }

    @Test("cached for the TTL; after expiry re-run at the next session start, not mid-session")
    func ttl() async throws {
        let provider = provider(scripts.countingHelper(), ttl: 100)
        let first = try await provider.startSession()
        #expect(first.token.reveal() == "tok-1-interactive")
        #expect(first.expiresAt == first.obtainedAt + 100)
        clock.advance(99)
        #expect(try await provider.startSession() == first)
        clock.advance(2)
        #expect(try await provider.credential() == first, "a running session keeps its credential past the TTL")
        #expect(scripts.count("runs") == 1)
        let second = try await provider.startSession(context: .scheduledTask)
        #expect(second.token.reveal() == "tok-2-scheduled-task")
        #expect(scripts.count("runs") == 2)
    }

    @Test("freshness is judged by the provider's clock: the fresh session credential ends at the TTL")
    func freshnessByProviderClock() async throws {
        let provider = provider(scripts.countingHelper(), ttl: 100)
        #expect(provider.freshSessionCredential == nil, "no run yet")
        let first = try await provider.startSession()
        #expect(provider.currentDate == clock.now)
        #expect(first.isFresh(at: provider.currentDate))
        clock.advance(99)
        #expect(provider.freshSessionCredential == first)
        clock.advance(1)
        #expect(!first.isFresh(at: provider.currentDate), "expiresAt itself is past the TTL")
        #expect(provider.freshSessionCredential == nil, "the wall clock says fresh; the provider's clock does not")
        #expect(provider.sessionCredential == first)
    }

    @Test("1,000 concurrent callers share one helper run")
    func singleFlight() async throws {
        let provider = provider(scripts.countingHelper(delay: "0.3"))
        let tokens = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<1000 { group.addTask { try await provider.startSession().token.reveal() } }
            var tokens: Set<String> = []
            for try await token in group { tokens.insert(token) }
            return tokens
        }
        #expect(tokens == ["tok-1-interactive"])
        #expect(scripts.count("runs") == 1)
    }

    @Test("a rejection re-runs the helper with mid-session-refresh once for all callers")
    func silentRefresh() async throws {
        let provider = provider(scripts.countingHelper(delay: "0.2"))
        let first = try await provider.startSession()
        let outcomes = try await withThrowingTaskGroup(of: CredentialProvider.RejectionOutcome.self) { group in
            for _ in 0..<100 { group.addTask { try await provider.credentialRejected(first) } }
            var all: [CredentialProvider.RejectionOutcome] = []
            for try await outcome in group { all.append(outcome) }
            return all
        }
        #expect(scripts.count("runs") == 2)
        for outcome in outcomes {
            guard case .refreshed(let fresh) = outcome else {
                Issue.record("expected a refresh")
                continue
            }
            #expect(fresh.token.reveal() == "tok-2-mid-session-refresh")
            #expect(fresh.context == .midSessionRefresh)
        }
        #expect(try await provider.credential().token.reveal() == "tok-2-mid-session-refresh")
        #expect(!provider.expiryPromptDue)
    }

    @Test("a failed mid-session refresh does not let the rejected credential start the next session")
    func failedRefresh() async throws {
        let marker = scripts.path("fail-now")
        let helper = scripts.script(
            "flaky.sh",
            """
            echo run >> '\(scripts.path("runs"))'
            [ -e '\(marker)' ] && { echo "identity provider unreachable" >&2; exit 1; }
            echo "tok-$(wc -l < '\(scripts.path("runs"))' | tr -d ' ')"
            """)
        let provider = provider(helper)
        let first = try await provider.startSession()
        scripts.write("", to: marker)
        await #expect(throws: HelperError.self) { try await provider.credentialRejected(first) }
        clock.advance(2)
        _ = try? await provider.startSession()
        #expect(scripts.count("runs") == 3, "the session start re-ran the helper instead of reusing the rejected token")
        unlink(marker)
        clock.advance(3)
        #expect(try await provider.startSession().token.reveal() == "tok-4")
    }

    @Test("with silent refresh disabled the cached credential is kept and an expiry prompt is due")
    func silentRefreshDisabled() async throws {
        let provider = provider(scripts.countingHelper(), silentRefresh: false)
        let first = try await provider.startSession()
        let outcome = try await provider.credentialRejected(first)
        #expect(outcome == .expiryPromptDue(first))
        #expect(provider.expiryPromptDue)
        #expect(try await provider.credential() == first)
        #expect(scripts.count("runs") == 1, "never re-run mid-session")
        let next = try await provider.startSession()
        #expect(next.token.reveal() == "tok-2-interactive", "the next session start runs the helper")
        #expect(!provider.expiryPromptDue)
    }

    @Test("perform retries once after a rejection and surfaces a second rejection")
    func perform() async throws {
        let provider = provider(scripts.countingHelper())
        let seen = Mutex<[String]>([])
        let accepted = try await provider.perform { credential -> CredentialProvider.Attempt<Int> in
            let token = credential.token.reveal()
            seen.withLock { $0.append(token) }
            return token.hasPrefix("tok-1") ? .rejected(401) : .accepted(200)
        }
        #expect(accepted == 200)
        #expect(seen.withLock { $0 } == ["tok-1-interactive", "tok-2-mid-session-refresh"])
        clock.advance(31)  // past the refresh floor
        let rejected = try await provider.perform { _ -> CredentialProvider.Attempt<Int> in .rejected(401) }
        #expect(rejected == 401)
        #expect(scripts.count("runs") == 3, "one refresh for the second request, then no loop")
    }

    @Test("30 requests rejected within the refresh floor run the helper once; after the floor a rejection refreshes")
    func refreshFloor() async throws {
        let provider = provider(scripts.countingHelper())
        let seen = Mutex<[String]>([])
        for _ in 0..<30 {
            let status = try await provider.perform { credential -> CredentialProvider.Attempt<Int> in
                seen.withLock { $0.append(credential.token.reveal()) }
                return .rejected(403)
            }
            #expect(status == 403)
        }
        #expect(scripts.count("runs") == 2, "a session start and one mid-session refresh, not one per rejection")
        // The first request was retried with the fresh token; the others were surfaced, not retried.
        let attempts = seen.withLock { $0 }
        #expect(attempts.count == 31)
        #expect(attempts.dropFirst().allSatisfy { $0 == "tok-2-mid-session-refresh" })
        let fresh = try await provider.credential()
        let outcome = try await provider.credentialRejected(fresh)
        #expect(outcome == .notRefreshed(fresh), "a fresh credential rejected again within the floor is surfaced")
        clock.advance(29)
        #expect(try await provider.credentialRejected(fresh) == .notRefreshed(fresh))
        #expect(scripts.count("runs") == 2)
        clock.advance(2)
        guard case .refreshed(let third) = try await provider.credentialRejected(fresh) else {
            Issue.record("a rejection after the floor passed was not refreshed")
            return
        }
        #expect(third.token.reveal() == "tok-3-mid-session-refresh")
        #expect(scripts.count("runs") == 3)
    }

    @Test("a 401 on a token older than the floor refreshes once; a configured floor is honoured and bounded")
    func refreshFloorConfigured() async throws {
        let provider = provider(scripts.countingHelper(), refreshFloor: 5)
        let first = try await provider.startSession()
        clock.advance(60)
        let retried = try await provider.perform { credential -> CredentialProvider.Attempt<Int> in
            credential == first ? .rejected(401) : .accepted(200)
        }
        #expect(retried == 200)
        #expect(scripts.count("runs") == 2, "one refresh for a rejected token older than the floor")
        let fresh = try await provider.credential()
        clock.advance(4)
        #expect(try await provider.credentialRejected(fresh) == .notRefreshed(fresh))
        clock.advance(2)
        #expect(try await provider.credentialRejected(fresh) != .notRefreshed(fresh))
        #expect(scripts.count("runs") == 3, "the configured 5 s floor, not the default 30 s")
        #expect(HostConfiguration(helperPath: "/h", refreshFloorSeconds: 0).refreshFloor == .seconds(1))
        #expect(HostConfiguration(helperPath: "/h", refreshFloorSeconds: 1 << 40).refreshFloor == .seconds(3600))
        #expect(HostConfiguration(helperPath: "/h").refreshFloor == .seconds(30))
    }

    @Test("a failing helper backs off: no re-run until the delay passes, then doubling")
    func backoff() async throws {
        let provider = provider(scripts.countingHelper(exitStatus: 7))
        for _ in 0..<2 {
            do {
                _ = try await provider.startSession()
                Issue.record("expected a failure")
            } catch {
                #expect(error.code == .nonZeroExit)
            }
        }
        #expect(scripts.count("runs") == 1, "the second call is within the 1 s back-off")
        clock.advance(1.1)
        _ = try? await provider.startSession()
        #expect(scripts.count("runs") == 2)
        clock.advance(1.5)
        do {
            _ = try await provider.startSession()
        } catch {
            #expect(error.retryAfter != nil)
            #expect(error.description.contains("will run again"))
        }
        #expect(scripts.count("runs") == 2, "the second delay is 2 s")
        clock.advance(0.6)
        _ = try? await provider.startSession()
        #expect(scripts.count("runs") == 3)
    }

    @Test("back-off doubles up to its maximum")
    func backoffPolicy() {
        let policy = BackoffPolicy(initialDelay: .seconds(1), maximumDelay: .seconds(60))
        #expect(policy.delay(afterFailures: 0) == .zero)
        #expect(policy.delay(afterFailures: 1) == .seconds(1))
        #expect(policy.delay(afterFailures: 3) == .seconds(4))
        #expect(policy.delay(afterFailures: 7) == .seconds(60))
        #expect(policy.delay(afterFailures: 1000) == .seconds(60))
    }

    @Test("mid-session refresh runs are clamped to 20 s; other contexts use the configured timeout")
    func timeouts() {
        let configuration = HostConfiguration(helperPath: "/bin/true", timeoutSeconds: 60)
        #expect(configuration.timeout(for: .interactive) == .seconds(60))
        #expect(configuration.timeout(for: .midSessionRefresh) == .seconds(20))
        let short = HostConfiguration(helperPath: "/bin/true", timeoutSeconds: 5)
        #expect(short.timeout(for: .midSessionRefresh) == .seconds(5))
    }

    @Test("the on-disk cache carries the TTL across provider instances, 0600 in a 0700 directory")
    func diskCache() async throws {
        let cache = CredentialDiskCache(directory: scripts.path("cache/host"))
        let helper = scripts.countingHelper()
        let first = try await provider(helper, ttl: 100, cache: cache).startSession()
        let path = cache.path(for: HostConfiguration(helperPath: helper, ttlSeconds: 100))
        var info = stat()
        #expect(stat(path, &info) == 0)
        #expect(info.st_mode & 0o777 == 0o600)
        #expect(stat(scripts.path("cache/host"), &info) == 0)
        #expect(info.st_mode & 0o777 == 0o700)
        #expect(!(try String(contentsOfFile: path, encoding: .utf8)).isEmpty)

        let second = try await provider(helper, ttl: 100, cache: cache).startSession()
        #expect(second.token == first.token)
        #expect(scripts.count("runs") == 1)

        let otherTTL = try await provider(helper, ttl: 50, cache: cache).startSession()
        #expect(otherTTL.token.reveal() == "tok-2-interactive", "a different TTL is a different cache entry")

        clock.advance(101)
        #expect(try await provider(helper, ttl: 100, cache: cache).startSession().token.reveal() == "tok-3-interactive")
    }

    @Test("a widened or corrupt cache file is not trusted")
    func untrustedCache() async throws {
        let cache = CredentialDiskCache(directory: scripts.path("cache"))
        let helper = scripts.countingHelper()
        _ = try await provider(helper, cache: cache).startSession()
        let path = cache.path(for: HostConfiguration(helperPath: helper))
        chmod(path, 0o644)
        #expect(throws: SecureFile.Failure.self) { try cache.load(for: HostConfiguration(helperPath: helper)) }
        #expect(try await provider(helper, cache: cache).startSession().token.reveal() == "tok-2-interactive")
        scripts.write("{not json", to: path)
        chmod(path, 0o600)
        #expect(throws: SecureFile.Failure.self) { try cache.load(for: HostConfiguration(helperPath: helper)) }
        #expect(try await provider(helper, cache: cache).startSession().token.reveal() == "tok-3-interactive")
    }
}
