import AWSCredentials
import AWSSigning
import ChildProcess
import CredentialHelperProtocol
import CredentialSupport
import HelperFastPath
import TokenStore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// An `aws-chain` profile's credentials (``AWSCredentialChain``): keys from the environment or the
/// shared files as they are, or what the profile's `credential_process` prints. Credentials from a
/// process that expire are kept in the AWS session store and reused until the refresh margin (15
/// minutes, or the host TTL, plus skew), under the store's lock so that concurrent consumers run the
/// process once.
struct AWSChainSource {
    let profile: Profile
    let settings: Profile.AWSChainSettings
    let store: TokenStore
    /// The helper's environment (it chooses the AWS profile and files).
    let environment: [String: String]
    /// The environment the process gets (this helper's, without client secrets).
    let childEnvironment: [String: String]
    let now: @Sendable () -> Double

    /// The cap on each of the process's stdout and stderr.
    static let outputLimit = 64 * 1024

    func credentials(context: HelperContext?) async throws(CredhelperFailure) -> AWSSessionCredentials {
        switch try source() {
        case .keys(let credentials, _): return credentials
        case .process(let command, let awsProfile):
            return try await processCredentials(command, awsProfile: awsProfile, context: context)
        }
    }

    /// Where the credentials come from, without running anything (`credhelper doctor` shows it).
    func source() throws(CredhelperFailure) -> AWSCredentialChain.Source {
        guard let home = HomeDirectory.path(environment: environment) else {
            throw CredhelperFailure(
                .configuration, HomeDirectory.missing("the AWS config files", override: "AWS_CONFIG_FILE"))
        }
        let paths = AWSCredentialChain.paths(environment: environment, home: home)
        let source: AWSCredentialChain.Source
        do {
            source = try AWSCredentialChain.resolve(
                explicitProfile: settings.awsProfile, environment: environment, config: try parsed(paths.config),
                credentials: try parsed(paths.credentials), paths: paths)
        } catch let problem as AWSCredentialChain.Problem {
            throw CredhelperFailure(.configuration, "profile \"\(profile.name)\": \(problem.description)")
        } catch let failure as CredhelperFailure {
            throw failure
        } catch {
            throw CredhelperFailure(.configuration, "profile \"\(profile.name)\": \(error)")
        }
        return source
    }

