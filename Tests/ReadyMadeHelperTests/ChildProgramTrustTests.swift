import CredentialHelperProtocol
import HelperFastPath
import TestSupport
import Testing
import TokenStore

@testable import ReadyMadeHelper

#if canImport(Glibc)
    import Glibc
#endif

/// The programs the ready-made helper starts itself (an `exec` command, the browser opener) are
/// checked by its own trust rule before they run, and get the context variables they are owed.
@Suite("Programs the ready-made helper starts")
struct ChildProgramTrustTests {
    let folder = HelperScripts()

    @Test("an exec command that its group may rewrite is refused, and does not run")
    func groupWritableCommand() async throws {
        let marker = folder.path("ran")
        let tool = folder.script("tool.sh", "touch '\(marker)'; echo tok-0123456789", mode: 0o770)
        let profiles = folder.path("profiles.json")
        folder.write(
            #"{"profiles": {"tool": {"kind": "exec", "command": ["\#(tool)"], "timeoutSec": 5}}}"#, to: profiles,
            mode: 0o600)
        let catalog = try ProfileCatalog.load(path: profiles, environment: [:])
        let helper = ReadyHelper(
            catalog: catalog, store: TokenStore(directory: folder.path("tokens")),
            environment: ["PATH": "/usr/bin:/bin"]
        ) { _ in }
        let error = await #expect(throws: CredhelperFailure.self) {
            _ = try await helper.answer(profile: try catalog.select("tool", environment: [:]), context: .background)
        }
        let text = error.map { "\($0)" } ?? ""
        #expect(error?.code == .commandFailed && text.contains("writable"), "\(text)")
        #expect(access(marker, F_OK) != 0, "the untrusted command ran")
    }

    @Test("a browser opener its group may rewrite is not started; the user is told to open the address by hand")
    func groupWritableBrowser() async throws {
        let marker = folder.path("opened")
        let browser = folder.script("browser.sh", "touch '\(marker)'", mode: 0o770)
        let said = Lines()
        BrowserOpener(environment: ["CREDHELPER_BROWSER": browser, "PATH": "/usr/bin:/bin"]).open(
            "https://idp.example/authorize"
        ) { said.append($0) }
        #expect(await eventually { !said.all.isEmpty }, "nothing was said")
        #expect(said.all.first?.contains("open the address above by hand") == true, "\(said.all)")
        try await Task.sleep(for: .milliseconds(200))
        #expect(access(marker, F_OK) != 0, "the untrusted browser opener ran")
    }

    @Test("a trusted browser opener runs with the URL as its only argument")
    func trustedBrowser() async throws {
        let marker = folder.path("opened")
        let browser = folder.script("browser.sh", "printf '%s|%s' \"$#\" \"$1\" > '\(marker)'")
        BrowserOpener(environment: ["CREDHELPER_BROWSER": browser, "PATH": "/usr/bin:/bin"]).open(
            "https://idp.example/authorize?a=1&b=2"
        ) { _ in }
        #expect(await eventually { access(marker, F_OK) == 0 })
        #expect(await eventually { folder.read("opened") == "1|https://idp.example/authorize?a=1&b=2" })
    }
}
