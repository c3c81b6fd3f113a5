import Fuzzing
import TestSupport
import Testing

/// A short seeded run of the fuzzer on every parser of untrusted bytes (CI); the long run and its
/// figures are in docs/benchmarks.md.
@Suite("Seeded fuzzing of the helper-output, profiles and configuration readers")
struct ShortFuzzTests {
    @Test(
        "20,000 mutated inputs per reader: no crash, no broken invariant, every rejection a stable code",
        arguments: FuzzTarget.allCases)
    func shortRun(target: FuzzTarget) async throws {
        // Seconds of computation: on a thread of its own, not one of the test pool's two.
        let (inputs, accepted, rejections) = try await OffPool.run {
            var run = FuzzRun(target: target, seed: 20_261_202)
            try run.run(20_000)
            return (run.inputs, run.accepted, run.rejections.keys.map { "\($0)" }.sorted())
        }
        #expect(inputs == 20_000)
        #expect(accepted > 0, "no input was accepted: the mutator no longer reaches the parser's success path")
        // The helper-output parser has a code per rule; the readers have one (configuration errors).
        #expect(rejections.count >= (target == .helperOutput ? 10 : 1), "too few kinds of rejection: \(rejections)")
    }
}
