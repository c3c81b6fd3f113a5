/// The version of credhelper, in the one place it is set: `credhelper --version`, `check --json`,
/// `status --json` and the packages `scripts/package.sh` builds all read it from here.
public enum CredhelperVersion {
    /// Semantic version of this build.
    public static let current = "0.13.0"
}
