import CredentialHelperCLI

/// The `credhelper` executable: everything lives in `CredentialHelperCLI` so it can be tested in-process.
@main
struct Credhelper {
    static func main() async {
        await CredhelperCommand.runAndExit()
    }
}
