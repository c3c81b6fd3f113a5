import CredentialHelperProtocol

extension ConfigurationKey {
    /// The key `name` stands for, if it is one the host reads.
    public static func named(_ name: String) -> ConfigurationKey? { ConfigurationKey(rawValue: name) }

    /// What a layer keeps of `value`: a secret (the gateway API key) only as set, so no layer,
    /// message or dump holds it; anything else as it is.
    func kept(_ value: JSONValue) -> JSONValue {
        guard isSecret, case .string(let text) = value, !text.isEmpty else { return value }
        return .string("(set; not kept)")
    }

    /// The known key closest to `name`, when `name` looks like a typo of it: the same letters in
    /// another case, or at most two edits away (the app has many other keys, so nothing further).
    static func closest(to name: String) -> ConfigurationKey? {
        let lowered = Array(name.lowercased().utf8)
        guard lowered.count <= 80 else { return nil }
        var best: (key: ConfigurationKey, distance: Int)?
        for key in allCases {
            let distance = editDistance(lowered, Array(key.rawValue.lowercased().utf8))
            if distance <= 2, distance < (best?.distance ?? .max) { best = (key, distance) }
        }
        return best?.key
    }

    /// Levenshtein distance between two byte strings.
    private static func editDistance(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var previous = Array(0...b.count)
        for (i, left) in a.enumerated() {
            var current = [i + 1] + Array(repeating: 0, count: b.count)
            for (j, right) in b.enumerated() {
                current[j + 1] = Swift.min(previous[j] + (left == right ? 0 : 1), previous[j + 1] + 1, current[j] + 1)
            }
            previous = current
        }
        return previous[b.count]
    }
}

extension ConfigurationLayer {
    /// The layer for a decoded object of keys: configuration keys kept (null means unset), the older
    /// `inferenceGatewayHeaders` and dotted names (`inferenceCustomHeaders.X-Org`) warned about as
    /// the app does not read them, and unknown keys that look like a typo of a known one warned
    /// about, naming the closest. ``takesOver`` records whether the object sets any key besides
    /// the update keys.
    static func layer(from object: [String: JSONValue], source: String) -> ConfigurationLayer {
        var layer = ConfigurationLayer(source: source)
        // A configuration profile's own Payload… keys and unset (null) values do not count.
        layer.takesOver = object.contains { name, value in
            value != .null && !ConfigurationKey.updateKeyNames.contains(name) && !name.hasPrefix("Payload")
        }
        for name in object.keys.sorted() {
            guard let value = object[name] else { continue }
            let shownName = VisibleText.of(String(name.prefix(80)))
            if let key = ConfigurationKey(rawValue: name) {
                if value != .null { layer.values[key] = key.kept(value) }
            } else if name == ConfigurationKey.olderCustomHeadersName {
                layer.warnings.append(
                    "\(source): \(name) is ignored: the app stopped reading it at its deprecation cut-off (7 October "
                        + "2026) and sends no headers from it; rename it to \(ConfigurationKey.customHeaders.rawValue)")
            } else if let dot = name.firstIndex(of: "."), let key = ConfigurationKey(rawValue: String(name[..<dot])) {
                layer.warnings.append(
                    "\(source): \"\(shownName)\" is ignored: the app never reads dotted names; write the whole value "
                        + "as one key, \(key.rawValue), e.g. \(key.rawValue) = {\"X-Org\": \"prod\"}")
            } else if let closest = ConfigurationKey.closest(to: name) {
                layer.warnings.append(
                    "\(source): unknown key \"\(shownName)\" is ignored; did you mean \"\(closest.rawValue)\"?")
            } else if name.lowercased().hasPrefix("inferencecredentialhelper") {
                let known = ConfigurationKey.allCases.map(\.rawValue).joined(separator: ", ")
                layer.warnings.append(
                    "\(source): unknown key \"\(shownName)\" is ignored; the known keys are \(known)")
            }
        }
        return layer
    }
}
