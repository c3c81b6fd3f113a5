import AWSSigning
import CredentialHelperProtocol

/// What STS answered to `AssumeRoleWithWebIdentity`: its XML, read for the few elements credhelper
/// uses (docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRoleWithWebIdentity.html).
enum STSResponse {
    /// The credentials of a 200 answer; nil when an element is missing or the expiration unreadable.
    static func credentials(_ xml: String) -> AWSSessionCredentials? {
        guard let keyID = element("AccessKeyId", in: xml), let secret = element("SecretAccessKey", in: xml),
            let token = element("SessionToken", in: xml), let expiration = element("Expiration", in: xml),
            let expires = parseTimestamp(expiration)
        else { return nil }
        return AWSSessionCredentials(
            accessKeyID: keyID, secretAccessKey: Secret(secret), sessionToken: Secret(token), expiration: expires)
    }

    /// The error code and message of an error answer (`<Error><Code>…</Code><Message>…</Message>`).
    static func error(_ xml: String) -> (code: String, message: String)? {
        guard let code = element("Code", in: xml) else { return nil }
        return (code, element("Message", in: xml) ?? "")
    }

    /// The text of the first `<name>…</name>`, entities decoded.
    static func element(_ name: String, in xml: String) -> String? {
        guard let open = xml.firstRange(of: "<\(name)>"),
            let close = xml[open.upperBound...].firstRange(of: "</\(name)>")
        else { return nil }
        return decodeEntities(String(xml[open.upperBound..<close.lowerBound]))
    }

    private static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            guard let semicolon = rest[amp...].firstIndex(of: ";") else { break }
            let entity = rest[rest.index(after: amp)..<semicolon]
            switch entity {
            case "amp": out += "&"
            case "lt": out += "<"
            case "gt": out += ">"
            case "quot": out += "\""
            case "apos": out += "'"
            default:
                let number: UInt32? =
                    entity.hasPrefix("#x")
                    ? UInt32(entity.dropFirst(2), radix: 16) : entity.hasPrefix("#") ? UInt32(entity.dropFirst()) : nil
                if let number, let scalar = Unicode.Scalar(number) {
                    out.unicodeScalars.append(scalar)
                } else {
                    out += rest[amp...semicolon]
                }
            }
            rest = rest[rest.index(after: semicolon)...]
        }
        return out + rest
    }

    /// `YYYY-MM-DDTHH:MM:SS`, optional fraction, then `Z` or an offset `±HH:MM` (ISO 8601 as STS
    /// and credential processes write it); seconds since 1970.
    static func parseTimestamp(_ text: String) -> Double? {
        var characters = Array(text.utf8)
        var offset: Int64 = 0
        let isDigit = { (byte: UInt8) in (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
        if characters.count >= 25, characters[characters.count - 3] == UInt8(ascii: ":"),
            let sign = characters.dropLast(5).last, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-"),
            characters.suffix(5).filter(isDigit).count == 4,
            let hours = Int64(String(decoding: characters.suffix(5).prefix(2), as: UTF8.self)),
            let minutes = Int64(String(decoding: characters.suffix(2), as: UTF8.self)), hours < 24, minutes < 60
        {
            offset = (hours * 3600 + minutes * 60) * (sign == UInt8(ascii: "+") ? 1 : -1)
            characters = Array(characters.dropLast(6)) + [UInt8(ascii: "Z")]
        }
        guard characters.count >= 20, characters[4] == UInt8(ascii: "-"), characters[7] == UInt8(ascii: "-"),
            characters[10] == UInt8(ascii: "T"), characters[13] == UInt8(ascii: ":"),
            characters[16] == UInt8(ascii: ":"), characters.last == UInt8(ascii: "Z"),
            characters.count == 20
                || (characters[19] == UInt8(ascii: ".")
                    && characters[20..<(characters.count - 1)]
                        .allSatisfy(isDigit)
                    && characters.count > 21),
            [0, 1, 2, 3, 5, 6, 8, 9, 11, 12, 14, 15, 17, 18].allSatisfy({ isDigit(characters[$0]) })
        else { return nil }
        func number(_ range: Range<Int>) -> Int64? { Int64(String(decoding: characters[range], as: UTF8.self)) }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10),
            let hour = number(11..<13), let minute = number(14..<16), let second = number(17..<19),
            (1...12).contains(month), (1...31).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        // Days since 1970 (Howard Hinnant's days_from_civil).
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let dayOfYear = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        let days = era * 146_097 + dayOfEra - 719_468
        return Double(days * 86_400 + hour * 3600 + minute * 60 + second - offset)
    }
}
