import CredentialHelperHost
import Foundation

/// The property-list reader under fuzzing: the configuration path (``PropertyListScan``, then
/// Foundation's decoder), and a differential check of the scan against Foundation's own parser.
enum PropertyListTarget {
    /// Valid property lists: XML as MDM and plistlib write it, and binary ones written by plistlib
    /// (a managed dictionary of strings; native types with a shared string; a configuration profile).
    static let seeds: [[UInt8]] =
        [
            #"<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd"><plist version="1.0"><dict><key>inferenceCredentialHelper</key><string>/usr/local/bin/helper</string><key>inferenceCredentialHelperTtlSec</key><string>1800</string><key>inferenceCustomHeaders</key><string>{"X-Org": "acme"}</string></dict></plist>"#,
            #"<plist version="1.0"><dict><key>inferenceCredentialHelper</key><string>/h</string><key>inferenceCredentialHelperTimeoutSec</key><integer>30</integer><key>inferenceCredentialHelperSilentRefreshEnabled</key><false/><key>other</key><array><real>1.5</real><data>AAE=</data><date>2024-01-01T00:00:00Z</date><dict/></array><key>a&amp;b</key><string><![CDATA[x<y]]></string></dict></plist>"#,
            #"<?xml version="1.0"?><plist version="1.0"><dict><key>PayloadType</key><string>Configuration</string><key>PayloadContent</key><array><dict><key>PayloadType</key><string>com.anthropic.claudefordesktop</string><key>inferenceCredentialHelper</key><string>/opt/corp/helper</string></dict></array></dict></plist>"#,
        ].map { Array($0.utf8) }
        + [
            "62706c6973743030d50102030405060708090a5f1019696e666572656e636543726564656e7469616c48656c7065725f102d696e666572656e636543726564656e7469616c48656c70657253696c656e7452656672657368456e61626c65645f101f696e666572656e636543726564656e7469616c48656c70657254746c5365635f1016696e666572656e6365437573746f6d486561646572735f101a696e666572656e63654761746577617941757468536368656d655f101a2f7573722f6c6f63616c2f62696e2f636f72702d68656c7065725566616c736554313830305f10117b22582d4f7267223a202261636d65227d59782d6170692d6b657908132f5f819ab7d4dadff30000000000000101000000000000000b000000000000000000000000000000fd",
            "62706c6973743030d501020304050608090a0b5f101068656164657273456c736577686572655f1019696e666572656e636543726564656e7469616c48656c7065725f102d696e666572656e636543726564656e7469616c48656c70657253696c656e7452656672657368456e61626c65645f1023696e666572656e636543726564656e7469616c48656c70657254696d656f7574536563556f74686572a2070756582d413a2031522f6808101ea40c0d0e0f233ff80000000000004200013341c5a11c00000000d210111010516151620813264272989ea1a8abacaeb3bcbfc8cdcf00000000000001010000000000000012000000000000000000000000000000d1",
            "62706c6973743030d20102030a5e5061796c6f6164436f6e74656e745b5061796c6f616454797065a104d30205060708095f1019696e666572656e636543726564656e7469616c48656c7065725f101f696e666572656e636543726564656e7469616c48656c70657254746c5365635f101e636f6d2e616e7468726f7069632e636c61756465666f726465736b746f705f10102f6f70742f636f72702f68656c7065725234355d436f6e66696775726174696f6e080d1c282a314d6f90a3a60000000000000101000000000000000b000000000000000000000000000000b4",
        ].map(bytes(hex:))

    /// Fragments worth inserting: XML markup, and small object references for binary lists (the
    /// mutator's random bytes supply the object markers).
    static let dictionary = [
        "<dict>", "</dict>", "<array>", "</array>", "<key>", "</key>", "<string>", "</string>", "<integer>", "<true/>",
        "<date>", "<data>", "<!--", "-->", "<![CDATA[", "]]>", "&amp;", "&#x41;", "<!DOCTYPE plist [", "<plist>",
        "<key>inferenceCredentialHelper</key>", "\u{01}", "\u{02}", "\u{00}\u{00}",
    ]

    /// Reads `input` as a config file, then checks the scan against Foundation.
    static func run(_ input: [UInt8]) throws(FuzzFinding) -> String? {
        let outcome: String?
        do {
            _ = try HostConfiguration.resolve([try ConfigurationLayer.parse(input, source: "fuzz")])
            outcome = nil
        } catch {
            outcome = error.code.rawValue
        }
        // Foundation only sees what the scan accepted: on anything else it may spin or overflow.
        // Foundation also reads the old OpenStep text format, which the configuration reader does not.
        let text = input.drop {
            $0 == 0x20 || $0 == 0x09 || $0 == 0x0A || $0 == 0x0D || $0 == 0xEF || $0 == 0xBB || $0 == 0xBF
        }
        var format = PropertyListSerialization.PropertyListFormat.xml
        guard input.starts(with: Array("bplist".utf8)) || text.first == UInt8(ascii: "<"),
            let scanned = try? PropertyListScan.check(input),
            let parsed = try? PropertyListSerialization.propertyList(from: Data(input), options: [], format: &format),
            format != .openStep
        else { return outcome }
        let counted = values(in: parsed)
        guard counted == scanned else {
            throw FuzzFinding("the scan counted \(scanned) values where Foundation's parser read \(counted)")
        }
        return outcome
    }

    /// Values in a parsed property list, dictionary keys included, as ``PropertyListScan`` counts them.
    private static func values(in value: Any) -> Int {
        if let dictionary = value as? [AnyHashable: Any] {
            return 1 + dictionary.values.reduce(0) { $0 + 1 + values(in: $1) }
        }
        if let array = value as? [Any] { return 1 + array.reduce(0) { $0 + values(in: $1) } }
        return 1
    }

    private static func bytes(hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var pending = hex.utf8.makeIterator()
        while let high = pending.next(), let low = pending.next() {
            bytes.append(UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) ?? 0)
        }
        return bytes
    }
}
