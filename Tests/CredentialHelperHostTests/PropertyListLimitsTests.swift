import CredentialHelperHost
import CredentialHelperProtocol
import Foundation
import TestSupport
import Testing

/// Binary property lists built byte by byte (`bplist00`), for the shapes plistlib will not write:
/// reference cycles, shared references fanning out, duplicate keys.
enum HandBuiltBinaryPlist {
    /// A file whose objects are `objects` (object references one byte each, offsets two); the first
    /// object is the top one.
    static func bytes(_ objects: [[UInt8]]) -> [UInt8] {
        var bytes = Array("bplist00".utf8)
        var offsets: [Int] = []
        for object in objects {
            offsets.append(bytes.count)
            bytes += object
        }
        let table = bytes.count
        for offset in offsets { bytes += [UInt8(offset >> 8), UInt8(offset & 0xFF)] }
        bytes += [0, 0, 0, 0, 0, 0, 2, 1]
        for value in [objects.count, 0, table] { bytes += (0..<8).reversed().map { UInt8((value >> ($0 * 8)) & 0xFF) } }
        return bytes
    }

    /// An ASCII string object.
    static func ascii(_ text: String) -> [UInt8] {
        let utf8 = Array(text.utf8)
        return (utf8.count < 15 ? [0x50 | UInt8(utf8.count)] : [0x5F, 0x10, UInt8(utf8.count)]) + utf8
    }

    /// A UTF-16 string object.
    static func utf16(_ text: String) -> [UInt8] {
        let units = Array(text.utf16)
        return [0x60 | UInt8(units.count)] + units.flatMap { [UInt8($0 >> 8), UInt8($0 & 0xFF)] }
    }
}

/// Hostile property lists: each is refused quickly with an error naming the file and the limit hit,
/// where Foundation's reader alone would spin, run for minutes or overflow the stack.
@Suite("Property lists: size, depth, node count and cycles are bounded")
struct PropertyListLimitsTests {
    let folder = HelperScripts()

    /// Reads `bytes` as the config file `name`; returns the error, which must come within a second.
    func refusal(_ name: String, _ bytes: [UInt8]) -> ConfigurationError? {
        let path = folder.path(name)
        FileManager.default.createFile(atPath: path, contents: Data(bytes))
        let started = ContinuousClock.now
        defer { #expect(ContinuousClock.now - started < .seconds(1), "\(name) took \(ContinuousClock.now - started)") }
        do {
            _ = try ConfigurationLayer.file(at: path)
            return nil
        } catch {
            #expect([.malformedFile, .unusableFile].contains(error.code), "\(error.code)")
            #expect(error.message.contains(path), "the error does not name the file: \(error.message)")
            return error
        }
    }

    @Test("the hand-built binary plists are real ones: a plain dictionary is read")
    func handBuiltIsValid() throws {
        let bytes = HandBuiltBinaryPlist.bytes([
            [0xD1, 1, 2], HandBuiltBinaryPlist.ascii("inferenceCredentialHelper"), HandBuiltBinaryPlist.ascii("/a"),
        ])
        let layer = try ConfigurationLayer.parse(bytes, source: "hand-built")
        #expect(layer.values[.helper] == .string("/a"))
    }

    @Test("a binary plist that contains itself is refused as a cycle")
    func cycle() {
        let selfArray = HandBuiltBinaryPlist.bytes([[0xA1, 0]])
        let selfValue = HandBuiltBinaryPlist.bytes([
            [0xD1, 1, 2], HandBuiltBinaryPlist.ascii("inferenceCustomHeaders"), [0xA2, 3, 0],
            HandBuiltBinaryPlist.ascii("X-A: 1"),
        ])
        for (name, bytes) in [("self-array.plist", selfArray), ("self-value.plist", selfValue)] {
            let error = refusal(name, bytes)
            #expect(error?.message.contains("cycle") == true, "\(String(describing: error))")
        }
    }

    @Test("shared references fanning out (a billion laughs) are refused at the node limit")
    func billionLaughs() {
        // Ten arrays of ten references each to the next: 10^10 values once expanded, in 150 bytes.
        var objects = (0..<10).map { level in [0xAA] + [UInt8](repeating: UInt8(level + 1), count: 10) }
        objects.append(HandBuiltBinaryPlist.ascii("lol"))
        let error = refusal("laughs.plist", HandBuiltBinaryPlist.bytes(objects))
        #expect(error?.message.contains("values") == true && error?.message.contains("limit") == true)
    }

    @Test("XML nested 20,000 deep is refused at the depth limit, binary nested deep too")
    func deepNesting() {
        let xml =
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\">"
            + String(repeating: "<array>", count: 20_000) + String(repeating: "</array>", count: 20_000) + "</plist>"
        let xmlError = refusal("deep.plist", Array(xml.utf8))
        #expect(xmlError?.message.contains("deep") == true, "\(String(describing: xmlError))")

        var objects = (0..<200).map { level in [0xA1, UInt8(level + 1)] }
        objects.append([0x09])
        let binaryError = refusal("deep-binary.plist", HandBuiltBinaryPlist.bytes(objects))
        #expect(binaryError?.message.contains("deep") == true, "\(String(describing: binaryError))")
    }

    @Test("a property list over the size limit is refused without being parsed")
    func size() {
        let xml =
            "<plist version=\"1.0\"><dict><key>x</key><string>" + String(repeating: "a", count: 2 << 20)
            + "</string></dict></plist>"
        let error = refusal("big.plist", Array(xml.utf8))
        #expect(error?.message.contains("bytes") == true, "\(String(describing: error))")
    }
}

/// Which value wins is decided by where a file is, never by what it holds; a key set twice and a
/// value that cannot be read are errors, not silent choices.
@Suite("Configuration files: duplicate keys and unreadable values")
struct ConfigurationAmbiguityTests {
    let folder = HelperScripts()

