extension HelperContext {
    /// The variables a program run in this context is given (docs/protocol.md §3), as `NAME=value`
    /// entries: `CLAUDE_HELPER_CONTEXT`, and `CLAUDE_HELPER_MANUAL_RUN=1` for ``setupTest`` only.
    public var environmentEntries: [String] {
        var entries = ["\(Self.environmentVariable)=\(rawValue)"]
        if self == .setupTest { entries.append("\(Self.legacyManualRunVariable)=1") }
        return entries
    }

    /// Whether `name` is one of the context variables, which a run sets and never inherits.
    public static func isContextVariable(_ name: String) -> Bool {
        name == environmentVariable || name == legacyManualRunVariable
    }
}
