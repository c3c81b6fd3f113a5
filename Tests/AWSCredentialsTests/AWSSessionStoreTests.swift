import AWSSigning
import CredentialHelperProtocol
import Foundation
import HelperFastPath
import TestSupport
import Testing
import TokenStore

/// The AWS session file: what the store writes (JSONEncoder) reads back the same, whether the
/// cached path's own reader takes it or leaves it to JSONDecoder.
@Suite("AWS session records")
struct AWSSessionStoreTests {
    let folder = HelperScripts()

    @Test("written records read back equal: a role's session, process credentials, long-term keys")
    func roundTrip() throws {
        let store = AWSSessionStore(
            store: TokenStore(directory: folder.subdirectory("state", mode: 0o700)), key: TokenStoreKey(parts: ["k"]))
        let records = [
            AWSSessionRecord(
                credentials: AWSSessionCredentials(
                    accessKeyID: "ASIAROLE", secretAccessKey: Secret("s\"ecret"), sessionToken: Secret("to\\ken"),
                    expiration: 1_780_000_000.5),
                obtainedAt: 1_779_990_000.25, roleARN: "arn:aws:iam::123456789012:role/R", sessionName: "alice"),
            AWSSessionRecord(
                credentials: AWSSessionCredentials(
                    accessKeyID: "ASIAPROC", secretAccessKey: Secret("s"), sessionToken: Secret("t"),
                    expiration: 1_780_000_000),
                obtainedAt: 1, roleARN: nil, sessionName: nil),
            AWSSessionRecord(
                credentials: AWSSessionCredentials(accessKeyID: "AKIA", secretAccessKey: Secret("s")),
                obtainedAt: 2, roleARN: nil, sessionName: nil),
        ]
        for record in records {
            try store.write(record)
            #expect(try store.read() == record)
        }
    }

    @Test("a record the cached path's reader declines is still read by JSONDecoder, or refused with the fix")
    func declinedRecords() throws {
        let directory = folder.subdirectory("state", mode: 0o700)
        let store = AWSSessionStore(store: TokenStore(directory: directory), key: TokenStoreKey(parts: ["k"]))
        // An integer-valued obtainedAt as a string is neither reader's: refused with what to do.
        folder.write(
            #"{"credentials": {"accessKeyID": "A", "secretAccessKey": "s"}, "obtainedAt": "1"}"#, to: store.path,
            mode: 0o600)
        #expect {
            try store.read()
        } throws: { error in
            (error as? CredhelperFailure)?.detail.contains("remove it and try again") == true
        }
        // Unknown keys are ignored by both, as the synthesized conformance ignores them.
        folder.write(
            #"{"credentials": {"accessKeyID": "A", "secretAccessKey": "s", "x": 1}, "obtainedAt": 3, "y": []}"#,
            to: store.path, mode: 0o600)
        #expect(try store.read()?.credentials.accessKeyID == "A")
    }
}
