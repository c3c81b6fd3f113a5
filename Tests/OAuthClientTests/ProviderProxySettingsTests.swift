import OAuthClient
import Testing

/// How the proxy settings are read: which provider URLs `NO_PROXY` sends direct (the forms
/// administrators write), and a proxy URL that cannot be used.
@Suite("Provider proxy settings")
struct ProviderProxySettingsTests {
    /// `NO_PROXY` value, provider URL, whether the URL goes direct.
    static let exemptions: [(String, String, Bool)] = [
        ("idp.example.com", "https://idp.example.com/token", true),
        ("idp.example.com", "https://login.idp.example.com/token", true),
        ("idp.example.com", "https://notidp.example.com/token", false),
        ("IDP.Example.COM", "https://idp.example.com./token", true),
        (".example.com", "https://idp.example.com/token", true),
        (".example.com", "https://example.com/token", true),
        ("*.example.com", "https://idp.example.com/token", true),
        ("*.example.com", "https://example.org/token", false),
        ("*", "https://anything.example/token", true),
        ("idp.example.com:8443", "https://idp.example.com:8443/token", true),
        ("idp.example.com:8443", "https://idp.example.com/token", false),
        ("idp.example.com:443", "https://idp.example.com/token", true),
        ("127.0.0.1", "https://127.0.0.1:9443/token", true),
        ("127.0.0.1", "https://127.0.0.2:9443/token", false),
        ("127.0.0.1:9443", "https://127.0.0.1:9443/token", true),
        ("127.0.0.1:9443", "https://127.0.0.1:9444/token", false),
        ("10.0.0.0/8", "https://10.20.30.40/token", true),
        ("10.0.0.0/8", "https://11.0.0.1/token", false),
        ("127.0.0.0/8", "https://127.0.0.1:9443/token", true),
        ("192.168.1.0/24", "https://192.168.1.77/token", true),
        ("192.168.1.0/24", "https://192.168.2.77/token", false),
        ("0.0.1", "https://127.0.0.1/token", false),
        ("::1", "https://[::1]:9443/token", true),
        ("[::1]", "https://[::1]:9443/token", true),
        ("[::1]:9443", "https://[::1]:9443/token", true),
        ("[::1]:9443", "https://[::1]:9444/token", false),
        ("0:0:0:0:0:0:0:1", "https://[::1]/token", true),
        ("fd00::/8", "https://[fd12:3456::1]/token", true),
        ("fd00::/8", "https://[fe80::1]/token", false),
        ("::1", "https://127.0.0.1/token", false),
        ("example.com, 10.0.0.0/8 ,::1", "https://10.1.1.1/token", true),
        ("", "https://idp.example.com/token", false),
        ("10.0.0.0/33", "https://10.0.0.1/token", false),
    ]

    @Test("NO_PROXY forms: names and subdomains, .domain, *.domain, host:port, IPv4, IPv6, CIDR", arguments: exemptions)
    func noProxyForms(pattern: String, url: String, direct: Bool) throws {
        let connection = try IdPConnection(
            caFile: nil, proxy: nil, environment: ["HTTPS_PROXY": "http://127.0.0.2:3128", "NO_PROXY": pattern])
        #expect(connection.isDirect(url) == direct, "NO_PROXY=\(pattern) for \(url)")
    }

    @Test("plain http:// (loopback only) and no proxy at all go direct")
    func directWithoutProxy() throws {
        let proxied = try IdPConnection(caFile: nil, proxy: "http://127.0.0.2:3128", environment: [:])
        #expect(proxied.isDirect("http://127.0.0.1:8080/token"))
        #expect(!proxied.isDirect("https://idp.example.com/token"))
        let none = try IdPConnection(caFile: nil, proxy: "none", environment: ["HTTPS_PROXY": "http://p:1"])
        #expect(none.isDirect("https://idp.example.com/token"))
    }

    @Test("a bad percent-escape in the proxy's user information is a configuration error that names the setting")
    func badEscape() throws {
        for (profile, environment, source) in [
            ("http://user:pa%zzword@127.0.0.2:3128", [String: String](), "the profile's proxy"),
            (nil, ["HTTPS_PROXY": "http://user:pa%zzword@127.0.0.2:3128"], "HTTPS_PROXY"),
        ] {
            let error = #expect(throws: OAuthError.self) {
                try IdPConnection(caFile: nil, proxy: profile, environment: environment)
            }
            #expect(error?.code == .insecureEndpoint)
            let text = error?.description ?? ""
            #expect(text.contains(source) && text.contains("127.0.0.2:3128"), "\(text)")
            #expect(!text.contains("pa%zz") && !text.contains("user:"), "the message shows the proxy's credentials")
        }
    }

    @Test(
        "a proxy authority that is not exactly host[:port] is refused: the credentials must not go to port 80",
        arguments: [
            "http://user:pw@[::1]x:3128", "http://user:pw@[::1", "http://::1:3128", "http://user:pw@[not-v6]:3128",
        ])
    func malformedProxyAuthority(url: String) {
        let error = #expect(throws: OAuthError.self) { try IdPConnection(caFile: nil, proxy: url, environment: [:]) }
        #expect(error?.code == .insecureEndpoint)
        #expect(error?.description.contains("pw") == false, "the message shows the proxy's password")
    }

    @Test("a '/', '?' or '#' left unescaped in the proxy's user information is refused, not read as the host and port")
    func unescapedSlashInPassword() throws {
        for url in [
            "http://alice:1234/5678@127.0.0.2:3128", "http://alice:1234/@127.0.0.2:3128",
            "http://alice:12?34@127.0.0.2:3128", "http://alice:12#34@127.0.0.2:3128",
        ] {
            let error = #expect(throws: OAuthError.self) {
                try IdPConnection(caFile: nil, proxy: url, environment: [:])
            }
            #expect(error?.code == .insecureEndpoint)
            let text = error?.description ?? ""
            let shown = text.contains("alice") || text.contains("1234")
            #expect(!shown, "the message shows part of the proxy's credentials")
            #expect(text.contains("%2F"), "\(text)")
        }
    }
}
