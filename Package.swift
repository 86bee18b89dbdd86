// swift-tools-version:6.1
import PackageDescription

let strict: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "oms",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "oms", targets: ["oms"]),
        .library(name: "OMSCore", targets: ["OMSCore"]),
        .library(name: "OMSClient", targets: ["OMSClient"]),
        .library(name: "OMSPostgres", targets: ["OMSPostgres"]),
        .executable(name: "oms-driver-bench", targets: ["OMSDriverBench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift.git", from: "0.2.0"),
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
    ],
    targets: [
        // Pure domain: identifiers, the lifecycle table, validation, errors. No I/O.
        .target(name: "OMSCore", swiftSettings: strict),
        // libpq, PostgreSQL's own client library (libpq-dev; `.ci/run` installs it where missing).
        .systemLibrary(name: "CLibpq", path: "Sources/CLibpq", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        // A small Swift layer over libpq: pipelined transactions, prepared statements, pool, LISTEN.
        .target(name: "OMSPostgres", dependencies: ["CLibpq"], swiftSettings: strict),
        // Client and backend CPU per pipelined transaction (docs/performance.md, scripts/driver-bench).
        .executableTarget(name: "OMSDriverBench", dependencies: ["OMSPostgres", "CLibpq", "EmbeddedPostgres"], swiftSettings: strict),
        // Finds PostgreSQL server binaries and runs a private cluster.
        .target(name: "EmbeddedPostgres", swiftSettings: strict),
        .target(
            name: "OMSStore",
            dependencies: [
                "OMSCore", "OMSPostgres",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
            ],
            swiftSettings: strict,
            // The migrations of sql/ are compiled in at build time (BundledMigrations.all).
            plugins: ["BundleMigrations"]
        ),
        .plugin(name: "BundleMigrations", capability: .buildTool()),
        .target(
            name: "OMSProtocol",
            dependencies: ["OMSCore", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: strict
        ),
        .target(
            name: "OMSServer",
            dependencies: [
                "OMSCore", "OMSStore", "OMSProtocol", "OMSPostgres",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OMSClient",
            dependencies: [
                "OMSCore", "OMSProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "OMSTesting",
            dependencies: [
                "EmbeddedPostgres", "OMSStore", "OMSPostgres",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "oms",
            dependencies: [
                "OMSCore", "OMSStore", "OMSServer", "OMSClient", "OMSProtocol", "EmbeddedPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                "OMSPostgres",
                .product(name: "Histogram", package: "hdrhistogram-swift"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "OMSCoreTests", dependencies: ["OMSCore"], swiftSettings: strict),
        .testTarget(name: "OMSClientTests", dependencies: ["OMSClient", "OMSCore", "OMSProtocol"], swiftSettings: strict),
        .testTarget(name: "OMSPostgresTests", dependencies: ["OMSPostgres", "OMSTesting"], swiftSettings: strict),
        .testTarget(
            name: "OMSProtocolTests",
            dependencies: ["OMSCore", "OMSProtocol", .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOEmbedded", package: "swift-nio")],
            // Optimised even in debug builds: the fuzz test's generator, model and NIO's inlinable
            // decoder driver run here a million times; the code under test (OMSProtocol) stays as built.
            swiftSettings: strict + [.unsafeFlags(["-O"])]
        ),
        .testTarget(
            name: "OMSStoreTests",
            dependencies: ["OMSCore", "OMSStore", "OMSTesting", "EmbeddedPostgres", "OMSPostgres"],
            swiftSettings: strict
        ),
        .testTarget(name: "EmbeddedPostgresTests", dependencies: ["EmbeddedPostgres", "OMSPostgres", "OMSTesting"],
                    swiftSettings: strict),
        // What the server, CLI, deployment and client-suite tests share: an
        // in-process server on a fresh database, `oms` runs, HTTP scrapes, programs.
        .target(
            name: "OMSServerTestSupport",
            dependencies: ["OMSCore", "OMSStore", "OMSTesting", "OMSServer", "OMSClient", "OMSProtocol",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Logging", package: "swift-log")],
            path: "Tests/OMSServerTestSupport",
            swiftSettings: strict
        ),
        .testTarget(name: "OMSCLITests", dependencies: ["OMSServerTestSupport", "OMSTesting", "OMSClient", "OMSProtocol", "OMSCore"],
                    swiftSettings: strict),
        .testTarget(name: "DeploymentTests", dependencies: ["OMSServerTestSupport", "OMSTesting"], swiftSettings: strict),
        .testTarget(name: "ClientSuiteTests", dependencies: ["OMSServerTestSupport", "OMSTesting", "OMSStore"],
                    swiftSettings: strict),
        .testTarget(
            name: "OMSServerTests",
            dependencies: ["OMSServerTestSupport", "OMSCore", "OMSStore", "OMSTesting", "OMSServer", "OMSClient", "OMSProtocol",
                           "EmbeddedPostgres", "OMSPostgres",
                           .product(name: "NIOCore", package: "swift-nio"),
                           .product(name: "NIOPosix", package: "swift-nio"),
                           .product(name: "Prometheus", package: "swift-prometheus"),
                           .product(name: "Logging", package: "swift-log"),
                           .product(name: "NIOSSL", package: "swift-nio-ssl"),
                           .product(name: "CoreMetrics", package: "swift-metrics")],
            swiftSettings: strict
        ),
    ]
)
