import HelperFastPath
import Synchronization

/// What became of the browser opener a sign-in started: read when the sign-in times out, to say
/// which step never happened.
final class BrowserLaunch: Sendable {
    enum State: Sendable, Equatable {
        /// The opener is still running (a browser that stays in the foreground, or one that hangs).
        case running
        /// The opener (the named command) exited 0: a browser showed the page.
        case opened(String)
        /// The opener (the named command) failed or could not start.
        case failed(String)
        /// No opener was found.
        case noOpener
    }

    private let current = Mutex(State.running)

    var state: State {
        get { current.withLock { $0 } }
        set { current.withLock { $0 = newValue } }
    }
}

/// A browser sign-in that did not finish in time, told by the step that never happened.
struct SignInTimeout {
    let waited: Duration
    let redirectURI: String
    let browser: BrowserLaunch.State
    let profileName: String

    var failure: CredhelperFailure {
        let seconds = waited.components.seconds
        let opened: String
        switch browser {
        case .opened(let command):
            opened = "the browser was opened (\(command)), but "
        case .running:
            opened = "the browser opener was still running, and "
        case .failed(let command):
            opened = "no browser was opened (\(command) failed) and the address was not visited by hand, so "
        case .noOpener:
            opened = "no browser was opened (no opener found) and the address was not visited by hand, so "
        }
        return CredhelperFailure(
            .signInFailed,
            "\(opened)no redirect reached \(redirectURI) within \(seconds) s: the sign-in was not finished in the "
                + "browser, or the provider showed an error page there (a wrong clientId or redirectPort; "
                + "\"credhelper doctor --profile \(profileName)\" checks both); sign in again and finish it "
                + "(credhelper login --timeout allows more time)")
    }
}
