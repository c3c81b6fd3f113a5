import CredentialHelperProtocol
import Foundation
import OSKeyring
import TestSupport
import Testing

/// The Secret Service keyring against a real GNOME Keyring on a private D-Bus session, and the ways
/// a session without one (or with a hostile `secret-tool`) fails.
@Suite struct SecretServiceKeyringTests {
    static let soon: ContinuousClock.Instant = .now + .seconds(30)

    func keyring(_ session: SecretServiceSession) -> SecretServiceKeyring {
        SecretServiceKeyring(environment: session.environment.merging(["PATH": "/usr/bin:/bin"]) { $1 })
    }

    @Test func storesReadsReplacesAndRemovesAnItem() async throws {
        let session = try await SecretServiceSession()
        let keyring = keyring(session)
        let secret = "rt-ÿ \"quoted\" {json}\nsecond line"
        try await keyring.store(Secret(secret), for: "item-a", label: "credhelper test", until: .now + .seconds(10))
        #expect(try session.lookup(account: "item-a") == secret)
        #expect(try await keyring.secret(for: "item-a", until: .now + .seconds(10))?.reveal() == secret)
        try await keyring.store(Secret("replaced"), for: "item-a", label: "credhelper test", until: .now + .seconds(10))
        #expect(try await keyring.secret(for: "item-a", until: .now + .seconds(10))?.reveal() == "replaced")
        #expect(try await keyring.secret(for: "item-b", until: .now + .seconds(10)) == nil)
        #expect(try await keyring.remove("item-a", until: .now + .seconds(10)))
        #expect(try await !keyring.remove("item-a", until: .now + .seconds(10)))
        #expect(try session.lookup(account: "item-a") == nil)
    }

    /// secret-tool takes at most 8191 bytes on its stdin: that much is stored whole and read back.
    @Test func aSecretUpToSecretToolsLimitIsStoredWhole() async throws {
        let session = try await SecretServiceSession()
        let keyring = keyring(session)
        let secret = String(
            (0..<SecretServiceKeyring.secretLimit).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
        try await keyring.store(Secret(secret), for: "full", label: "credhelper test", until: .now + .seconds(10))
        let readBack = try await keyring.secret(for: "full", until: .now + .seconds(10))?.reveal() == secret
        #expect(readBack, "the secret read back differs")
    }

    /// Groups-heavy ID tokens of 20 KB are common in large Entra tenants. secret-tool would store the
    /// first 8 KiB of a longer secret and exit 0: it is refused instead, and nothing crashes.
    @Test(arguments: [9 * 1024, 24 * 1024, 2 * 1024 * 1024])
    func aLongerSecretIsRefusedNotStoredCutShort(size: Int) async throws {
        let session = try await SecretServiceSession()
        let keyring = keyring(session)
        let error = await #expect(throws: KeyringError.self) {
            try await keyring.store(
                Secret(String(repeating: "x", count: size)), for: "long", label: "credhelper test",
                until: .now + .seconds(10))
        }
        #expect(error?.code == .tooLarge)
        #expect(error?.message.contains("8191") == true, "\(error?.message ?? "")")
        #expect(try session.lookup(account: "long") == nil, "a cut-short secret was stored")
    }

