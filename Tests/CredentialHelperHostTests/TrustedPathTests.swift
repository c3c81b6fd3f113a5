import CredentialHelperHost
import CredentialHelperProtocol
import CredentialSupport
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// Who may change what runs (docs/security.md): the helper file and every directory above it.
@Suite("Trusted paths: the file and every directory above it", .timeLimit(.minutes(1)))
struct TrustedPathTests {
    let scripts = HelperScripts()
    let runner = HelperRunner(environment: ["PATH": "/usr/bin:/bin"])

    /// A directory in the test folder with `mode`, holding an executable helper.
    func helper(in name: String, mode: mode_t) -> String {
        let path = scripts.subdirectory(name, mode: mode) + "/helper.sh"
        scripts.write("#!/bin/sh\necho tok-from-\(name)\n", to: path, mode: 0o755)
        return path
    }

    func refusal(_ path: String) async -> HelperError? {
        do {
            _ = try await runner.run(path, context: .background, timeout: .seconds(5))
            return nil
        } catch { return error }
    }

    @Test("a helper in a directory others can write is refused, naming the directory and the fix")
    func writableDirectory() async throws {
        let path = helper(in: "shared", mode: 0o777)
        let error = try #require(await refusal(path))
        #expect(error.code == .unsafePermissions)
        #expect(error.description.contains(scripts.path("shared")) && error.description.contains("chmod go-w"))
        let group = helper(in: "group", mode: 0o775)
        #expect(await refusal(group)?.code == .unsafePermissions)
    }

    @Test("a sticky directory such as /tmp is fine for a file owned by this user")
    func stickyDirectory() async throws {
        let path = helper(in: "sticky", mode: 0o1777)
        #expect(await refusal(path) == nil)
        try TrustedPath.check("/tmp", role: "the directory")
    }

    @Test("the check returns what stat says of the file the path leads to: through links, . and ..")
    func finalEntry() throws {
        let safe = helper(in: "resolved", mode: 0o755)
        let link = scripts.path("resolved-link.sh")
        symlink("resolved/helper.sh", link)
        func identity(_ path: String) -> [UInt64] {
            var info = stat()
            stat(path, &info)
            return [UInt64(info.st_dev), UInt64(info.st_ino), UInt64(info.st_mode)]
        }
        func checked(_ path: String) throws -> [UInt64] {
            let info = try TrustedPath.check(path, role: "the helper")
            return [UInt64(info.st_dev), UInt64(info.st_ino), UInt64(info.st_mode)]
        }
        #expect(try checked(safe) == identity(safe))
        #expect(try checked(link) == identity(safe), "a link is followed to its target")
        let directory = scripts.path("resolved")
        #expect(try checked(directory + "/.") == identity(directory))
        #expect(try checked(directory + "/..") == identity(scripts.directory))
        #expect(try checked("/") == identity("/"))
    }

    @Test("a link into a writable directory is refused; a link from a trusted directory to a trusted file is fine")
    func links() async throws {
        let unsafe = helper(in: "open", mode: 0o777)
        let link = scripts.path("via-link.sh")
        symlink(unsafe, link)
        #expect(await refusal(link)?.code == .unsafePermissions)
        let safe = helper(in: "private", mode: 0o755)
        let goodLink = scripts.path("good-link.sh")
        symlink("private/helper.sh", goodLink)
        #expect(await refusal(goodLink) == nil)
        #expect(safe.hasSuffix("helper.sh"))
        let linkedDirectory = scripts.path("linked-dir")
        symlink(scripts.path("open"), linkedDirectory)
        #expect(await refusal(linkedDirectory + "/helper.sh")?.code == .unsafePermissions)
    }

    @Test(
        "another user replaces a helper in a directory they can write: the host refuses to run it",
        .enabled(if: SecondUser.available, "two-user tests run as root, acting as nobody through setpriv"))
    func anotherUserReplacesTheHelper() async throws {
        chmod(scripts.directory, 0o755)
        let path = helper(in: "writable", mode: 0o777)
        // The attack works at the file-system level: nobody deletes and replaces root's helper.
        let (status, output) = try await SecondUser.shell(
            "rm -f '\(path)' && printf '#!/bin/sh\\necho stolen\\n' > '\(path)' && chmod 755 '\(path)'")
        #expect(status == 0, "nobody could not replace the helper: \(output)")
        let error = try #require(await refusal(path))
        #expect(error.code == .unsafePermissions, "\(error)")
        #expect(error.description.contains("another user") || error.description.contains("writable by every user"))
    }

    @Test(
        "a helper file owned by another non-root user is refused, as is one in their directory",
        .enabled(if: SecondUser.available, "two-user tests run as root, acting as nobody through setpriv"))
    func foreignOwner() async throws {
        let path = helper(in: "theirs", mode: 0o755)
        chown(path, SecondUser.uid, SecondUser.gid)
        let error = try #require(await refusal(path))
        #expect(error.code == .unsafePermissions)
        #expect(error.description.contains("belongs to another user (uid 65534)"), "\(error)")
        let inTheirDirectory = helper(in: "their-dir", mode: 0o755)
        chown(scripts.path("their-dir"), SecondUser.uid, SecondUser.gid)
        #expect(await refusal(inTheirDirectory)?.code == .unsafePermissions)
    }

    @Test("without HOME, the home directory comes from the password database, never a temp directory")
    func homeDirectory() {
        #expect(HomeDirectory.path(environment: ["HOME": "/custom/home"]) == "/custom/home")
        let fromDatabase = HomeDirectory.path(environment: [:])
        #expect(fromDatabase?.hasPrefix("/") == true)
        #expect(fromDatabase?.hasPrefix("/tmp") == false)
        #expect(HomeDirectory.path(environment: ["HOME": "relative"]) == fromDatabase)
    }
}
