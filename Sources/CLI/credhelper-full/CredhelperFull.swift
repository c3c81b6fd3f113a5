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
        // A parent that ignores SIGCHLD passes that on through exec, and the kernel would then discard
        // the exit status of every program credhelper runs (helpers, exec tools, credential_process):
        // no run could be confirmed (ChildProcessRun.Outcome.statusLost). credhelper installs no handler.
        signal(SIGCHLD, SIG_DFL)
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
