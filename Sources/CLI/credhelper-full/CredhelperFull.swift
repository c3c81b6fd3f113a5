import CredentialHelperCLI
import CredentialSupport
import HelperFastPath
import ReadyMadeHelper

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// `credhelper-full`: everything `credhelper` does beyond answering from the token store. The small
/// `credhelper` executable execs it (keeping its arguments, environment and process) when the
/// stored token will not do or when it is used as a command. Run by a host it is the helper
/// (``HelperMode``); otherwise the command-line tool. Everything lives in libraries, testable in-process.
@main
struct CredhelperFull {
    static func main() async {
        let arguments = CommandLine.arguments
        let environment = ProcessIO.environment()
        if let aws = AWSInvocation.requested(arguments: arguments) {
            exit(await AWSHelperMode.run(profile: aws.profile, mode: aws.mode, environment: environment))
        }
        if HelperInvocation.isHelperMode(arguments: arguments, environment: environment) {
            exit(await HelperMode.run(arguments: arguments, environment: environment))
        }
        await CredhelperCommand.runAndExit()
    }
}
