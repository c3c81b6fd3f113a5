// A Swift program embedding the host runtime: start a session, attach the credential to a request,
// report a rejection and retry with the refreshed credential.
//
//   swift run credhelper-embedding-example /abs/path/to/helper http://127.0.0.1:PORT/v1/messages
//
// Examples/embedding/upstream.py is a small upstream that rejects the first token it sees (as if it
// had expired) and accepts the next one, so the refresh path can be watched end to end.
import CredentialHelperHost
import CredentialHelperProtocol
import Foundation

#if canImport(FoundationNetworking)
    import FoundationNetworking
#endif

let arguments = CommandLine.arguments
guard arguments.count == 3, let upstream = URL(string: arguments[2]) else {
    print("usage: credhelper-embedding-example HELPER_PATH UPSTREAM_URL")
    exit(2)
}

let configuration = HostConfiguration(helperPath: arguments[1], ttlSeconds: 3600, timeoutSeconds: 60)
let provider = CredentialProvider(configuration: configuration, sessionContext: .interactive)

do {
    // 1. Session start: runs the helper (interactive) unless a cached answer is within its TTL.
    let session = try await provider.startSession()
    print("session started; token \(session.token) from the \(session.context) context")

    // 2. Every request goes through perform(): it attaches the credential and, on a 401/403,
    //    re-runs the helper with mid-session-refresh and retries once.
    let status = try await provider.perform { credential -> CredentialProvider.Attempt<Int> in
        var request = URLRequest(url: upstream)
        request.httpMethod = "POST"
        for field in credential.requestHeaders(for: configuration).headers {
            request.setValue(field.value, forHTTPHeaderField: field.name)
        }
        let (_, response) = try await URLSession.shared.data(for: request)
        let code = (response as? HTTPURLResponse)?.statusCode ?? 0
        print("request with token \(credential.token) (\(credential.context)) -> \(code)")
        return code == 401 || code == 403 ? .rejected(code) : .accepted(code)
    }
    if provider.expiryPromptDue { print("the credential expired: ask the user to sign in again") }
    print("final status \(status)")
    exit(status == 200 ? 0 : 1)
} catch let error as HelperError {
    print("credential helper failed (\(error.code.rawValue)): \(error)")
    exit(1)
}
