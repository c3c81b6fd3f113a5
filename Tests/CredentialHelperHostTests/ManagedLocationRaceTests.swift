import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import Synchronization
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The user swaps what their `--config` path points at while credhelper reads it: the values read
/// must be the ones whose location decides whether they are managed.
@Suite("Managed locations under a symbolic-link race", .timeLimit(.minutes(1)))
struct ManagedLocationRaceTests {
    let folder = HelperScripts()

    @Test("a config path flipped between the user's file and the managed file never makes the user's values managed")
    func symlinkSwapDuringRead() async throws {
        let locations = ManagedLocations(directories: [folder.subdirectory("managed", mode: 0o755)])
        let managed = locations.directories[0] + "/corp.json"
        folder.write(#"{"inferenceCredentialHelper": "/opt/managed/helper"}"#, to: managed, mode: 0o644)
        let user = folder.path("user.json")
        folder.write(#"{"inferenceCredentialHelper": "/home/user/helper"}"#, to: user, mode: 0o600)
        let link = folder.path("config.json")
        let staging = folder.path("config.json.next")
        symlink(user, link)
        let stop = Atomic<Bool>(false)
        let flipper = Thread {
            var target = managed
            while !stop.load(ordering: .relaxed) {
                unlink(staging)
                symlink(target, staging)
                rename(staging, link)
                target = target == managed ? user : managed
            }
        }
        flipper.start()
        defer { stop.store(true, ordering: .relaxed) }
        // Four seconds of reading: on a thread of its own, not the cooperative pool's.
        let counts = try await OffPool.wait {
            var counts = (managed: 0, local: 0, userValuesManaged: 0)
            let deadline = Date().addingTimeInterval(4)
            while Date() < deadline {
                guard let layer = try? ConfigurationLayer.file(at: link, managedLocations: locations) else { continue }
                let helper = layer.values[.helper]
                if layer.managed { counts.managed += 1 } else { counts.local += 1 }
                if layer.managed, helper == .string("/home/user/helper") { counts.userValuesManaged += 1 }
            }
            return counts
        }
        #expect(counts.managed > 0 && counts.local > 0, "the race did not happen: \(counts)")
        #expect(counts.userValuesManaged == 0, "the user's values counted as managed \(counts.userValuesManaged) times")
    }
}
