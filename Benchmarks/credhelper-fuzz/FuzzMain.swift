import Fuzzing

#if canImport(Glibc)
    import Glibc
#endif

/// `credhelper-fuzz [INPUTS_PER_TARGET] [SEED] [http1]`: feeds seeded mutated inputs to the
/// helper-output parser, the profiles reader and the host configuration reader (JSON, and property
/// lists checked against Foundation's parser; each target reports its slowest input), then compares the
/// proxy's HTTP/1.1 codec with llhttp on mutated request and response streams (docs/benchmarks.md,
/// "Fuzzing"). With `http1` (or `http1-requests`, `http1-responses`), only the codec comparison runs;
/// with a target's name (`plist`, `profiles`, ...), only that target.
/// Exits 1 on the first broken invariant; a crash ends the process.
@main
struct FuzzMain {
    static func main() {
        let arguments = CommandLine.arguments
        let count = arguments.count > 1 ? Int(arguments[1]) ?? 1_000_000 : 1_000_000
        let seed = arguments.count > 2 ? UInt64(arguments[2]) ?? 1 : 1
        var total = 0
        for target in FuzzTarget.allCases where arguments.count <= 3 || arguments[3] == target.rawValue {
            var run = FuzzRun(target: target, seed: seed)
            let started = ContinuousClock.now
            do { try run.run(count) } catch {
                print("FINDING \(error)")
                exit(1)
            }
            total += run.inputs
            let codes = run.rejections.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(
                separator: ", ")
            print(
                "\(target.rawValue): \(run.inputs) inputs, \(run.accepted) accepted, rejected: \(codes) "
                    + "(\(ContinuousClock.now - started); slowest input \(run.slowest.input): \(run.slowest.duration), "
                    + "\(run.overOneSecond) over 1 s)")
        }
        let directions = HTTP1Differential.Direction.allCases.filter { direction in
            arguments.count <= 3 || arguments[3] == "http1" || arguments[3] == "http1-\(direction.rawValue)"
        }
        for direction in directions {
            var run = HTTP1DifferentialRun(direction: direction, seed: seed)
            let started = ContinuousClock.now
            do { try run.run(count) } catch {
                print("FINDING \(error)")
                exit(1)
            }
            total += run.inputs
            print(
                "http1-\(direction.rawValue) vs llhttp: \(run.inputs) inputs, \(run.oursAccepted) framed alike, "
                    + "\(run.bothRefused) refused by both, \(run.oursStricter) refused by ours only, "
                    + "\(run.lenient) methods or targets llhttp's lists refuse (\(ContinuousClock.now - started))")
        }
        print("\(total) inputs, 0 findings, 0 crashes (seed \(seed))")
    }
}
