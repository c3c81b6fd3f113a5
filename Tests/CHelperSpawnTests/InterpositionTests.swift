import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

#if os(Linux)
    /// A host whose libc functions are replaced (as ThreadSanitizer or an LD_PRELOAD library replaces
    /// them) must never have a replacement run in a child that shares its memory: under
    /// ThreadSanitizer, libc's `sigaction` called in the child reset the host's own handler. The same
    /// harness, wrapping pipe2, plays another thread freeing 0, 1 and 2 in the middle of a spawn, and,
    /// in a process of its own (the descriptor limit is process-wide), close_range refused.
    /// `Tests/Fixtures/spawn/interposer.c` replaces the functions a spawn could call, notes each call
    /// made outside the host process, and is compiled here with the CHelperSpawn sources (clang from
    /// the Swift toolchain), at the optimisation levels of a debug and a release build.
    @Suite("credhelper_spawn: no host code runs in the child")
    struct InterpositionTests {
        /// The package's root directory, with a trailing slash.
        static let root = "/" + #filePath.split(separator: "/").dropLast(3).joined(separator: "/") + "/"

        /// `clang` from PATH (the Swift toolchain's bin directory has one).
        static func clang() -> String? {
            let path = getenv("PATH").map { String(cString: $0) } ?? ""
            return path.split(separator: ":").map { "\($0)/clang" }.first { access($0, X_OK) == 0 }
        }

        @Test(
            "no replaced libc function runs in the child; descriptors freed mid-spawn do not cross the pipes; close_range refused, none leaks",
            arguments: ["-O0", "-O2"])
        func noInterposedCallInChild(optimisation: String) async throws {
            let compiler = try #require(
                Self.clang(), "clang is not on PATH: put the Swift toolchain's bin directory on it")
            let spawn = Self.root + "Sources/Support/ChildProcess/CHelperSpawn"
            let sources = ["helper_spawn.c", "spawn_clone.c", "spawn_posix.c"].map { "\(spawn)/\($0)" }
            let output = "/tmp/credhelper-interposer-\(getpid())\(optimisation)"
            defer { unlink(output) }
            let build = try await ProgramRun.run(
                compiler,
                [optimisation, "-I", "\(spawn)/include", "-I", spawn] + sources
                    + [
                        Self.root + "Tests/Fixtures/spawn/interposer.c", "-Wl,--wrap=pipe2", "-ldl", "-lpthread", "-o",
                        output,
                    ])
            try #require(build.status == 0, "clang failed: \(build.stderr)")
            let methods = SpawnMethod.available.map { String($0.c.rawValue) }
            let expect = { (mode: String, suffix: String) in
                try await Self.expectEveryMethod(output, mode, methods, endsWith: suffix, optimisation)
            }
            try await expect("calls", "rc 0, called in the child: none")
            // 0, 1 and 2 freed by another thread between the spawn's two pipe2 calls: the stderr pipe
            // lands on 0 or 1, and must still not be overwritten by stdin or stdout.
            try await expect("order", "rc 0, stdout \"OUT/\", stderr \"ERR/\"")
            // close_range refused: every descriptor from 3 up is still closed, above the limit too.
            try await expect("closefrom", "rc 0, descriptors \"0/1/2/3/\"")
        }

        /// Runs the interposer at `program` in `mode` for `methods`, and expects one line per method,
        /// each ending with `suffix`.
        static func expectEveryMethod(
            _ program: String, _ mode: String, _ methods: [String], endsWith suffix: String, _ optimisation: String
        ) async throws {
            let run = try await ProgramRun.run(program, [mode] + methods)
            let lines = run.stdout.split(separator: "\n").map(String.init)
            #expect(
                run.status == 0 && lines.count == methods.count,
                "the interposer failed in \(mode) mode: \(run.stdout) \(run.stderr)")
            for line in lines {
                #expect(line.hasSuffix(suffix), "\(optimisation), \(mode): \(line)")
            }
        }
    }
#endif
