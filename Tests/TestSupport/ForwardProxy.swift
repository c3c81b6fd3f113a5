import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A real forward proxy on loopback: Debian's tinyproxy, in the foreground with a config of its own
/// in a temp folder, logging every request (`CONNECT host:port` for HTTPS). Stops when released.
/// Fails loudly when tinyproxy is not installed.
public final class ForwardProxy: Sendable {
    public let port: Int
    /// The loopback address it listens on.
    public let address: String
    private let process: Process
    private let folder: HelperScripts

    /// Starts tinyproxy on `address` (a loopback address; default 127.0.0.1).
    public init(address: String = "127.0.0.1") throws {
        self.address = address
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/tinyproxy") else {
            throw FixtureError(
                "tinyproxy is not installed (/usr/bin/tinyproxy); run scripts/test or apt-get install tinyproxy")
        }
        folder = HelperScripts()
        port = try LoopbackPort.unused()
        let log = folder.path("tinyproxy.log")
        FileManager.default.createFile(atPath: log, contents: nil)
        // No ConnectPort line: CONNECT to any port (the provider's is ephemeral).
        folder.write(
            """
            Port \(port)
            Listen \(address)
            Timeout 30
            LogFile "\(log)"
            LogLevel Info
            MaxClients 20
            Allow 127.0.0.1
            """, to: folder.path("tinyproxy.conf"))
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/tinyproxy")
        process.arguments = ["-d", "-c", folder.path("tinyproxy.conf")]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        let deadline = Date() + 10
        while (try? RawClient(host: address, port: port)) == nil {
            guard process.isRunning, Date() < deadline else {
                throw FixtureError("tinyproxy did not start listening on \(address):\(port): \(self.log)")
            }
            usleep(20_000)
        }
    }

    deinit {
        // tinyproxy in the foreground does not always stop on SIGTERM: it is a fixture, kill it.
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// `http://ADDRESS:PORT`.
    public var url: String { "http://\(address):\(port)" }

    /// The proxy's log so far.
    public var log: String { folder.read("tinyproxy.log") }

    /// How many `CONNECT` requests to `target` (`host:port`) the proxy received.
    public func connects(to target: String) -> Int {
        log.components(separatedBy: "CONNECT \(target) ").count - 1
    }
}
