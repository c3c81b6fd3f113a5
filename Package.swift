// swift-tools-version: 6.2
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "credhelper",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "CredentialHelperProtocol", targets: ["CredentialHelperProtocol"]),
        .library(name: "CredentialHelperHost", targets: ["CredentialHelperHost"]),
        .library(name: "CredentialHelperCheck", targets: ["CredentialHelperCheck"]),
        .executable(name: "credhelper", targets: ["credhelper"]),
        .executable(name: "credhelper-full", targets: ["credhelper-full"]),
    ],
    dependencies: [
        .package(url: "https://github.com/swiftlang/swift-subprocess", exact: "1.0.2", traits: []),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-system", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/jwt-kit", from: "5.8.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/swiftlang/swift-docc-plugin", from: "1.5.0"),
        // The proxy's /_credhelper/metrics: swift-metrics' API into a Prometheus registry.
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // The protocol: no dependencies.
        .target(
            name: "CredentialHelperProtocol", path: "Sources/Protocol/CredentialHelperProtocol", swiftSettings: strict),
        // Files and processes both sides share (trusted paths, 0600 files, the home directory, raw stdio).
        .target(name: "CredentialSupport", path: "Sources/Support/CredentialSupport", swiftSettings: strict),
        // Network errors told by type, for the proxy's upstream and the OAuth client's provider.
        .target(
            name: "NetworkFailure",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            path: "Sources/Support/NetworkFailure",
            swiftSettings: strict
        ),
        // A ServiceGroup whose server reports its bound port (the proxy, the sign-in redirect listener).
        .target(
            name: "ListeningService",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Sources/Support/ListeningService",
            swiftSettings: strict
        ),
        // Child processes: posix_spawn in a new session (C), and the supervised runner with its
        // teardown policy and the supervision state machine.
        .target(name: "CHelperSpawn", path: "Sources/Support/ChildProcess/CHelperSpawn"),
        .target(
            name: "ChildProcess", dependencies: ["CHelperSpawn"], path: "Sources/Support/ChildProcess/ChildProcess",
            swiftSettings: strict),
        // The host runtime and the checker.
        .target(
            name: "CredentialHelperHost",
            dependencies: [
                "CredentialHelperProtocol",
                "CredentialSupport",
                "ChildProcess",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Host/CredentialHelperHost",
            swiftSettings: strict
        ),
        .target(
            name: "CredentialHelperCheck",
            dependencies: ["CredentialHelperProtocol", "CredentialHelperHost"],
            path: "Sources/Host/CredentialHelperCheck",
            swiftSettings: strict
        ),
        // The ready-made helper: its token store, its fast path (what the small credhelper links),
        // its OAuth client and its sign-in side.
        .target(
            name: "TokenStore",
            dependencies: ["CredentialHelperProtocol", "CredentialSupport"],
            path: "Sources/Helper/TokenStore",
            swiftSettings: strict
        ),
        .target(
            name: "OAuthClient",
            dependencies: [
                "CredentialHelperProtocol", "CredentialSupport", "NetworkFailure", "ListeningService",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "JWTKit", package: "jwt-kit"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/Helper/OAuthClient",
            swiftSettings: strict
        ),
        // The OS keyring (Secret Service through secret-tool, or the macOS Keychain), for profiles
        // that keep their refresh token there.
        .target(
            name: "OSKeyring",
            dependencies: ["CredentialHelperProtocol", "CredentialSupport", "ChildProcess"],
            path: "Sources/Helper/OSKeyring",
            swiftSettings: strict
        ),
        // AWS: Signature Version 4, the Bedrock API key and the AWS output formats (no HTTP client, so
        // the small credhelper can answer from a cached AWS session).
        .target(
            name: "AWSSigning",
            dependencies: ["CredentialHelperProtocol", .product(name: "Crypto", package: "swift-crypto")],
            path: "Sources/Helper/AWSSigning",
            swiftSettings: strict
        ),
        .target(
            name: "HelperFastPath",
            dependencies: ["CredentialHelperProtocol", "CredentialSupport", "TokenStore", "AWSSigning"],
            path: "Sources/Helper/HelperFastPath",
            swiftSettings: strict
        ),
        // AWS STS AssumeRoleWithWebIdentity (the HTTP side of the AWS modes).
        .target(
            name: "AWSCredentials",
            dependencies: [
                "AWSSigning", "HelperFastPath", "CredentialHelperProtocol", "NetworkFailure",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Sources/Helper/AWSCredentials",
            swiftSettings: strict
        ),
        .target(
            name: "ReadyMadeHelper",
            dependencies: [
                "CredentialHelperProtocol", "CredentialSupport", "ChildProcess", "TokenStore", "OAuthClient",
                "HelperFastPath", "OSKeyring", "AWSSigning", "AWSCredentials",
            ],
            path: "Sources/Helper/ReadyMadeHelper",
            swiftSettings: strict
        ),
        // The proxy's HTTP/1.1 codec: message heads and body framing, no channel code.
        .target(
            name: "CredentialProxyHTTP1",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ],
            path: "Sources/Proxy/CredentialProxyHTTP1",
            swiftSettings: strict
        ),
        .target(
            name: "CredentialProxy",
            dependencies: [
                "CredentialHelperProtocol", "CredentialHelperHost", "CredentialProxyHTTP1", "NetworkFailure",
                "ListeningService",
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            path: "Sources/Proxy/CredentialProxy",
            swiftSettings: strict
        ),
        // The deployment kit: the app's configuration (.mobileconfig, .plist, .reg, configLibrary) and
        // the machine-wide profiles file, from one set of answers (credhelper config write).
        .target(
            name: "DeploymentKit",
            dependencies: [
                "CredentialHelperProtocol", "CredentialSupport", "CredentialHelperHost", "HelperFastPath",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            path: "Sources/Deploy/DeploymentKit",
            swiftSettings: strict
        ),
        // The command line on top of everything.
        .target(
            name: "CredentialHelperCLI",
            dependencies: [
                "CredentialHelperProtocol",
                "CredentialHelperHost",
                "CredentialHelperCheck",
                "CredentialSupport",
                "ReadyMadeHelper",
                "HelperFastPath",
                "TokenStore",
                "CredentialProxy",
                "DeploymentKit",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Sources/CLI/CredentialHelperCLI",
            swiftSettings: strict
        ),
        // What hosts start for every credential: the cached-token path only, then exec of credhelper-full.
        .executableTarget(
            name: "credhelper", dependencies: ["HelperFastPath", "CredentialSupport", "AWSSigning"],
            path: "Sources/CLI/credhelper",
            swiftSettings: strict),
        .executableTarget(
            name: "credhelper-full", dependencies: ["CredentialHelperCLI", "ReadyMadeHelper", "CredentialSupport"],
            path: "Sources/CLI/credhelper-full", swiftSettings: strict),
        .executableTarget(
            name: "credhelper-bench",
            dependencies: [
                "CredentialHelperHost", "CredentialHelperProtocol",
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Benchmarks/credhelper-bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "credhelper-codec-bench",
            dependencies: [
                "CredentialProxyHTTP1",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Benchmarks/credhelper-codec-bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "credhelper-embedding-example",
            dependencies: ["CredentialHelperHost", "CredentialHelperProtocol"],
            path: "Examples/embedding",
            exclude: ["upstream.py", "rotating-helper.sh"],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "credhelper-fuzz", dependencies: ["Fuzzing"], path: "Benchmarks/credhelper-fuzz",
            swiftSettings: strict),
        // Test fixtures every test target may use; BuiltBinary runs the built credhelper through Subprocess.
        .target(
            name: "TestSupport",
            dependencies: [
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            path: "Tests/TestSupport", swiftSettings: strict),
        .target(
            name: "Fuzzing",
            dependencies: [
                "CredentialHelperProtocol", "CredentialHelperHost", "HelperFastPath", "CredentialProxyHTTP1",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            path: "Tests/Fuzzing", swiftSettings: strict),
        .testTarget(name: "FuzzingTests", dependencies: ["Fuzzing", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "CredentialProxyHTTP1Tests",
            dependencies: [
                "CredentialProxyHTTP1", "Fuzzing", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "CHelperSpawnTests", dependencies: ["CHelperSpawn", "TestSupport"], swiftSettings: strict),
        .testTarget(name: "ChildProcessTests", dependencies: ["ChildProcess"], swiftSettings: strict),
        .testTarget(
            name: "CredentialSupportTests", dependencies: ["CredentialSupport", "TestSupport"], swiftSettings: strict),
        .testTarget(
            name: "TokenStoreTests",
            dependencies: [
                "TokenStore", "CredentialHelperProtocol", "TestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "AWSCredentialsTests",
            dependencies: [
                "AWSSigning", "AWSCredentials", "HelperFastPath", "ReadyMadeHelper", "TokenStore",
                "CredentialHelperProtocol",
                "TestSupport",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "OSKeyringTests", dependencies: ["OSKeyring", "CredentialHelperProtocol", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "ReadyMadeHelperTests",
            dependencies: [
                "ReadyMadeHelper", "HelperFastPath", "TokenStore", "CredentialHelperProtocol", "TestSupport",
                "OSKeyring", "ChildProcess",
            ],
            swiftSettings: strict),
        .testTarget(
            name: "NetworkFailureTests",
            dependencies: [
                "NetworkFailure", "TestSupport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "ListeningServiceTests",
            dependencies: [
                "ListeningService",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict),
        .testTarget(
            name: "CredentialProxyTests", dependencies: ["CredentialProxy", "NetworkFailure"], swiftSettings: strict),
        // The proxy started in-process (ProxyServer) against the real identity provider and gateway.
        .testTarget(
            name: "CredentialProxyIntegrationTests",
            dependencies: [
                "CredentialProxy", "CredentialHelperHost", "CredentialHelperProtocol", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CredentialHelperProtocolTests", dependencies: ["CredentialHelperProtocol", "TestSupport"],
            swiftSettings: strict),
        .testTarget(
            name: "CredentialHelperHostTests",
            dependencies: ["CredentialHelperHost", "CredentialHelperProtocol", "CredentialSupport", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HelperFastPathTests",
            dependencies: ["HelperFastPath", "TokenStore", "CredentialHelperProtocol", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "OAuthClientTests",
            dependencies: [
                "OAuthClient", "CredentialHelperProtocol", "TestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "JWTKit", package: "jwt-kit"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CredentialHelperCheckTests",
            dependencies: ["CredentialHelperCheck", "CredentialHelperHost", "CredentialHelperProtocol", "TestSupport"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "CredentialHelperCLITests",
            dependencies: [
                "CredentialHelperCLI", "CredentialHelperProtocol", "TestSupport", "TokenStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Subprocess", package: "swift-subprocess"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "DeploymentKitTests",
            dependencies: ["DeploymentKit", "CredentialHelperHost", "HelperFastPath", "TestSupport"],
            swiftSettings: strict
        ),
    ]
)
