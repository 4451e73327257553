// swift-tools-version:6.1
import PackageDescription

/// Language settings shared by every Swift target: Swift 6 mode plus the two
/// upcoming features STYLE.md asks for.
let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "stele",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "stele", targets: ["stele"]),
        .library(name: "Journal", targets: ["Journal"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.1.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/apple/swift-system", from: "1.4.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.4.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        // C libraries found through pkg-config.
        .systemLibrary(
            name: "CMicroHTTPD", pkgConfig: "libmicrohttpd",
            providers: [.apt(["libmicrohttpd-dev"])]),
        .systemLibrary(
            name: "CJansson", pkgConfig: "jansson",
            providers: [.apt(["libjansson-dev"])]),

        // CRC32C and BLAKE3, written here from their specifications. Built with
        // optimisation even in debug builds: the tests hash megabytes.
        .target(
            name: "CChecksums",
            cSettings: [.unsafeFlags(["-O3"])]),

        // Linux calls Swift's Glibc module leaves out (sync_file_range, prctl).
        .target(name: "CSystemCalls"),

        // Swift values over the C checksums (CRC32C, BLAKE3Digest, BLAKE3Hasher).
        .target(name: "Checksums", dependencies: ["CChecksums"], swiftSettings: swiftSettings),

        // The storage engine: no HTTP, no JSON.
        .target(
            name: "Journal",
            dependencies: [
                "Checksums",
                "CSystemCalls",
                .product(name: "SystemPackage", package: "swift-system"),
                .product(name: "Logging", package: "swift-log"),
            ],
            exclude: ["README.md"],
            swiftSettings: swiftSettings),
        // A file system for tests: fault injection and power-cut simulation.
        .target(
            name: "JournalTesting",
            dependencies: ["Journal", .product(name: "SystemPackage", package: "swift-system")],
            swiftSettings: swiftSettings),

        .target(name: "JSON", dependencies: ["CJansson"], swiftSettings: swiftSettings),
        .target(name: "HTTPServer", dependencies: ["CMicroHTTPD", "CSystemCalls"], swiftSettings: swiftSettings),
        .target(
            name: "SteleService",
            dependencies: [
                "Journal", "JSON", "HTTPServer", "Checksums",
                .product(name: "DequeModule", package: "swift-collections"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            swiftSettings: swiftSettings),

        .executableTarget(
            name: "stele",
            dependencies: [
                "Journal", "SteleService", "HTTPServer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings),
        // Micro-benchmarks for `make bench`.
        .executableTarget(
            name: "stele-bench",
            dependencies: [
                "Journal", "Checksums", "CChecksums", .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings),
        // A child process for crash tests: appends under load and logs every acknowledgement.
        .executableTarget(
            name: "stele-torture",
            dependencies: ["Journal", "JournalTesting"],
            swiftSettings: swiftSettings),

        // The record scanner and recovery, and the JSON request decoder, under
        // libFuzzer (`make fuzz`); without the fuzzer it replays inputs given as arguments.
        .executableTarget(
            name: "stele-fuzz",
            dependencies: ["Journal", "JournalTesting", "Checksums", "JSON", "SteleService"],
            swiftSettings: swiftSettings),

        .testTarget(
            name: "ChecksumTests",
            dependencies: ["CChecksums", "Checksums", "JournalTesting"],
            resources: [.copy("Vectors")],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "JournalTests",
            dependencies: ["Journal", "JournalTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "CrashTests",
            dependencies: ["Journal", "JournalTesting"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "SteleServiceTests",
            dependencies: ["SteleService", "HTTPServer", "JSON", "Journal"],
            swiftSettings: swiftSettings),
        .testTarget(
            name: "steleTests",
            dependencies: ["Journal", "JournalTesting", "JSON", "SteleService"],
            swiftSettings: swiftSettings),
        .testTarget(name: "JSONTests", dependencies: ["JSON"], swiftSettings: swiftSettings),
        .testTarget(name: "ServiceTests", dependencies: ["JournalTesting", "Journal", "Checksums"], swiftSettings: swiftSettings),
    ]
)
