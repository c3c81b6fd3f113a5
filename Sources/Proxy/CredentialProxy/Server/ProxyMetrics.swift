import CoreMetrics
import CredentialHelperHost
import CredentialHelperProtocol
import Prometheus
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The proxy's metrics, through swift-metrics into a swift-prometheus registry of its own, served
/// as the Prometheus text format at `GET /_credhelper/metrics` (behind the client key when there is
/// one). No label carries a secret, a path or anything a client chose: statuses, outcomes and
/// helper contexts only, so the number of series stays small.
///
/// - `credhelper_proxy_requests_total{status}`: requests answered, by the status the client got.
/// - `credhelper_proxy_request_duration_seconds`: from a request's head to its response's end.
/// - `credhelper_proxy_upstream_refusals_total{status}`: the upstream's 401/403 answers.
/// - `credhelper_proxy_rejections_total{outcome}`: requests whose credential the upstream rejected,
///   by what the refresh did for each (`refreshed`, `refresh-failed`, `not-refreshed`,
///   `expiry-prompt`); concurrent rejections share one helper run.
/// - `credhelper_proxy_helper_runs_total{context, outcome}`: helper runs, each once however many
///   requests waited for it, by the context it ran in (`mid-session-refresh` ones are the
///   refreshes) and its outcome: `ok`, or the helper error's code.
final class ProxyMetrics: Sendable {
    /// What `/_credhelper/metrics` emits.
    let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    private let duration: CoreMetrics.Timer
    /// Counters by status, made on first use: a request takes the lock only to find its counter.
    private let byStatus = Mutex<[Int: CoreMetrics.Counter]>([:])
    private let refusals: [Int: CoreMetrics.Counter]

    init() {
        var factory = PrometheusMetricsFactory(registry: registry)
        // Proxy latency: 0.5 ms to 2 min (a long stream).
        factory.defaultDurationHistogramBuckets = [
            .microseconds(500), .milliseconds(1), .milliseconds(2.5), .milliseconds(5), .milliseconds(10),
            .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
            .seconds(1), .seconds(2.5), .seconds(5), .seconds(10), .seconds(30), .seconds(120),
        ]
        self.factory = factory
        duration = CoreMetrics.Timer(label: "credhelper_proxy_request_duration_seconds", factory: factory)
        refusals = Dictionary(
            uniqueKeysWithValues: [401, 403].map { status in
                (
                    status,
                    CoreMetrics.Counter(
                        label: "credhelper_proxy_upstream_refusals_total", dimensions: [("status", "\(status)")],
                        factory: factory)
                )
            })
    }

    /// A request was answered with `status` after `nanoseconds`.
    func requestCompleted(status: Int, nanoseconds: Int64) {
        let counter = byStatus.withLock { counters in
            if let counter = counters[status] { return counter }
            let counter = CoreMetrics.Counter(
                label: "credhelper_proxy_requests_total", dimensions: [("status", "\(status)")], factory: factory)
            counters[status] = counter
            return counter
        }
        counter.increment()
        duration.recordNanoseconds(nanoseconds)
    }

    /// The upstream answered 401 or 403.
    func upstreamRefused(status: Int) { refusals[status]?.increment() }

    /// A rejection's refresh ended with `outcome`.
    func refreshed(_ outcome: ExchangeNote.Refresh) {
        CoreMetrics.Counter(
            label: "credhelper_proxy_rejections_total", dimensions: [("outcome", outcome.rawValue)], factory: factory
        ).increment()
    }

    /// A helper run in `context` ended, with `error` or (nil) a credential.
    func helperRan(context: HelperContext, error: HelperError?) {
        helperRuns(context: context, outcome: error?.code.rawValue ?? "ok").increment()
    }

    private func helperRuns(context: HelperContext, outcome: String) -> CoreMetrics.Counter {
        CoreMetrics.Counter(
            label: "credhelper_proxy_helper_runs_total",
            dimensions: [("context", context.rawValue), ("outcome", outcome)],
            factory: factory)
    }

    /// The answer to `GET /_credhelper/metrics`: the registry in the Prometheus text format.
    func response() -> LocalResponse {
        LocalResponse(
            status: .ok, contentType: "text/plain; version=0.0.4; charset=utf-8", body: registry.emitToString())
    }
}
