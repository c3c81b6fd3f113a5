import Foundation
import OAuthClient
import TestSupport
import Testing

/// Discovery documents and the JWKS kept between runs (`Cache-Control`, with a ceiling, in a private
/// directory), and a discovery request cut by the network, retried once — against a real HTTP
/// server on loopback.
@Suite("Provider document cache and network retries")
struct DocumentCacheTests {
    static let discovery = "/.well-known/openid-configuration"

    func provider(headers: [String] = []) throws -> ScriptedUpstream {
        let documents = try ScriptedUpstream([:])
        let issuer = documents.baseURL
        documents.serveJSON(
            Self.discovery, #"{"issuer": "\#(issuer)", "token_endpoint": "\#(issuer)/token"}"#, headers: headers)
        return documents
    }

    /// A fresh client (as in a new helper process) using the cache in `folder`.
    func client(_ documents: ScriptedUpstream, _ folder: HelperScripts) -> OAuthClient {
        var configuration = OAuthClientConfiguration(issuer: documents.baseURL, clientID: "c")
        configuration.documentCache = IdPDocumentCache(directory: folder.path("metadata"))
        return OAuthClient(configuration)
    }

    @Test("discovery is fetched once across runs while Cache-Control allows, and again after forget")
    func cachedAcrossRuns() async throws {
        let documents = try provider(headers: ["Cache-Control: public, max-age=600"])
        let folder = HelperScripts()
        for _ in 0..<3 { _ = try await client(documents, folder).discover(until: .now + .seconds(30)) }
        #expect(documents.requests(for: Self.discovery) == 1)
        var mode = stat()
        #expect(stat(folder.path("metadata"), &mode) == 0 && mode.st_mode & 0o777 == 0o700)
        client(documents, folder).forgetCachedDocuments()
        _ = try await client(documents, folder).discover(until: .now + .seconds(30))
        #expect(documents.requests(for: Self.discovery) == 2)
    }

    @Test("no-store, no-cache and max-age=0 are not kept", arguments: ["no-store", "no-cache", "max-age=0"])
    func notKept(directive: String) async throws {
        let documents = try provider(headers: ["Cache-Control: \(directive)"])
        let folder = HelperScripts()
        for _ in 0..<2 { _ = try await client(documents, folder).discover(until: .now + .seconds(30)) }
        #expect(documents.requests(for: Self.discovery) == 2)
    }

    @Test("max-age is capped by the ceiling; no header means the default lifetime")
    func lifetimes() {
        let cache = IdPDocumentCache(directory: "/nonexistent")
        #expect(cache.lifetime(cacheControl: "max-age=31536000") == cache.ceiling)
        #expect(cache.lifetime(cacheControl: "max-age=120, must-revalidate") == 120)
        #expect(cache.lifetime(cacheControl: nil) == cache.defaultLifetime)
        #expect(cache.lifetime(cacheControl: "max-age=-5") == nil)
        #expect(cache.lifetime(cacheControl: "max-age=soon") == nil)
    }

    /// Another local user who can write the cache could point the token endpoint at their own
    /// server: an entry that is not private is ignored and replaced, never trusted.
    @Test("a cache entry others could have written is ignored")
    func widenedEntryIgnored() async throws {
        let documents = try provider(headers: ["Cache-Control: max-age=600"])
        let folder = HelperScripts()
        _ = try await client(documents, folder).discover(until: .now + .seconds(30))
        let entry = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path("metadata")).first)
        let path = folder.path("metadata") + "/" + entry
        let forged = try String(contentsOfFile: path, encoding: .utf8)
            .replacingOccurrences(of: "\\/token", with: "\\/stolen")
        try forged.write(toFile: path, atomically: false, encoding: .utf8)
        chmod(path, 0o666)
        let metadata = try await client(documents, folder).discover(until: .now + .seconds(30))
        #expect(metadata.tokenEndpoint == documents.baseURL + "/token")
        #expect(documents.requests(for: Self.discovery) == 2)
    }

    @Test("a discovery request cut by the network is retried once, after a short pause")
    func cutOnceRetried() async throws {
        let documents = try provider()
        documents.cutNext(Self.discovery)
        let started = ContinuousClock.now
        let metadata = try await OAuthClient(OAuthClientConfiguration(issuer: documents.baseURL, clientID: "c"))
            .discover(until: .now + .seconds(30))
        #expect(metadata.tokenEndpoint == documents.baseURL + "/token")
        #expect(documents.requests(for: Self.discovery) == 2)
        #expect(ContinuousClock.now - started >= .milliseconds(100))

        documents.cutNext(Self.discovery, times: 2)
        let error = await #expect(throws: OAuthError.self) {
            try await OAuthClient(OAuthClientConfiguration(issuer: documents.baseURL, clientID: "c"))
                .discover(until: .now + .seconds(30))
        }
        #expect(error?.code == .unreachable)
        #expect(documents.requests(for: Self.discovery) == 4)
    }
}
