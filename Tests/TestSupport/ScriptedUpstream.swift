import Foundation
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A raw-socket HTTP/1.1 upstream on 127.0.0.1 that answers each request with fixed bytes chosen by
/// its path — the responses well-behaved servers rarely send (conflicting framing, odd `Connection`
/// options) — and records every request head it received, as bytes. Each connection is served on a
/// thread of its own; a request body is read when its `Content-Length` gives its size (chunked
/// bodies are not read). Stops when released.
public final class ScriptedUpstream: Sendable {
    /// One scripted answer: the bytes to send, and whether to close the connection afterwards
    /// (`reset`: abruptly, with a TCP reset, as a server that drops an idle connection may).
    public struct Answer: Sendable {
        public let bytes: [UInt8]
        public let close: Bool
        public let reset: Bool
        public init(_ text: String, close: Bool = false, reset: Bool = false) {
            bytes = Array(text.utf8)
            self.close = close || reset
            self.reset = reset
        }
    }

    public let port: Int
    private let listener: Int32
    private let received = Heads()

    /// Starts serving `answers` (by request path; other paths get a 404).
    public init(_ answers: [String: Answer]) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && listen(fd, 64) == 0 }
        }
        guard bound else {
            throw FixtureError("the scripted upstream cannot listen: \(String(cString: strerror(errno)))")
        }
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        listener = fd
        port = Int(UInt16(bigEndian: address.sin_port))
        let received = self.received
        received.answers.withLock { $0 = answers }
        Thread.detachNewThread {
            while true {
                let client = accept(fd, nil, nil)
                if client < 0 { return }
                Thread.detachNewThread { Self.serve(client, received) }
            }
        }
    }

    deinit {
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
    }

    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    /// Every request head received so far (request line and header lines, CRLF-separated).
    public var requestHeads: [String] { received.all.withLock { $0 } }

    /// Answers `path` with a 200 JSON response holding `json` from now on (for documents that name
    /// the server's own URL, known only once it listens).
    public func serveJSON(_ path: String, _ json: String, headers: [String] = []) {
        let extra = headers.map { $0 + "\r\n" }.joined()
        let answer = Answer(
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\(extra)Content-Length: \(json.utf8.count)\r\n\r\n\(json)"
        )
        received.answers.withLock { $0[path] = answer }
    }

    /// Closes the next `times` connections that ask for `path` without answering (a network cut),
    /// after reading the whole request.
    public func cutNext(_ path: String, times: Int = 1) {
        received.cuts.withLock { $0[path] = times }
    }

    /// How many requests for `path` arrived.
    public func requests(for path: String) -> Int {
        requestHeads.filter { $0.hasPrefix("GET \(path) ") || $0.hasPrefix("POST \(path) ") }.count
    }

    /// How many connections the client closed (rather than the upstream, after a closing answer).
    public var closedByClient: Int { received.closedByClient.withLock { $0 } }

    private static func serve(_ client: Int32, _ received: Heads) {
        defer { close(client) }
        var data: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            while !data.containsHeadEnd {
                let count = recv(client, &buffer, buffer.count, 0)
                if count <= 0 {
                    received.closedByClient.withLock { $0 += 1 }
                    return
                }
                data += buffer[..<count]
            }
            let end = data.headEnd
            let head = String(decoding: data[..<end], as: UTF8.self)
            data.removeFirst(end + 4)
            let length = head.contentLength
            while data.count < length {
                let count = recv(client, &buffer, buffer.count, 0)
                if count <= 0 { return }
                data += buffer[..<count]
            }
            data.removeFirst(length)
            received.all.withLock { $0.append(head) }
            let target = head.split(separator: " ").dropFirst().first.map(String.init) ?? "/"
            let path = String(target.prefix { $0 != "?" })
            let cut = received.cuts.withLock { cuts in
                guard let left = cuts[path], left > 0 else { return false }
                cuts[path] = left - 1
                return true
            }
            if cut { return }
            let answer =
                received.answers.withLock { $0[path] } ?? Answer("HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            var sent = 0
            while sent < answer.bytes.count {
                let count = answer.bytes[sent...].withUnsafeBytes {
                    send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
                }
                if count <= 0 { return }
                sent += count
            }
            if answer.reset {
                // The answer is delivered, then the connection is reset instead of closed.
                var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
                setsockopt(client, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
            }
            if answer.close { return }
        }
    }
}

/// The request heads received, shared with the serving threads.
private final class Heads: Sendable {
    let all = Mutex<[String]>([])
    let closedByClient = Mutex(0)
    let answers = Mutex<[String: ScriptedUpstream.Answer]>([:])
    let cuts = Mutex<[String: Int]>([:])
}

extension String {
    /// The `Content-Length` of a request head, 0 when it has none.
    fileprivate var contentLength: Int {
        for line in split(separator: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == "content-length" {
                return Int(parts[1].trimmingCharacters(in: .whitespaces)) ?? 0
            }
        }
        return 0
    }
}

extension [UInt8] {
    fileprivate var headEnd: Int {
        guard count >= 4 else { return -1 }
        for index in 0...(count - 4)
        where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return index
        }
        return -1
    }
    fileprivate var containsHeadEnd: Bool { headEnd >= 0 }
}
