import CredentialSupport

extension Deployment {
    /// Writes `files` under `directory`: each one atomically with mode 0600, in 0700 directories
    /// created as needed. Returns the paths written.
    public static func write(_ files: [DeploymentFile], to directory: String) throws(DeploymentError) -> [String] {
        var written: [String] = []
        do {
            try SecureFile.ensureDirectory(directory)
            for file in files {
                let path = directory + "/" + file.path
                if let slash = file.path.lastIndex(of: "/") {
                    try SecureFile.ensureDirectory(directory + "/" + file.path[..<slash])
                }
                try SecureFile.store(file.bytes, at: path)
                written.append(path)
            }
        } catch {
            throw DeploymentError(.writeFailed, error.description)
        }
        return written
    }
}
