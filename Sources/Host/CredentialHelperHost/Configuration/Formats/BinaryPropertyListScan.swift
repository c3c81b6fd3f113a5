/// The structure of a binary property list (`bplist00`): its trailer, its offset table, and the
/// references of its arrays and dictionaries, walked from the top object with the limits of
/// ``PropertyListScan``. Objects are read only for their size and references, never for their
/// values (Foundation reads those), except dictionary keys, compared to find one set twice.
struct BinaryPropertyListScan {
    typealias Refusal = PropertyListScan.Refusal

    private let bytes: [UInt8]
    /// Bytes per offset-table entry, bytes per object reference.
    private var offsetSize = 0
    private var referenceSize = 0
    private var objectCount = 0
    private var topObject = 0
    /// Where the offset table starts: objects lie between the header and here.
    private var tableStart = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Checks the whole reachable structure, counting values into `budget`.
    mutating func check(_ budget: inout PropertyListScan.Budget) throws(Refusal) {
        try readTrailer()
        var path = Set<Int>()
        try visit(topObject, depth: 1, path: &path, budget: &budget)
    }

    /// The 32-byte trailer: sizes, object count, top object, offset-table position, all in bounds.
    private mutating func readTrailer() throws(Refusal) {
        guard bytes.count >= 8 + 1 + 32, bytes.starts(with: Array("bplist00".utf8)) else {
            throw Self.malformed("it is too short or not a bplist00 file")
        }
        let trailer = bytes.count - 32
        offsetSize = Int(bytes[trailer + 6])
        referenceSize = Int(bytes[trailer + 7])
        guard (1...8).contains(offsetSize), (1...8).contains(referenceSize) else {
            throw Self.malformed("its trailer gives offset or reference sizes outside 1…8 bytes")
        }
        let count = try unsigned(at: trailer + 8, size: 8)
        let top = try unsigned(at: trailer + 16, size: 8)
        let table = try unsigned(at: trailer + 24, size: 8)
        guard count >= 1, count <= UInt64(bytes.count), top < count, table >= 9, table < UInt64(trailer),
            Int(table) + Int(count) * offsetSize <= trailer
        else { throw Self.malformed("its trailer points outside the file") }
        objectCount = Int(count)
        topObject = Int(top)
        tableStart = Int(table)
    }

    /// Counts `object` and what it contains; `path` holds the containers from the top down to it.
    private func visit(_ object: Int, depth: Int, path: inout Set<Int>, budget: inout PropertyListScan.Budget)
        throws(Refusal)
    {
        guard !path.contains(object) else {
            throw Refusal(
                description: "object \(object) contains itself through its own contents (a reference cycle)")
        }
        try budget.enter(depth: depth)
        let start = try offset(of: object)
        let marker = bytes[start]
        switch marker >> 4 {
        case 0x0:
            guard [0x00, 0x08, 0x09].contains(marker) else { throw Self.unsupported(marker) }
        case 0x1, 0x2:
            let size = 1 << Int(marker & 0x0F)
            guard size <= 16, start + 1 + size <= tableStart else { throw Self.malformed("a number runs past its end") }
        case 0x3:
            guard marker == 0x33, start + 9 <= tableStart else { throw Self.malformed("a date is cut short") }
        case 0x4, 0x5, 0x6, 0x7:
            let (count, first) = try length(at: start)
            guard first + count * (marker >> 4 == 0x6 ? 2 : 1) <= tableStart else {
                throw Self.malformed("a string or data value runs past its end")
            }
        case 0xA:
            let references = try references(at: start, count: 1)
            path.insert(object)
            for child in references[0] { try visit(child, depth: depth + 1, path: &path, budget: &budget) }
            path.remove(object)
        case 0xD:
            let references = try references(at: start, count: 2)
            var keys = Set<String>()
            for key in references[0] {
                try budget.enter(depth: depth + 1)
                let name = try keyString(key)
                guard keys.insert(name).inserted else { throw PropertyListScan.duplicate(name) }
            }
            path.insert(object)
            for child in references[1] { try visit(child, depth: depth + 1, path: &path, budget: &budget) }
            path.remove(object)
        default:
            throw Self.unsupported(marker)
        }
    }

