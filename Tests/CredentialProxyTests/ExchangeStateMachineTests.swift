import NetworkFailure
import Testing

@testable import CredentialProxy

/// The forwarded request's decisions, driven without sockets: each transition the relay can take,
/// and the events that must change nothing once the exchange is over.
@Suite struct ExchangeStateMachineTests {
    typealias Machine = ExchangeStateMachine

    /// A machine whose request went upstream on a connection (`keptAlive`: from an earlier request).
    func sent(replayable: Bool = true, silentRefresh: Bool = true, keptAlive: Bool = false) -> Machine {
        var machine = Machine(replayable: replayable, silentRefreshEnabled: silentRefresh)
        #expect(machine.credentialObtained() == .acquireConnection)
        #expect(machine.connectionReady(keptAlive: keptAlive) == .sendRequest)
        return machine
    }

    @Test func aResponseIsRelayedHeadBodyEnd() {
        var machine = sent()
        #expect(machine.upstreamHead(status: 200, refreshable: true) == .forwardHead(reportRejection: false))
        #expect(machine.upstreamBody() == .forwardBody)
        #expect(machine.upstreamReadComplete() == .flush)
        #expect(machine.upstreamEnd() == .finish(status: 200))
        #expect(machine.state == .finished)
    }

    @Test func theHelperFailingAnswersLocally() {
        var machine = Machine(replayable: true, silentRefreshEnabled: true)
        #expect(machine.credentialFailed() == .respond(.helperFailure, reportRejection: false))
        #expect(machine.clientClosed() == .none)
    }

    @Test func aRejectionOfAKeptBodyIsDiscardedRefreshedAndReplayedOnce() {
        var machine = sent()
        #expect(machine.upstreamHead(status: 401, refreshable: true) == .discard)
        #expect(machine.upstreamBody() == .discard)
        #expect(machine.upstreamReadComplete() == .none)  // nothing of it reaches the client
        #expect(machine.upstreamEnd() == .refresh)
        #expect(machine.refreshed(.refreshed) == .acquireConnection)
        #expect(machine.replayed)
        #expect(machine.connectionReady(keptAlive: true) == .sendRequest)
        // A second rejection right after the refresh is returned, and does not refresh again.
        #expect(machine.upstreamHead(status: 403, refreshable: true) == .forwardHead(reportRejection: false))
        #expect(machine.upstreamEnd() == .finish(status: 403))
    }

    @Test func aRejectionOfAStreamedBodyIsReturnedAndRefreshesForTheNextRequests() {
        var machine = sent(replayable: false)
        #expect(machine.upstreamHead(status: 401, refreshable: true) == .forwardHead(reportRejection: true))
        #expect(machine.upstreamEnd() == .finish(status: 401))
    }

    @Test func aRejectionWithinTheRefreshFloorIsRelayedAsItIsAndNotReported() {
        var machine = sent()
        #expect(machine.upstreamHead(status: 403, refreshable: false) == .forwardHead(reportRejection: false))
        #expect(machine.upstreamBody() == .forwardBody)
        #expect(machine.upstreamEnd() == .finish(status: 403))
        #expect(!machine.replayed)
        var streamed = sent(replayable: false)
        #expect(streamed.upstreamHead(status: 401, refreshable: false) == .forwardHead(reportRejection: false))
    }

    @Test func aRefreshWithheldAfterTheRejectionWasDiscardedAnswersLocally() {
        var machine = sent()
        #expect(machine.upstreamHead(status: 403, refreshable: true) == .discard)
        #expect(machine.upstreamEnd() == .refresh)
        // Another request refreshed meanwhile, and its fresh credential was rejected: no second refresh.
        #expect(machine.refreshed(.notRefreshed) == .respond(.rejectedAgain(status: 403), reportRejection: false))
        #expect(machine.state == .finished)
    }

    @Test func withSilentRefreshDisabledARejectionBecomesTheProxysOwn401() {
        var machine = sent(silentRefresh: false)
        #expect(machine.upstreamHead(status: 403, refreshable: true) == .discard)
        #expect(machine.upstreamEnd() == .respond(.silentRefreshDisabled(status: 403), reportRejection: true))
    }