    @Test func noSecretServiceOnTheBusIsUnavailableAndSaysWhatToDo() async throws {
        let keyring = SecretServiceKeyring(environment: [
            "PATH": "/usr/bin:/bin", "DBUS_SESSION_BUS_ADDRESS": "unix:path=/nonexistent/bus",
        ])
        let error = await #expect(throws: KeyringError.self) {
            try await keyring.store(Secret("rt-never-shown"), for: "x", label: "t", until: .now + .seconds(10))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("no Secret Service answers") == true)
        #expect(error?.message.contains("DBUS_SESSION_BUS_ADDRESS") == true)
        #expect(error?.message.contains("rt-never-shown") == false)
    }

    @Test func noSecretToolSaysWhichPackageToInstall() async throws {
        let empty = HelperScripts()
        let keyring = SecretServiceKeyring(environment: ["PATH": empty.directory])
        let error = await #expect(throws: KeyringError.self) {
            _ = try await keyring.secret(for: "x", until: .now + .seconds(10))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("apt install libsecret-tools") == true)
    }

    /// Another local user who can write a directory on PATH plants a secret-tool that would receive
    /// the refresh token on its stdin: it is refused, never run.
    @Test func aSecretToolInADirectoryOthersCanWriteIsNeverRun() async throws {
        let scripts = HelperScripts()
        let shared = scripts.subdirectory("shared-bin", mode: 0o777)
        let witness = scripts.path("stolen")
        scripts.write("#!/bin/sh\ncat > \(witness)\n", to: shared + "/secret-tool", mode: 0o755)
        let keyring = SecretServiceKeyring(environment: ["PATH": shared])
        let error = await #expect(throws: KeyringError.self) {
            try await keyring.store(Secret("rt-to-steal"), for: "x", label: "t", until: .now + .seconds(10))
        }
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("writable") == true)
        #expect(!FileManager.default.fileExists(atPath: witness))
    }

    /// A directory named secret-tool, and a copy others could have replaced (group-writable), earlier
    /// on PATH are skipped: the trusted one after them is used, and the planted copy never runs.
    @Test func untrustedOrUnusableSecretToolsEarlierOnPathAreSkipped() async throws {
        let session = try await SecretServiceSession()
        let scripts = HelperScripts()
        let directoryFirst = scripts.subdirectory("dir-first", mode: 0o700)
        _ = scripts.subdirectory("dir-first/secret-tool", mode: 0o700)
        let copyFirst = scripts.subdirectory("copy-first", mode: 0o700)
        let witness = scripts.path("stolen")
        scripts.write("#!/bin/sh\ncat > \(witness)\n", to: copyFirst + "/secret-tool", mode: 0o770)
        chmod(copyFirst + "/secret-tool", 0o770)
        let keyring = SecretServiceKeyring(
            environment: session.environment.merging(["PATH": "\(directoryFirst):\(copyFirst):/usr/bin:/bin"]) { $1 })
        try await keyring.store(
            Secret("rt-0123456789"), for: "path", label: "credhelper test", until: .now + .seconds(10))
        let stored = try session.lookup(account: "path") == "rt-0123456789"
        #expect(stored, "the trusted secret-tool did not store the item")
        #expect(!FileManager.default.fileExists(atPath: witness), "the group-writable copy ran")
    }

    /// With no usable secret-tool at all, the error names secret-tool and why each was skipped, never
    /// "the helper" or the host's inferenceCredentialHelper setting.
    @Test func skippedSecretToolsAreNamedAsSecretTool() async throws {
        let scripts = HelperScripts()
        let bin = scripts.subdirectory("bin", mode: 0o700)
        _ = scripts.subdirectory("bin/secret-tool", mode: 0o700)
        let keyring = SecretServiceKeyring(environment: ["PATH": bin])
        let error = await #expect(throws: KeyringError.self) {
            _ = try await keyring.secret(for: "x", until: .now + .seconds(10))
        }
        let message = error?.message ?? ""
        #expect(message.contains("secret-tool") && message.contains("not a regular file"), "\(message)")
        #expect(!message.contains("the helper") && !message.contains("inferenceCredentialHelper"), "\(message)")
    }

    /// A keyring that never answers (locked, waiting for a prompt no one sees) is given up on in
    /// bounded time with the fix, rather than hanging the helper.
    @Test func aKeyringThatNeverAnswersIsGivenUpOnInBoundedTime() async throws {
        let scripts = HelperScripts()
        let bin = scripts.subdirectory("bin", mode: 0o700)
        scripts.write("#!/bin/sh\nexec /bin/sleep 30\n", to: bin + "/secret-tool", mode: 0o700)
        var keyring = SecretServiceKeyring(environment: ["PATH": bin])
        keyring.timeout = .milliseconds(500)
        let start = ContinuousClock.now
        let error = await #expect(throws: KeyringError.self) {
            _ = try await keyring.secret(for: "x", until: .now + .seconds(10))
        }
        // The tool would sleep 30 s; well under that proves it was stopped (the bound leaves room for
        // a machine busy with the rest of the suite).
        #expect(ContinuousClock.now - start < .seconds(15))
        #expect(error?.code == .unavailable)
        #expect(error?.message.contains("locked") == true, "\(error?.message ?? "")")
    }
}
