import NIOCore

/// The lines of a ``HeaderLines`` section that do not cross the proxy, found while the section
/// was checked, so the rest is copied as it arrived (in as many copies as there are gaps).
/// The first two are kept inline: most messages drop one or two lines, and need no allocation.
package struct DroppedLines {
    package init() {}

    private var count = 0
    private var first = 0..<0
    private var second = 0..<0
    private var more: [Range<Int>] = []

    /// Drops one line (`range` is ``HeaderLines/Field/line``).
    package mutating func add(_ range: Range<Int>) {
        switch count {
        case 0: first = range
        case 1 where first.upperBound <= range.lowerBound: second = range
        default:
            var all = ranges + [range]
            all.sort { $0.lowerBound < $1.lowerBound }
            first = all[0]
            second = all[1]
            more = Array(all.dropFirst(2))
        }
        count += 1
    }

    /// Drops the lines of `lines` named in `names` (lowercase; what a `Connection` header lists).
    package mutating func add(_ lines: HeaderLines, named names: [String]) {
        lines.forEach { field, raw in
            let name = String(decoding: raw[field.name], as: UTF8.self).lowercased()
            if names.contains(name), !ranges.contains(field.line) { add(field.line) }
        }
    }

    /// The dropped lines' byte ranges, in order.
    package var ranges: [Range<Int>] { Array([first, second].prefix(count)) + more }

    /// Appends the lines of `lines` that are not dropped to `head`.
    package func write(_ lines: HeaderLines, into head: inout HeadBytes) {
        lines.bytes.withUnsafeReadableBytes { raw in
            var start = 0
            func skip(_ range: Range<Int>) {
                head.append(UnsafeRawBufferPointer(rebasing: raw[start..<range.lowerBound]))
                start = range.upperBound
            }
            if count > 0 { skip(first) }
            if count > 1 { skip(second) }
            for range in more { skip(range) }
            head.append(UnsafeRawBufferPointer(rebasing: raw[start...]))
        }
    }
}
