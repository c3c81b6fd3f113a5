import CredentialHelperProtocol
import Testing
import TokenStore

@testable import HelperFastPath

@Suite("When a stored token may be printed")
struct FreshnessTests {
    static let profile = Profile(
        name: "p", source: .literal(Secret("x")), hostTTL: .seconds(3600), skew: .seconds(60),
        silentDeadline: .seconds(15), headers: [:])
    let freshness = Freshness(profile: Self.profile)

    func record(obtained: Double, expires: Double?) -> StoredTokens {
        StoredTokens(accessToken: Secret("token-0123456789"), obtainedAt: obtained, expiresAt: expires)
    }

    @Test(
        "verdicts against the host TTL plus skew",
        arguments: [
            // obtained, expires (relative to now = 10_000), verdict
            (-100.0, 3700.0, Freshness.Verdict.good),  // covers 3600 + 60
            (-100.0, 3650.0, .stillValid),  // valid, but not for the whole TTL: refresh first
            (-10.0, 300.0, .good),  // just issued, short-lived: as fresh as they come
            (-10.0, 30.0, .stillValid),  // just issued but inside the skew
            (-4000.0, -1.0, .expired),
            (-5000.0, 0.0, .expired),
        ])
    func verdicts(obtained: Double, expires: Double, verdict: Freshness.Verdict) {
        let now = 10_000.0
        #expect(freshness.verdict(record(obtained: now + obtained, expires: now + expires), now: now) == verdict)
    }

    @Test("an unknown expiry counts as one host TTL from when the token was obtained")
    func unknownExpiry() {
        #expect(freshness.verdict(record(obtained: 1000, expires: nil), now: 1010) == .good)
        #expect(freshness.verdict(record(obtained: 1000, expires: nil), now: 1000 + 3700) == .expired)
    }

    @Test("the mid-session-refresh silent path stays inside the host's 20 s clamp")
    func silentBudget() {
        var profile = Self.profile
        profile.silentDeadline = .seconds(60)
        #expect(profile.silentBudget(for: .midSessionRefresh) == .seconds(15))
        #expect(profile.silentBudget(for: .background) == .seconds(60))
    }

    @Test("expiry comes from absolute times and survives a skewed provider clock")
    func expiryUnderClockSkew() {
        let arrived = 1_000_000.0
        // expires_in counts from arrival: the provider's clock does not matter.
        #expect(
            TokenExpiry.expiresAt(expiresIn: 300, jwtExpiry: 5, jwtIssuedAt: 1, receivedAt: arrived) == arrived + 300)
        // Only a JWT: a provider clock 2 hours ahead issues iat/exp 7200 s ahead of ours; the offset is removed.
        let skewed = TokenExpiry.expiresAt(
            expiresIn: nil, jwtExpiry: arrived + 7200 + 600, jwtIssuedAt: arrived + 7200, receivedAt: arrived)
        #expect(skewed == arrived + 600)
        // A provider clock behind ours: same correction the other way.
        #expect(
            TokenExpiry.expiresAt(
                expiresIn: nil, jwtExpiry: arrived - 900 + 600, jwtIssuedAt: arrived - 900, receivedAt: arrived)
                == arrived + 600)
        #expect(TokenExpiry.expiresAt(expiresIn: nil, jwtExpiry: nil, jwtIssuedAt: nil, receivedAt: arrived) == nil)
    }
}

extension FreshnessTests {
    @Test("after a rejection only a token obtained since the helper started is good")
    func rejectedCredential() {
        let now = 10_000.0
        let longLived = record(obtained: now - 100, expires: now + 7200)
        #expect(freshness.verdict(longLived, now: now) == .good)
        #expect(freshness.verdict(longLived, now: now, notBefore: now - 1) == .stillValid)
        let refreshedBySibling = record(obtained: now - 0.5, expires: now + 3600)
        #expect(freshness.verdict(refreshedBySibling, now: now, notBefore: now - 1) == .good)
    }
}
