import CredentialHelperProtocol
import HelperFastPath
import ReadyMadeHelper
import Synchronization
import TestSupport
import Testing
import TokenStore

#if canImport(Glibc)
    import Glibc
#endif

/// The ready-made helper's answers, status and sign-out, with `exec` profiles run as real child
/// processes (the OAuth flows are tested end to end against a real provider in the CLI tests).
@Suite("The ready-made helper with exec profiles")
struct ReadyHelperTests {
    let folder = HelperScripts()

    /// A helper over one `exec` profile named `tool` that runs `script`; lines said go to `said`.
    func helper(_ script: String, lifetime: Int? = 3600, said: Lines = Lines()) throws -> (ReadyHelper, Profile) {
        let tool = folder.script("tool.sh", script)
        let lifetimeKey = lifetime.map { #", "tokenLifetimeSec": \#($0)"# } ?? ""
        let profiles = folder.path("profiles.json")
        folder.write(
            #"{"profiles": {"tool": {"kind": "exec", "command": ["\#(tool)"], "timeoutSec": 5\#(lifetimeKey)}}}"#,
            to: profiles, mode: 0o600)
        let catalog = try ProfileCatalog.load(path: profiles, environment: [:])
        let store = TokenStore(directory: folder.path("tokens"))
        let helper = ReadyHelper(catalog: catalog, store: store, environment: ["PATH": "/usr/bin:/bin"]) {
            said.append($0)
        }
        return (helper, try catalog.select("tool", environment: [:]))
    }

    @Test("the tool's token is the answer, the tool sees the context, and the answer is reused within its lifetime")
    func answerAndReuse() async throws {
        let (helper, profile) = try helper(
            #"echo "$CLAUDE_HELPER_CONTEXT" >> '\#(folder.path("runs"))'; echo tok-0123456789"#)
        let first = try await helper.answer(profile: profile, context: .scheduledTask)
        #expect(first.token == Secret("tok-0123456789"))
        #expect(folder.read("runs") == "scheduled-task\n")
        let second = try await helper.answer(profile: profile, context: .background)
        #expect(second.token == first.token)
        #expect(folder.count("runs") == 1, "the stored answer was not reused")
        let status = helper.status(profile: profile)
        #expect(status.profile == "tool" && status.signedIn && status.storePath != nil, "\(status)")
    }

    @Test("a failing tool is a failure that carries its last stderr line, never its stdout")
    func failingTool() async throws {
        let (helper, profile) = try helper(
            "echo sk-leaked-0123456789abcdef; echo 'identity service unavailable' >&2; exit 3")
        let error = await #expect(throws: CredhelperFailure.self) {
            _ = try await helper.answer(profile: profile, context: .interactive)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(text.contains("identity service unavailable"), "\(text)")
        #expect(!text.contains("sk-leaked"), "\(text)")
    }

    @Test("signing out removes the stored answer; the next answer runs the tool again")
    func logout() async throws {
        let (helper, profile) = try helper(#"echo run >> '\#(folder.path("runs"))'; echo tok-0123456789"#)
        _ = try await helper.answer(profile: profile, context: .interactive)
        let outcome = try await helper.logout(profile: profile)
        #expect(outcome.removed && outcome.revocation == .notNeeded)
        #expect(!helper.status(profile: profile).signedIn)
        #expect(try await !helper.logout(profile: profile).removed, "a second sign-out found something to remove")
        _ = try await helper.answer(profile: profile, context: .interactive)
        #expect(folder.count("runs") == 2)
    }
}

/// Lines said by the helper, collected across threads.
final class Lines: Sendable {
    private let lines = Mutex<[String]>([])
    func append(_ line: String) { lines.withLock { $0.append(line) } }
    var all: [String] { lines.withLock { $0 } }
}
