import NIOCore

/// A message head being encoded straight into a buffer's writable bytes: each part is one copy,
/// instead of one `ByteBuffer` write (with its uniqueness and capacity checks) per part. Appending
/// past the capacity it was given stops the process, as an out-of-bounds write would otherwise.
package struct HeadBytes {
    private let base: UnsafeMutableRawPointer
    private let capacity: Int
    private(set) var count = 0

    fileprivate init(_ bytes: UnsafeMutableRawBufferPointer) {
        guard let base = bytes.baseAddress else { preconditionFailure("a head buffer without storage") }
        self.base = base
        capacity = bytes.count
    }

    package mutating func append(_ raw: UnsafeRawBufferPointer) {
        guard let source = raw.baseAddress, !raw.isEmpty else { return }
        precondition(count + raw.count <= capacity, "a message head outgrew its computed size")
        (base + count).copyMemory(from: source, byteCount: raw.count)
        count += raw.count
    }

    package mutating func append(_ text: StaticString) {
        append(UnsafeRawBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    package mutating func append(_ buffer: ByteBuffer) {
        buffer.withUnsafeReadableBytes { append($0) }
    }

    package mutating func append(_ text: String) {
        var text = text
        text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    /// A non-negative number in decimal.
    package mutating func append(decimal value: Int) {
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // room for 24 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var remaining = value
            var start = scratch.count
            repeat {
                start -= 1
                scratch[start] = UInt8(truncatingIfNeeded: 48 + remaining % 10)
                remaining /= 10
            } while remaining > 0
            append(UnsafeRawBufferPointer(rebasing: scratch[start...]))
        }
    }
}

extension ByteBuffer {
    /// Encodes a head of at most `capacity` bytes with `encode`, in one write.
    package mutating func writeHead(capacity: Int, _ encode: (inout HeadBytes) -> Void) {
        writeWithUnsafeMutableBytes(minimumWritableBytes: Swift.max(1, capacity)) { bytes in
            var head = HeadBytes(bytes)
            encode(&head)
            return head.count
        }
    }
}
