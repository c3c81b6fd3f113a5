import DeploymentKit
import Foundation
import Testing

/// Examples/deploy holds what `config write` produces from Examples/deploy/answers.json; this test
/// (run in CI) fails when they drift apart. Regenerate into a new directory (config write wants a
/// private one) and copy: `credhelper config write --answers Examples/deploy/answers.json --out /tmp/d
/// --format mobileconfig --format plist --format reg --format config-library --format profiles
/// --format claude-code`.
@Suite("config write: the checked-in examples")
struct ExamplesTests {
    @Test("every file in Examples/deploy is exactly what config write produces from answers.json")
    func examplesMatch() throws {
        let deployment = try Deployment(try ReadBackTests.answers())
        let files = try deployment.files(DeploymentFormat.allCases)
        #expect(files.count == 7)
        for file in files {
            let checkedIn = try? Data(contentsOf: URL(fileURLWithPath: ExampleFiles.directory + "/" + file.path))
            let same = checkedIn.map { Array($0) == file.bytes } ?? false
            #expect(
                same,
                "Examples/deploy/\(file.path) differs from what config write produces; regenerate it as this file says")
        }
    }
}
