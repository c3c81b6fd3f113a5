/// An ordered list of headers whose names compare case-insensitively.
///
/// Setting a header replaces any existing header of the same name (in any case) in place, so the
/// list never holds two headers that differ only in case.
public struct HeaderList: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    /// The headers, in order.
    public private(set) var fields: [HeaderField] = []

    /// An empty list.
    public init() {}

    /// A list built from fields; a later field replaces an earlier one of the same name.
    public init(_ fields: some Sequence<HeaderField>) {
        for field in fields { set(field.name, to: field.value) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements.map { HeaderField(name: $0.0, value: $0.1) })
    }

    /// The number of headers.
    public var count: Int { fields.count }
    /// Whether the list is empty.
    public var isEmpty: Bool { fields.isEmpty }

    /// The value of the header named `name`, compared case-insensitively.
    public subscript(name: String) -> String? {
        index(of: name).map { fields[$0].value }
    }

    /// Sets `name` to `value`, replacing a header of the same name (any case) or appending.
    public mutating func set(_ name: String, to value: String) {
        let field = HeaderField(name: name, value: value)
        if let existing = index(of: name) { fields[existing] = field } else { fields.append(field) }
    }

    /// Removes the header named `name` (any case) and returns its value.
    @discardableResult
    public mutating func remove(_ name: String) -> String? {
        guard let existing = index(of: name) else { return nil }
        return fields.remove(at: existing).value
    }

    /// This list with `other`'s headers set over it: on a name conflict, `other` wins.
    /// This is how helper headers merge over `inferenceCustomHeaders`.
    public func merging(_ other: HeaderList) -> HeaderList {
        var merged = self
        for field in other.fields { merged.set(field.name, to: field.value) }
        return merged
    }

    public func makeIterator() -> IndexingIterator<[HeaderField]> { fields.makeIterator() }

    private func index(of name: String) -> Int? {
        let lower = name.lowercased()
        return fields.firstIndex { $0.name.lowercased() == lower }
    }
}
