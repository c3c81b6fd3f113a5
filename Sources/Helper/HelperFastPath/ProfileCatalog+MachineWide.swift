extension ProfileCatalog {
    /// The catalog in `bytes`, read as the machine-wide profiles file at `path` would be (so
    /// `userProfiles` is allowed), with its `userProfiles` policy. For tools that write that file and
    /// check it before installing it (`credhelper config write`); a run reads it with ``locate(userPath:environment:)``.
    public static func decodeMachineWide(_ bytes: [UInt8], path: String, environment: [String: String])
        throws(CredhelperFailure) -> (catalog: ProfileCatalog, userProfiles: UserProfiles)
    {
        let reader = ProfileReader(file: path, environment: environment, fileIsPrivate: false, machineWide: true)
        let root = try parse(bytes, path: path)
        return (try reader.catalog(from: root), try reader.userProfiles(in: root))
    }
}
