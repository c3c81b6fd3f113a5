import CredentialSupport
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// What both sides rely on for secrets and trust: private files written atomically, refusing files
/// another user could have read or replaced, and the home directory without `$HOME`.
@Suite("Support: secret files, trusted paths, the home directory")
struct SupportTests {
    let folder = HelperScripts()

    func mode(_ path: String) -> mode_t {
        var info = stat()
        stat(path, &info)
        return info.st_mode & 0o777
    }

    @Test("a stored secret is 0600 in a 0700 directory, and reads back")
    func storeAndRead() throws {
        let directory = folder.path("state/tokens")
        try SecureFile.ensureDirectory(directory)
        let path = directory + "/secret.json"
        try SecureFile.store(Array("s3cret".utf8), at: path)
        #expect(mode(directory) == 0o700 && mode(path) == 0o600)
        #expect(try SecureFile.contents(of: path) == Array("s3cret".utf8))
        #expect(try SecureFile.contents(of: directory + "/absent.json") == nil)
        // Replaced atomically: no temp file is left beside it.
        try SecureFile.store(Array("newer".utf8), at: path)
        let names = try #require(opendir(directory)).names()
        #expect(names.sorted() == ["secret.json"], "\(names)")
    }

    @Test("a secret file whose mode was widened, or a directory others can read, is refused with the fix")
    func widenedModes() throws {
        let directory = folder.subdirectory("private", mode: 0o700)
        let path = directory + "/secret.json"
        folder.write("s3cret", to: path, mode: 0o644)
        let error = #expect(throws: SecureFile.Failure.self) {
            try SecureFile.contents(of: path, role: "the token file")
        }
        #expect(error?.description.contains("mode 644") == true, "\(error?.description ?? "")")
        #expect(error?.description.contains("s3cret") == false)
        let open = folder.subdirectory("open", mode: 0o755)
        let dirError = #expect(throws: SecureFile.Failure.self) { try SecureFile.ensureDirectory(open) }
        #expect(dirError?.description.contains("chmod 700") == true)
    }

    @Test("a file in a directory anyone can write is not trusted; in a sticky one (like /tmp) it is")
    func trustedPaths() throws {
        let shared = folder.subdirectory("shared", mode: 0o777)
        folder.write("x", to: shared + "/file", mode: 0o600)
        let error = #expect(throws: TrustedPath.Failure.self) {
            try TrustedPath.check(shared + "/file", role: "the file")
        }
        #expect(error?.description.contains(shared) == true, "\(error?.description ?? "")")
        let sticky = folder.subdirectory("sticky", mode: 0o1777)
        folder.write("x", to: sticky + "/file", mode: 0o600)
        #expect(throws: Never.self) { try TrustedPath.check(sticky + "/file", role: "the file") }
    }

    @Test("the home directory comes from HOME, else the password database, never a guess")
    func homeDirectory() {
        #expect(HomeDirectory.path(environment: ["HOME": "/home/someone"]) == "/home/someone")
        let fromPasswd = HomeDirectory.path(environment: [:])
        let expected = getpwuid(geteuid()).flatMap { $0.pointee.pw_dir.map { String(cString: $0) } }
        #expect(fromPasswd == expected)
        #expect(
            HomeDirectory.missing("the token store", override: "CREDHELPER_STATE_DIR").contains("CREDHELPER_STATE_DIR"))
    }

    @Test("the process environment is read without Foundation")
    func environment() {
        let path = getenv("PATH").map { String(cString: $0) }
        #expect(ProcessIO.environment()["PATH"] == path)
    }
}

extension OpaquePointer {
    /// The entries of an open directory stream (closed afterwards), without "." and "..".
    fileprivate func names() -> [String] {
        defer { closedir(self) }
        var names: [String] = []
        while let entry = readdir(self) {
            let name = withUnsafePointer(to: entry.pointee.d_name) {
                $0.withMemoryRebound(to: CChar.self, capacity: 256) { String(cString: $0) }
            }
            if name != ".", name != ".." { names.append(name) }
        }
        return names
    }
}
