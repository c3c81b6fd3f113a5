import CredentialHelperCLI
import HelperAgent

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The `credhelper` executable. Run by a host with no arguments it is a helper (``HelperMode``),
/// taking the lean path: no argument parser, no HTTP client unless the provider must be called.
/// Otherwise it is the command-line tool; everything lives in libraries so it can be tested in-process.
@main
struct Credhelper {
    static func main() async {
        let arguments = CommandLine.arguments
        var environment: [String: String] = [:]
        var entry = environ
        while let pointer = entry.pointee {
            let pair = String(cString: pointer)
            if let equals = pair.firstIndex(of: "=") {
                environment[String(pair[..<equals])] = String(pair[pair.index(after: equals)...])
            }
            entry += 1
        }
        if HelperMode.applies(arguments: arguments, environment: environment) {
            exit(await HelperMode.run(arguments: arguments, environment: environment))
        }
        await CredhelperCommand.runAndExit()
    }
}
