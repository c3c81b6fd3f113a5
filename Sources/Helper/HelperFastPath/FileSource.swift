import CredentialHelperProtocol
import CredentialSupport

/// A `file` profile: the token is the content of a private file, read at each run.
package enum FileSource {
    package static func read(_ path: String) throws(CredhelperFailure) -> Secret {
        let bytes: [UInt8]?
        do { bytes = try SecureFile.contents(of: path, role: "the token file", limit: 64 * 1024) } catch {
            throw CredhelperFailure(.tokenStoreUnreadable, error.description)
        }
        guard let bytes else {
            throw CredhelperFailure(
                .configuration, "the token file \(path) does not exist; create it (mode 0600) or fix \"path\"")
        }
        do {
            return try HelperOutputParser().parse(bytes).token
        } catch {
            throw CredhelperFailure(
                .configuration, "the token file \(path) does not hold one token: \(error.description)")
        }
    }
}
