import CHelperSpawn
import Testing

/// The ways `credhelper_spawn_with` can start a child; every test of a child's state runs for each
/// one this platform has, so the fallbacks are held to the same checks as the method in use.
enum SpawnMethod: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case automatic, clone3, clone, posixSpawn

    /// The methods that must work here: clone3 and clone on Linux x86_64, posix_spawn everywhere.
    static var available: [SpawnMethod] {
        #if os(Linux) && arch(x86_64)
            return allCases
        #else
            return [.automatic, .posixSpawn]
        #endif
    }

    var c: credhelper_spawn_method {
        switch self {
        case .automatic: CREDHELPER_SPAWN_AUTOMATIC
        case .clone3: CREDHELPER_SPAWN_CLONE3
        case .clone: CREDHELPER_SPAWN_CLONE
        case .posixSpawn: CREDHELPER_SPAWN_POSIX_SPAWN
        }
    }

    var testDescription: String { rawValue }
}
