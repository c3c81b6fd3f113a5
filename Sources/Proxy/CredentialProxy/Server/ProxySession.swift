import CredentialHelperHost
import CredentialHelperProtocol
import CredentialProxyHTTP1
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What every connection of one proxy shares: the configuration, the session's credential (the
/// proxy process is one session), the upstream client, the health report and the access log.
///
/// The credential is read without leaving the event loop while it is within its TTL; obtaining
/// or refreshing one goes through ``CredentialProvider`` (its single flight and backoff) and
/// completes on the caller's event loop.
final class ProxySession: Sendable {
    let configuration: ProxyConfiguration
    let provider: CredentialProvider
    let health: HealthReport
    /// Prometheus metrics, when ``ProxyConfiguration/metrics`` is on.
    let metrics: ProxyMetrics?
    let accessLog: (@Sendable (String) -> Void)?
    let endpoint: UpstreamEndpoint
    /// One upstream connection pool per event loop (see ``pool(on:)``).
    private let pools: [NIOLoopBoundBox<UpstreamConnectionPool>]

    private struct HeaderCache {
        var credential: Credential
        var lines: HelperHeaderLines
    }
    private let headerCache = Mutex<HeaderCache?>(nil)
    /// Client connections open now, against ``ProxyConfiguration/maximumConnections``.
    let openConnections = Atomic<Int>(0)
    /// Helper runs started for requests, by number: awaited before the event loops stop, since a
    /// run outlives a client that left and completes its future on the client's event loop.
    private let helperRuns = Mutex<(next: Int, running: [Int: Task<Void, Never>])>((0, [:]))

    init(
        configuration: ProxyConfiguration, provider: CredentialProvider, eventLoopGroup: any EventLoopGroup,
        accessLog: (@Sendable (String) -> Void)?
    ) throws {
        self.configuration = configuration
        self.provider = provider
        self.accessLog = accessLog
        let endpoint = try UpstreamEndpoint(configuration.upstream)
        self.endpoint = endpoint
        health = HealthReport(upstream: endpoint.origin, provider: provider)
        let metrics = configuration.metrics ? ProxyMetrics() : nil
        self.metrics = metrics
        if let metrics {
            provider.observeHelperRuns { context, error in metrics.helperRan(context: context, error: error) }
        }
        var tls: NIOSSLContext?
        if endpoint.useTLS {
            var tlsConfiguration = TLSConfiguration.makeClientConfiguration()
            if let caFile = configuration.upstreamCAFile { tlsConfiguration.additionalTrustRoots = [.file(caFile)] }
            tls = try NIOSSLContext(configuration: tlsConfiguration)
        }
        let connectTimeout = TimeAmount(configuration.connectTimeout)
        let timeouts = UpstreamConnection.Timeouts(
            read: TimeAmount(configuration.readTimeout), trailers: TimeAmount(configuration.trailersTimeout))
        let idleTimeout = TimeAmount(configuration.upstreamIdleTimeout)
        pools = eventLoopGroup.makeIterator().map { eventLoop in
            NIOLoopBoundBox.makeBoxSendingValue(
                UpstreamConnectionPool(
                    eventLoop: eventLoop, endpoint: endpoint, tls: tls, connectTimeout: connectTimeout,
                    timeouts: timeouts, idleTimeout: idleTimeout),
                eventLoop: eventLoop)
        }
    }

    /// The upstream connection pool of `eventLoop` (the caller runs on it).
    func pool(on eventLoop: any EventLoop) -> UpstreamConnectionPool {
        (pools.first { $0.eventLoop === eventLoop } ?? pools[0]).value
    }

    /// Closes every pool's idle connections, and each connection released from now on.
    func closeUpstreamConnections() async {
        for pool in pools {
            try? await pool.eventLoop.submit { pool.value.close() }.get()
        }
    }

    /// The session's credential; past its TTL, a new one from the helper in the `background` context.
    func credential(on eventLoop: any EventLoop) -> EventLoopFuture<Credential> {
        helperRun(on: eventLoop) {
            do throws(HelperError) {
                var current = try await self.provider.credential()
                if !current.isFresh(at: self.provider.currentDate) {
                    current = try await self.provider.startSession(context: .background)
                    self.health.recordHelperSuccess()
                }
                return current
            } catch {
                self.health.recordHelper(error)
                throw error
            }
        }
    }

    /// The upstream rejected `credential`: the provider's answer (a refreshed credential, or an
    /// expiry prompt when silent refresh is disabled).
    func rejected(_ credential: Credential, on eventLoop: any EventLoop)
        -> EventLoopFuture<CredentialProvider.RejectionOutcome>
    {
        helperRun(on: eventLoop) {
            do throws(HelperError) {
                let outcome = try await self.provider.credentialRejected(credential)
                if case .refreshed(let fresh) = outcome {
                    self.health.recordHelperSuccess()
                }
                return outcome
            } catch {
                self.health.recordHelper(error)
                throw error
            }
        }
    }

    /// `work` (a helper run) in a task whose result completes a future on `eventLoop`; tracked until
    /// it ends, for ``helperRunsEnded()``.
    private func helperRun<Value: Sendable>(
        on eventLoop: any EventLoop, _ work: @escaping @Sendable () async throws -> Value
    ) -> EventLoopFuture<Value> {
        let promise = eventLoop.makePromise(of: Value.self)
        helperRuns.withLock { runs in
            let number = runs.next
            runs.next += 1
            // The task removes itself under the same lock, so only after it was added.
            runs.running[number] = Task {
                do { promise.succeed(try await work()) } catch { promise.fail(error) }
                self.helperRuns.withLock { _ = $0.running.removeValue(forKey: number) }
            }
        }
        return promise.futureResult
    }

    /// Returns once the helper runs started for requests ended (each is bounded by the helper
    /// timeout). Called after the server stopped, before its event loops do.
    func helperRunsEnded() async {
        while let run = helperRuns.withLock({ $0.running.values.first }) { await run.value }
    }

    /// The header lines the proxy adds to each request with `credential`: the credential header,
    /// the merged headers, and `Host`. Encoded once per credential.
    func headerLines(for credential: Credential) -> HelperHeaderLines {
        let cached = headerCache.withLock { cache in cache?.credential == credential ? cache?.lines : nil }
        if let cached { return cached }
        var lines = ByteBuffer()
        var names: [String] = []
        for field in credential.requestHeaders(for: provider.configuration).headers {
            lines.writeHeader(field.name, field.value)
            // The client's credential headers are dropped anyway: only the others cost a scan.
            let name = field.name.lowercased()
            if !HeaderForwarding.droppedUpstreamNames.contains(name) { names.append(name) }
        }
        lines.writeHeader("host", endpoint.authority)
        let encoded = HelperHeaderLines(lines: lines, names: names)
        headerCache.withLock { $0 = HeaderCache(credential: credential, lines: encoded) }
        return encoded
    }
}

/// The header lines the proxy adds to a request, and their names: a client header of the same name
/// is not forwarded, so the upstream sees exactly one value — the helper's (docs/protocol.md §7).
struct HelperHeaderLines: Sendable {
    let lines: ByteBuffer
    /// Lowercase names of ``lines`` that the client's header lines could also carry (not `Host`, the
    /// credential headers or other names never forwarded from a client).
    let names: [String]
}