    func expectRefused(
        _ bytes: [UInt8], mentioning words: [String], code: ConfigurationError.Code = .malformedFile
    ) {
        do {
            let layer = try ConfigurationLayer.parse(bytes, source: "config file /x/y")
            Issue.record("accepted, with \(layer.values.count) values")
        } catch {
            #expect(error.code == code)
            for word in words + ["config file /x/y"] {
                #expect(error.message.contains(word), "\(error.message) does not mention \(word)")
            }
        }
    }

    @Test("a key set twice in JSON is refused, naming the key and the file")
    func duplicateJSON() {
        let text = #"{"inferenceCredentialHelper": "/a", "inferenceCredentialHelper": "/b"}"#
        expectRefused(Array(text.utf8), mentioning: ["inferenceCredentialHelper", "twice"])
        let nested =
            #"{"enterpriseConfig": {"inferenceGatewayAuthScheme": "bearer", "inferenceGatewayAuthScheme": "x-api-key"}}"#
        expectRefused(Array(nested.utf8), mentioning: ["inferenceGatewayAuthScheme", "twice"])
    }

    @Test("a key set twice in a plist, XML or binary, is refused, naming the key and the file")
    func duplicatePlist() {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict>
            <key>inferenceCredentialHelper</key><string>/a</string>
            <key>inferenceCredentialHelper</key><string>/b</string>
            </dict></plist>
            """
        expectRefused(Array(xml.utf8), mentioning: ["inferenceCredentialHelper", "twice"])
        let entity = xml.replacingOccurrences(
            of: "<key>inferenceCredentialHelper</key><string>/b",
            with: "<key>inference&#67;redentialHelper</key><string>/b")
        expectRefused(Array(entity.utf8), mentioning: ["inferenceCredentialHelper", "twice"])
        let sameObject = HandBuiltBinaryPlist.bytes([
            [0xD2, 1, 1, 2, 3], HandBuiltBinaryPlist.ascii("inferenceCredentialHelper"),
            HandBuiltBinaryPlist.ascii("/a"), HandBuiltBinaryPlist.ascii("/b"),
        ])
        expectRefused(sameObject, mentioning: ["inferenceCredentialHelper", "twice"])
        let twoEncodings = HandBuiltBinaryPlist.bytes([
            [0xD2, 1, 2, 3, 3], HandBuiltBinaryPlist.ascii("X"), HandBuiltBinaryPlist.utf16("X"),
            HandBuiltBinaryPlist.ascii("/a"),
        ])
        expectRefused(twoEncodings, mentioning: ["\"X\"", "twice"])
    }

    @Test(
        "a plist value of a configuration key that cannot be read is an error naming the key and the type expected",
        arguments: [
            ("<date>2024-01-01T00:00:00Z</date>", "inferenceCredentialHelperTtlSec", "a date"),
            ("<data>AAEC</data>", "inferenceCredentialHelperTtlSec", "data"),
            ("<integer>1e23</integer>", "inferenceCredentialHelperTimeoutSec", "seconds"),
            ("<date>2024-01-01T00:00:00Z</date>", "inferenceCredentialHelper", "a date"),
        ])
    func unreadableValue(value: String, key: String, found: String) {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict>
            <key>\(key)</key>\(value)
            </dict></plist>
            """
        expectRefused(Array(xml.utf8), mentioning: [key, found, "expected"], code: .invalidValue)
    }