    @Test func aRefreshThatEndsInAnExpiryPromptOrFailsAnswersLocally() {
        var prompt = sent()
        _ = prompt.upstreamHead(status: 401, refreshable: true)
        _ = prompt.upstreamEnd()
        #expect(
            prompt.refreshed(.expiryPromptDue) == .respond(.silentRefreshDisabled(status: 401), reportRejection: false))
        var failed = sent()
        _ = failed.upstreamHead(status: 401, refreshable: true)
        _ = failed.upstreamEnd()
        #expect(failed.refreshed(.failed) == .respond(.helperFailure, reportRejection: false))
    }

    @Test func aKeptAliveConnectionClosedBeforeAnyByteOfTheRequestWasWrittenIsRetriedOnceOnANewConnection() {
        var machine = sent(keptAlive: true)
        #expect(machine.upstreamFailed(.closedEarly) == .openNewConnection)
        // The new connection fails too: no third attempt.
        #expect(machine.connectionReady(keptAlive: false) == .sendRequest)
        #expect(
            machine.upstreamFailed(.closedEarly) == .respond(.upstreamFailure(.closedEarly), reportRejection: false))
    }

    @Test func aKeptAliveConnectionClosedAfterTheRequestWasWrittenIsNotRetried() {
        // The upstream may have read the whole request (RFC 9110 §9.2.2): a POST must not go twice.
        for failure in [NetworkFailure.closedEarly, .other("Broken pipe")] {
            var machine = sent(keptAlive: true)
            machine.requestWritten()
            #expect(
                machine.upstreamFailed(failure) == .respond(.mayHaveBeenProcessed(failure), reportRejection: false))
            #expect(machine.state == .finished)
        }
        // On a new connection too: the answer says the request may have been processed.
        var fresh = sent(keptAlive: false)
        fresh.requestWritten()
        #expect(
            fresh.upstreamFailed(.closedEarly) == .respond(.mayHaveBeenProcessed(.closedEarly), reportRejection: false))
        // A timeout keeps its own answer (504).
        var slow = sent(keptAlive: true)
        slow.requestWritten()
        #expect(slow.upstreamFailed(.timedOut) == .respond(.upstreamFailure(.timedOut), reportRejection: false))
    }

    @Test func aRetriedRequestThatWasWrittenOnTheNewConnectionIsNotRetriedAgain() {
        var machine = sent(keptAlive: true)
        #expect(machine.upstreamFailed(.closedEarly) == .openNewConnection)
        #expect(machine.connectionReady(keptAlive: false) == .sendRequest)
        machine.requestWritten()
        #expect(
            machine.upstreamFailed(.closedEarly)
                == .respond(.mayHaveBeenProcessed(.closedEarly), reportRejection: false))
    }

    @Test func noRetryWhenTheUpstreamMayHaveProcessedTheRequestOrTheBodyIsGone() {
        for failure in [NetworkFailure.timedOut, .malformed("bad status line")] {
            var machine = sent(keptAlive: true)
            #expect(machine.upstreamFailed(failure) == .respond(.upstreamFailure(failure), reportRejection: false))
        }
        var streamed = sent(replayable: false, keptAlive: true)
        #expect(
            streamed.upstreamFailed(.closedEarly) == .respond(.upstreamFailure(.closedEarly), reportRejection: false))
        var fresh = sent(keptAlive: false)
        #expect(fresh.upstreamFailed(.refused) == .respond(.upstreamFailure(.refused), reportRejection: false))
    }

    @Test func aConnectFailureAfterAReplayIsNotRetried() {
        var machine = sent(keptAlive: true)
        _ = machine.upstreamHead(status: 401, refreshable: true)
        _ = machine.upstreamEnd()
        _ = machine.refreshed(.refreshed)
        // No idle connection: a new one is opened, and refused.
        #expect(machine.upstreamFailed(.refused) == .respond(.upstreamFailure(.refused), reportRejection: false))
    }

    @Test func aFailureAfterTheHeadWentOutCutsTheClient() {
        var machine = sent()
        _ = machine.upstreamHead(status: 200, refreshable: true)
        _ = machine.upstreamBody()
        #expect(machine.upstreamFailed(.closedEarly) == .cutClient(status: 200))
        #expect(machine.upstreamEnd() == .none)
    }

    @Test func aFailureWhileDiscardingARejectionAnswersLocally() {
        var machine = sent()
        _ = machine.upstreamHead(status: 401, refreshable: true)
        #expect(
            machine.upstreamFailed(.closedEarly) == .respond(.upstreamFailure(.closedEarly), reportRejection: false))
    }

    @Test func theClientLeavingAbandonsTheExchangeInEveryLiveState() {
        var waiting = Machine(replayable: true, silentRefreshEnabled: true)
        #expect(waiting.clientClosed() == .abandon)
        // The credential and connection that arrive afterwards are not used; the connection goes back.
        #expect(waiting.credentialObtained() == .none)
        #expect(waiting.connectionReady(keptAlive: false) == .releaseConnection)

        var relaying = sent()
        _ = relaying.upstreamHead(status: 200, refreshable: true)
        #expect(relaying.clientClosed() == .abandon)
        #expect(relaying.upstreamBody() == .none)
        #expect(relaying.upstreamEnd() == .none)
        #expect(relaying.upstreamFailed(.closedEarly) == .none)

        var refreshing = sent()
        _ = refreshing.upstreamHead(status: 401, refreshable: true)
        _ = refreshing.upstreamEnd()
        #expect(refreshing.clientClosed() == .abandon)
        #expect(refreshing.refreshed(.refreshed) == .none)
    }

    @Test func eventsOutOfOrderChangeNothing() {
        var machine = Machine(replayable: true, silentRefreshEnabled: true)
        #expect(machine.upstreamHead(status: 200, refreshable: true) == .none)
        #expect(machine.upstreamEnd() == .none)
        #expect(machine.refreshed(.refreshed) == .none)
        #expect(machine.upstreamFailed(.refused) == .none)
        #expect(machine.state == .awaitingCredential)
    }
}
