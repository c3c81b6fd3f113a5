import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// A raw-socket HTTP client for tests that need the exact bytes on the wire: it connects to
/// 127.0.0.1, sends bytes as they are (no framing added or checked), and reads what comes back.
public final class RawClient {
    public let fd: Int32

    /// Connects to `host` (an IPv4 loopback address, default 127.0.0.1):`port`; reads time out after
    /// `timeout` seconds.
    public init(host: String = "127.0.0.1", port: Int, timeout: Int = 10) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host)
        address.sin_port = UInt16(port).bigEndian
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0
            }
        }
        guard connected else {
            close(fd)
            throw FixtureError("cannot connect to \(host):\(port): \(String(cString: strerror(errno)))")
        }
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    /// Sends `text` (Latin-1: each character one byte).
    public func send(_ text: String) {
        let bytes = text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }
        var sent = 0
        while sent < bytes.count {
            let count = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if count <= 0 { return }
            sent += count
        }
    }

    /// Half-closes the connection: the peer reads end of file.
    public func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Everything read until the peer closes or the read times out, as Latin-1 text.
    public func readToEnd() -> String {
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count <= 0 { break }
            data += buffer[..<count]
        }
        return String(data.map { Character(Unicode.Scalar($0)) })
    }

    /// What is read up to and including the first `marker` (Latin-1), or until the peer closes or
    /// the read times out. Reads one byte at a time, so nothing after the marker is consumed.
    public func read(through marker: String) -> String {
        var text = ""
        var byte: UInt8 = 0
        while !text.hasSuffix(marker), recv(fd, &byte, 1, 0) == 1 {
            text.unicodeScalars.append(Unicode.Scalar(byte))
        }
        return text
    }

    /// Whether the peer closed the connection within `timeout` (reads return end of file).
    public func peerClosed(within timeout: Int) -> Bool {
        var limit = timeval(tv_sec: timeout, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = recv(fd, &buffer, buffer.count, 0)
            if count == 0 { return true }
            if count < 0 { return errno == ECONNRESET }
        }
    }
}
