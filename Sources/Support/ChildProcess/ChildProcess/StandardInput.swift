/// What a child process gets on stdin.
public enum StandardInput: Sendable, Hashable {
    /// `/dev/null`: the child reads end of file at once.
    case null
    /// An empty pipe held open until a process of the child's group is seen blocked reading it (Linux,
    /// from `/proc`), then closed so that the reader gets end of file as from `/dev/null`: a checker's
    /// way to tell that a program waits for input (``ChildProcessRun/readStdin``).
    case probe
    /// A pipe that delivers these bytes as the child reads them, then end of file (for a tool that
    /// reads a secret from stdin, never from its arguments). At most ``ChildProcessRunner/inputLimit``.
    case bytes([UInt8])
}
