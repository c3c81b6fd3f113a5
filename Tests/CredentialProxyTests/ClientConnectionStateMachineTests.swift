import Testing

@testable import CredentialProxy

/// The client connection's decisions, driven without sockets: half-closes, refusals, timeouts,
/// keep-alive and pipelining, each a transition with its action.
@Suite struct ClientConnectionStateMachineTests {
    typealias Machine = ClientConnectionStateMachine

    func responding() -> Machine {
        var machine = Machine()
        machine.headParsed()
        #expect(machine.isResponding)
        return machine
    }

    @Test func overTheLimitAConnectionIsRefusedAndNothingIsParsed() {
        var machine = Machine()
        #expect(machine.accepted(open: 1024, limit: 1024) == .none)
        #expect(machine.accepted(open: 1025, limit: 1024) == .refuseOverloaded)
        #expect(!machine.mayParse(at: .headPending))
    }

    @Test func aClientThatHalfClosesMidRequestIsClosedAtOnce() {
        var machine = responding()
        #expect(machine.inputClosed(at: .insideRequest) == .close)
        #expect(machine.isClosing)
        // The response that the closing cut is not followed by anything.
        #expect(machine.responseEnded(keepAlive: true, writerCloses: false, cut: true) == .none)
    }

    @Test func aClientThatHalfClosesAfterAWholeRequestGetsItsResponseThenTheConnectionCloses() {
        var machine = responding()
        #expect(machine.inputClosed(at: .betweenRequests) == .none)
        #expect(machine.isResponding)
        #expect(machine.responseEnded(keepAlive: true, writerCloses: false, cut: false) == .closeWhenWritten)
        #expect(machine.isClosing)
    }

    @Test func aHalfCloseBetweenRequestsClosesAndEndsALingeringClose() {
        var idle = Machine()
        #expect(idle.inputClosed(at: .betweenRequests) == .close)
        var refused = Machine()
        #expect(refused.refused() == .answerRefusal)
        #expect(refused.inputClosed(at: .headPending) == .close)
    }

    @Test func shutdownFinishesTheResponseUnderWay() {
        var idle = Machine()
        #expect(idle.quiesce() == .close)
        var busy = responding()
        #expect(busy.quiesce() == .none)
        #expect(busy.responseEnded(keepAlive: true, writerCloses: false, cut: false) == .closeWhenWritten)
    }

    @Test func aRefusalIsAnsweredUnlessAResponseIsUnderWay() {
        var idle = Machine()
        #expect(idle.refused() == .answerRefusal)
        #expect(idle.refused() == .none)
        var busy = responding()
        #expect(busy.refused() == .close)
    }

    @Test func keepAliveParsesTheNextRequestAndCloseRequestsClose() {
        var machine = responding()
        #expect(machine.responseEnded(keepAlive: true, writerCloses: false, cut: false) == .parseNext)
        #expect(machine.state == .awaitingRequest)
        machine.headParsed()
        #expect(machine.responseEnded(keepAlive: false, writerCloses: false, cut: false) == .closeWhenWritten)
        var unframed = responding()
        #expect(unframed.responseEnded(keepAlive: true, writerCloses: true, cut: false) == .closeWhenWritten)
        var answered = responding()
        answered.closeAfterResponse()
        #expect(answered.responseEnded(keepAlive: true, writerCloses: false, cut: false) == .closeWhenWritten)
    }

    @Test func aPipelinedRequestWaitsUnparsedAndUnreadForTheResponseUnderWay() {
        var machine = responding()
        #expect(machine.mayParse(at: .insideRequest))
        #expect(!machine.mayParse(at: .headPending))
        #expect(machine.updateReading(at: .headPending) == false)
        #expect(!machine.awaitsHead(at: .headPending))  // no head timeout for a pipelined head
        _ = machine.responseEnded(keepAlive: true, writerCloses: false, cut: false)
        #expect(machine.mayParse(at: .headPending))
        #expect(machine.updateReading(at: .headPending) == true)
        #expect(machine.awaitsHead(at: .headPending))
    }

    @Test func backpressureStopsReadingAndTheBodyTimer() {
        var machine = responding()
        #expect(machine.silenceTimer(at: .insideRequest) == .body)
        #expect(machine.setBodyBackpressure(true, at: .insideRequest) == false)
        #expect(machine.setBodyBackpressure(true, at: .insideRequest) == nil)  // no change, no call
        #expect(machine.silenceTimer(at: .insideRequest) == nil)
        #expect(machine.setBodyBackpressure(false, at: .insideRequest) == true)
        #expect(machine.silenceTimer(at: .insideRequest) == .body)
    }

    @Test func silenceTimersRunOnlyWhileTheClientShouldSend() {
        let idle = Machine()
        #expect(idle.silenceTimer(at: .betweenRequests) == .idle)
        #expect(idle.silenceTimer(at: .headPending) == nil)  // the head timeout runs instead
        let waitingForUpstream = responding()
        #expect(waitingForUpstream.silenceTimer(at: .betweenRequests) == nil)
        var closing = Machine()
        _ = closing.refused()
        #expect(closing.silenceTimer(at: .betweenRequests) == nil)
    }

    @Test func aStalledBodyGets408WhenKeptElseTheConnectionCloses() {
        var kept = responding()
        #expect(kept.silenceElapsed(.body, buffering: true) == .answerStalledBody)
        #expect(kept.silenceElapsed(.body, buffering: true) == .none)
        var streamed = responding()
        #expect(streamed.silenceElapsed(.body, buffering: false) == .close)
        var idle = Machine()
        #expect(idle.silenceElapsed(.idle, buffering: false) == .close)
    }

    @Test func afterTheConnectionClosedNothingHappens() {
        var machine = responding()
        machine.closed()
        #expect(machine.responseEnded(keepAlive: true, writerCloses: false, cut: false) == .none)
        #expect(machine.refused() == .none)
        #expect(machine.silenceElapsed(.idle, buffering: false) == .none)
        #expect(!machine.mayParse(at: .insideRequest))
    }
}