    /// A shared file, parsed; nil when there is none (no path, or nothing but a directory there, as
    /// botocore reads it). It decides what runs, so it must pass the trusted-path rule
    /// (docs/security.md), and what was opened is checked again, so that a file swapped in after the
    /// check is not read.
    private func parsed(_ path: String?) throws(CredhelperFailure) -> AWSConfigFile? {
        guard let path else { return nil }
        guard path.hasPrefix("/") else {
            throw CredhelperFailure(
                .configuration,
                "the AWS file path \(path) is relative; set AWS_CONFIG_FILE and "
                    + "AWS_SHARED_CREDENTIALS_FILE to absolute paths")
        }
        var info = stat()
        guard stat(path, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return nil }
        do { try TrustedPath.check(path, role: "the AWS file") } catch {
            throw CredhelperFailure(.configuration, error.description)
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw CredhelperFailure(.configuration, "cannot read \(path): \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG,
            info.st_uid == 0 || info.st_uid == geteuid(), info.st_mode & 0o022 == 0
        else {
            throw CredhelperFailure(
                .configuration, "\(path) changed while it was checked, or another user can write it; check it and retry"
            )
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            guard count >= 0 else {
                throw CredhelperFailure(.configuration, "cannot read \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes += chunk[..<count]
            guard bytes.count <= 1 << 20 else {
                throw CredhelperFailure(.configuration, "\(path) is larger than 1 MiB; is it the right file?")
            }
        }
        do { return try AWSConfigFile(bytes: bytes) } catch {
            throw CredhelperFailure(.configuration, "\(path), \(error.description)")
        }
    }

    /// Deletes the kept credentials of the profile's `credential_process` (`credhelper logout`);
    /// true when there were some.
    func removeKept() throws(CredhelperFailure) -> Bool {
        guard case .process(let command, let awsProfile) = try source() else { return false }
        return try sessions(command, awsProfile: awsProfile).remove()
    }

    private func sessions(_ command: [String], awsProfile: String) -> AWSSessionStore {
        AWSSessionStore(store: store, key: TokenStoreKey(parts: ["aws-process", awsProfile] + command))
    }

    private func processCredentials(_ command: [String], awsProfile: String, context: HelperContext?)
        async throws(CredhelperFailure) -> AWSSessionCredentials
    {
        let sessions = sessions(command, awsProfile: awsProfile)
        // In mid-session-refresh the host's key was refused: only credentials obtained from now on will do.
        let notBefore = context == .midSessionRefresh ? now() : -Double.infinity
        let margin = { (record: AWSSessionRecord) -> Double in
            let lifetime = (record.credentials.expiration ?? 0) - record.obtainedAt
            return max(900, min(Double(profile.hostTTL.components.seconds), lifetime / 2))
                + Double(profile.skew.components.seconds)
        }
        if let record = try sessions.read(), record.obtainedAt >= notBefore,
            record.isFresh(margin: margin(record), now: now())
        {
            return record.credentials
        }
        // A waiter may wait for another's whole run: its timeout, its teardown, and a margin.
        let deadline =
            ContinuousClock.now
            + max(profile.silentBudget(for: context ?? .background), settings.processTimeout + .seconds(3))
        return try await store.withLock(sessions.key, until: deadline, unavailable: CredhelperFailure.lockUnavailable) {
            () async throws(CredhelperFailure) in
            if let record = try sessions.read(), record.obtainedAt >= notBefore,
                record.isFresh(margin: margin(record), now: now())
            {
                return record.credentials
            }
            let obtainedAt = now()
            let credentials = try await run(command, awsProfile: awsProfile)
            if credentials.expiration != nil {
                try sessions.write(
                    AWSSessionRecord(credentials: credentials, obtainedAt: obtainedAt, roleARN: nil, sessionName: nil))
            } else {
                // Nothing to keep: an older record must not be handed out after these.
                try sessions.remove()
            }
            return credentials
        }
    }

    /// Runs the process directly (no shell), as botocore does; a bare program name is looked up in
    /// `PATH`, and the program must pass the trusted-executable rule.
    private func run(_ command: [String], awsProfile: String) async throws(CredhelperFailure) -> AWSSessionCredentials {
        let role = "credential_process of AWS profile \"\(awsProfile)\""
        let tool = try program(command, awsProfile: awsProfile)
        let run: ChildProcessRun
        do {
            run = try await ChildProcessRunner(
                outputLimit: Self.outputLimit, teardown: .gracefulShutDown(allowing: .seconds(1))
            ).run(
                tool, arguments: Array(command.dropFirst()),
                environment: childEnvironment.filter { !HelperContext.isContextVariable($0.key) }.map {
                    "\($0.key)=\($0.value)"
                }, timeout: settings.processTimeout)
        } catch {
            throw CredhelperFailure(.commandFailed, "\(role): \(error.description)")
        }
        if let failure = run.failureSentence(
            tool: tool, timeout: settings.processTimeout, outputLimit: Self.outputLimit,
            timeoutAdvice: "; raise \"processTimeoutSec\" if it signs in")
        {
            throw CredhelperFailure(.commandFailed, "\(role): \(failure)")
        }
        do { return try CredentialProcessOutput.credentials(run.stdout) } catch {
            throw CredhelperFailure(.commandFailed, "\(role): \(error.description)")
        }
    }

    /// The program `command` runs: a bare name looked up in `PATH`; it must pass the
    /// trusted-executable rule. Nothing is run (doctor checks it too).
    func program(_ command: [String], awsProfile: String) throws(CredhelperFailure) -> String {
        let role = "credential_process of AWS profile \"\(awsProfile)\""
        let tool = command[0].contains("/") ? command[0] : Self.lookUp(command[0], path: childEnvironment["PATH"])
        guard let tool else {
            throw CredhelperFailure(
                .commandFailed,
                "\(role): \(command[0]) is not in PATH (\(childEnvironment["PATH"] ?? "")); give its full path")
        }
        if let problem = TrustedExecutable.problem(tool, role: role) {
            throw CredhelperFailure(.commandFailed, problem)
        }
        return tool
    }

    /// The first executable `name` in the colon-separated `path`.
    static func lookUp(_ name: String, path: String?) -> String? {
        for directory in (path ?? "").split(separator: ":") where directory.hasPrefix("/") {
            let candidate = directory + "/" + name
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }
}