    /// A container's `count` lists of references (one for an array; keys, then values, for a
    /// dictionary), each reference a valid object number.
    private func references(at start: Int, count lists: Int) throws(Refusal) -> [[Int]] {
        let (count, first) = try length(at: start)
        guard first + count * lists * referenceSize <= tableStart else {
            throw Self.malformed("an array or dictionary runs past its end")
        }
        var result: [[Int]] = []
        for list in 0..<lists {
            var references: [Int] = []
            for index in 0..<count {
                let reference = try unsigned(at: first + (list * count + index) * referenceSize, size: referenceSize)
                guard reference < UInt64(objectCount) else { throw Self.malformed("a reference names no object") }
                references.append(Int(reference))
            }
            result.append(references)
        }
        return result
    }

    /// A dictionary key: an ASCII or UTF-16 string object.
    private func keyString(_ object: Int) throws(Refusal) -> String {
        let start = try offset(of: object)
        let marker = bytes[start]
        let (count, first) = try length(at: start)
        switch marker >> 4 {
        case 0x5:
            guard first + count <= tableStart, bytes[first..<first + count].allSatisfy({ $0 < 0x80 }) else {
                throw Self.malformed("a dictionary key is not an ASCII string")
            }
            return String(decoding: bytes[first..<first + count], as: UTF8.self)
        case 0x6:
            guard first + 2 * count <= tableStart else { throw Self.malformed("a dictionary key runs past its end") }
            let units = (0..<count).map { UInt16(bytes[first + 2 * $0]) << 8 | UInt16(bytes[first + 2 * $0 + 1]) }
            return String(decoding: units, as: UTF16.self)
        default:
            throw Self.malformed("a dictionary key is not a string")
        }
    }

    /// The element count of the object at `start` (in its marker, or an integer after it) and where
    /// its contents begin.
    private func length(at start: Int) throws(Refusal) -> (count: Int, first: Int) {
        let small = Int(bytes[start] & 0x0F)
        guard small == 0x0F else { return (small, start + 1) }
        guard start + 1 < tableStart, bytes[start + 1] >> 4 == 0x1, bytes[start + 1] & 0x0F <= 3 else {
            throw Self.malformed("a length is not an integer")
        }
        let size = 1 << Int(bytes[start + 1] & 0x0F)
        let count = try unsigned(at: start + 2, size: size)
        guard count <= UInt64(bytes.count) else { throw Self.malformed("a length is larger than the file") }
        return (Int(count), start + 2 + size)
    }

    /// Where `object` starts, from the offset table: after the header, before the table.
    private func offset(of object: Int) throws(Refusal) -> Int {
        let offset = try unsigned(at: tableStart + object * offsetSize, size: offsetSize)
        guard offset >= 8, offset < UInt64(tableStart) else { throw Self.malformed("an object offset is out of place") }
        return Int(offset)
    }

    /// A big-endian unsigned integer of `size` bytes (1…8) at `start`.
    private func unsigned(at start: Int, size: Int) throws(Refusal) -> UInt64 {
        guard start >= 0, size <= 8, start + size <= bytes.count else { throw Self.malformed("it is cut short") }
        return bytes[start..<start + size].reduce(0) { $0 << 8 | UInt64($1) }
    }

    private static func malformed(_ detail: String) -> Refusal {
        Refusal(description: "it is not a valid binary property list: \(detail)")
    }

    private static func unsupported(_ marker: UInt8) -> Refusal {
        Refusal(
            description: "it holds a value of a kind configuration does not use (binary marker 0x"
                + "\(String(marker, radix: 16))): sets, UIDs and the like")
    }
}