    @Test("a plist given with --config is a local file like any other: a later local file wins over it")
    func plistIsNotManagedByFormat() throws {
        let plist = folder.path("user.plist")
        folder.write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict><key>inferenceCredentialHelper</key><string>/home/user/plist-helper</string></dict></plist>
            """, to: plist, mode: 0o600)
        let json = folder.path("later.json")
        folder.write(#"{"inferenceCredentialHelper": "/opt/later/helper"}"#, to: json, mode: 0o600)
        let layers = try ConfigurationLayer.files(at: [plist, json])
        #expect(layers.allSatisfy { !$0.managed }, "a plist outside the managed locations counted as managed")
        let configuration = try HostConfiguration.resolve(layers).configuration
        #expect(configuration.helperPath == "/opt/later/helper")
    }

    @Test("a user's plist, given before or after the real managed one, does not override it")
    func userPlistDoesNotOverrideManaged() throws {
        let locations = ManagedLocations(directories: [folder.subdirectory("managed", mode: 0o755)])
        let managed = locations.directories[0] + "/com.anthropic.claudefordesktop.plist"
        folder.write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict><key>inferenceCredentialHelper</key><string>/opt/managed/helper</string></dict></plist>
            """, to: managed, mode: 0o644)
        let user = folder.path("user.plist")
        folder.write(
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <plist version="1.0"><dict><key>inferenceCredentialHelper</key><string>/home/user/helper</string>
            <key>inferenceCredentialHelperTtlSec</key><string>60</string></dict></plist>
            """, to: user, mode: 0o600)
        for paths in [[managed, user], [user, managed]] {
            let layers = try ConfigurationLayer.files(at: paths, managedLocations: locations)
            #expect(layers.map(\.managed) == [false, true], "\(paths)")
            let configuration = try HostConfiguration.resolve(layers).configuration
            #expect(configuration.helperPath == "/opt/managed/helper", "\(paths)")
            #expect(configuration.ttlSeconds == 3600, "a local value applied while a managed source is present")
        }
        // Reached through a symbolic link from elsewhere, the managed file is still the managed file.
        let link = folder.path("link.plist")
        symlink(managed, link)
        #expect(try ConfigurationLayer.file(at: link, managedLocations: locations).managed)
    }

    @Test("a file in a managed location that does not belong to the required owner is refused")
    func managedOwner() {
        let locations = ManagedLocations(directories: [folder.subdirectory("managed", mode: 0o755)], owner: 4242)
        let managed = locations.directories[0] + "/corp.json"
        folder.write(#"{"inferenceCredentialHelper": "/opt/h"}"#, to: managed, mode: 0o644)
        do {
            _ = try ConfigurationLayer.file(at: managed, managedLocations: locations)
            Issue.record("accepted a managed file with the wrong owner")
        } catch {
            #expect(error.code == .unusableFile && error.message.contains("user 4242"), "\(error.message)")
        }
    }
}
