import NIOCore
import Testing

@testable import CredentialProxy

/// The upstream connection's decisions, without a channel or a clock: each transition of
/// `UpstreamConnectionState`, with times given.
@Suite("Upstream connection state: every transition, I/O-free")
struct UpstreamConnectionStateTests {
    final class Exchange {}

    let start = NIODeadline.uptimeNanoseconds(1_000_000_000)

    @Test("reusable only between exchanges, with keep-alive, on an active channel")
    func reuse() {
        var state = UpstreamConnectionState<Exchange>(now: start)
        #expect(state.isReusable(channelActive: true))
        #expect(!state.isReusable(channelActive: false))
        let exchange = Exchange()
        state.begin(exchange, at: start)
        #expect(!state.isReusable(channelActive: true), "reused while a request is under way")
        state.requestEnd()
        #expect(!state.isReusable(channelActive: true), "reused before the response ended")
        #expect(state.responseEnd() === exchange)
        #expect(state.isReusable(channelActive: true))
        state.begin(exchange, at: start)
        state.responseHead(closes: true)
        state.requestEnd()
        _ = state.responseEnd()
        #expect(!state.isReusable(channelActive: true), "reused after the upstream said it closes")
    }

    @Test("the exchange learns its head was written once per request, and not on a closed channel")
    func headSent() {
        var state = UpstreamConnectionState<Exchange>(now: start)
        let exchange = Exchange()
        #expect(state.headSent(channelActive: true) == nil, "told before any request")
        state.begin(exchange, at: start)
        #expect(state.headSent(channelActive: true) === exchange)
        #expect(state.headSent(channelActive: true) == nil, "told twice")
        state.begin(exchange, at: start)
        #expect(state.headSent(channelActive: false) == nil, "told though the write failed")
    }

    @Test("a failure takes the exchange out once and ends reuse; an abandoned exchange is told nothing")
    func failure() {
        var state = UpstreamConnectionState<Exchange>(now: start)
        let exchange = Exchange()
        state.begin(exchange, at: start)
        #expect(state.fail() === exchange)
        #expect(state.fail() == nil, "failed twice")
        #expect(!state.keepAlive)
        var abandoned = UpstreamConnectionState<Exchange>(now: start)
        abandoned.begin(exchange, at: start)
        abandoned.abandon()
        #expect(abandoned.fail() == nil && abandoned.responseEnd() == nil)
    }

    @Test("reads pause and resume only on a change")
    func pause() {
        var state = UpstreamConnectionState<Exchange>(now: start)
        let changes = [false, true, true, false].map { state.pauseReads($0) }
        #expect(changes == [false, true, false, true])
    }

    @Test("the read timeout counts from the last byte; idle with no exchange")
    func readTimeout() {
        var state = UpstreamConnectionState<Exchange>(now: start)
        #expect(isIdle(state.timeoutCheck(at: start + .seconds(999), readTimeout: .seconds(10))))
        let exchange = Exchange()
        state.begin(exchange, at: start)
        _ = state.read(at: start + .seconds(5), readingTrailers: false, trailersLimit: .seconds(30))
        #expect(state.nextDeadline(readTimeout: .seconds(10)) == start + .seconds(15))
        #expect(isWait(state.timeoutCheck(at: start + .seconds(14), readTimeout: .seconds(10))))
        guard case .readTimeout(let late) = state.timeoutCheck(at: start + .seconds(15), readTimeout: .seconds(10))
        else {
            Issue.record("no read timeout after 10 s of silence")
            return
        }
        #expect(late === exchange && state.exchange == nil && !state.keepAlive)
    }

    @Test("trailers get their own deadline from their first byte, even while bytes keep coming")
    func trailers() {
        var state = UpstreamConnectionState<Exchange>(now: start)
        let exchange = Exchange()
        state.begin(exchange, at: start)
        let started = state.read(at: start + .seconds(1), readingTrailers: true, trailersLimit: .seconds(30))
        let again = state.read(at: start + .seconds(2), readingTrailers: true, trailersLimit: .seconds(30))
        #expect(started && !again, "the trailers' deadline was not set once, at their first byte")
        #expect(state.nextDeadline(readTimeout: .seconds(60)) == start + .seconds(31))
        // A trickle of bytes keeps the read timeout away, not the trailers' deadline.
        _ = state.read(at: start + .seconds(30), readingTrailers: true, trailersLimit: .seconds(30))
        guard case .trailersTooSlow(let late) = state.timeoutCheck(at: start + .seconds(31), readTimeout: .seconds(60))
        else {
            Issue.record("trailers trickling past their deadline were not cut")
            return
        }
        #expect(late === exchange)
        // Trailers that ended clear the deadline.
        var ended = UpstreamConnectionState<Exchange>(now: start)
        ended.begin(exchange, at: start)
        _ = ended.read(at: start + .seconds(1), readingTrailers: true, trailersLimit: .seconds(30))
        _ = ended.read(at: start + .seconds(2), readingTrailers: false, trailersLimit: .seconds(30))
        #expect(ended.trailersDeadline == nil)
    }

    private func isIdle(_ verdict: UpstreamConnectionState<Exchange>.TimeoutVerdict) -> Bool {
        if case .idle = verdict { return true }
        return false
    }

    private func isWait(_ verdict: UpstreamConnectionState<Exchange>.TimeoutVerdict) -> Bool {
        if case .wait = verdict { return true }
        return false
    }
}
