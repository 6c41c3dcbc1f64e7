// swift-tools-version: 6.0
import PackageDescription

let package = Package(
    name: "chargeback",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "chargeback", targets: ["chargeback"]),
        .executable(name: "chargeback-samples", targets: ["chargeback-samples"]),
        .executable(name: "iics-simulator", targets: ["iics-simulator"]),
        .library(name: "ChargebackKit", targets: ["ChargebackKit"]),
        .library(name: "ChargebackFetch", targets: ["ChargebackFetch"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/x-sheep/swift-property-based", from: "2.0.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CZlib",
            pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]
        ),
        .systemLibrary(
            name: "CLibXML2",
            pkgConfig: "libxml-2.0",
            providers: [.apt(["libxml2-dev"])]
        ),
        .target(
            name: "ChargebackKit",
            dependencies: [
                "CZlib",
                "CLibXML2",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Yams", package: "Yams"),
                .product(name: "Mustache", package: "swift-mustache"),
            ]
        ),
        // Live collection lives in its own library so that the core (and anything that only
        // reads files) does not link SwiftNIO and AsyncHTTPClient.
        .target(
            name: "ChargebackFetch",
            dependencies: [
                "ChargebackKit",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "chargeback",
            dependencies: [
                "ChargebackKit",
                "ChargebackFetch",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // A local stand-in for the IICS REST API: the server core is a library so that tests
        // start it in-process and read its counters.
        .target(
            name: "IICSSimulator",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "iics-simulator",
            dependencies: [
                "IICSSimulator",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .executableTarget(
            name: "chargeback-samples",
            dependencies: [
                .product(name: "ArgumentParser", package: "swift-argument-parser")
            ]
        ),
        // The oracles of the fuzz targets, also run by the tests over the seed corpus and every
        // input that once crashed (Tests/Fuzz/regressions).
        .target(
            name: "FuzzChecks",
            dependencies: ["ChargebackKit", "CZlib"],
            path: "Tests/Fuzz/FuzzChecks"
        ),
        .testTarget(
            name: "ChargebackKitTests",
            dependencies: [
                "ChargebackKit",
                "FuzzChecks",
                .product(name: "PropertyBased", package: "swift-property-based"),
            ],
            exclude: ["Fixtures"]
        ),
        .testTarget(
            name: "ChargebackFetchTests",
            dependencies: ["ChargebackFetch", "ChargebackKit", "IICSSimulator"]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, built only by Tests/Fuzz/run.sh (CHARGEBACK_FUZZ=1, -sanitize=fuzzer,address,
// -parse-as-library). They have no `main`: SwiftPM links an executable with
// `--defsym main=<module>_main`, so each target defines `<module>_main` itself and hands control
// to libFuzzer's `LLVMFuzzerRunDriver` (libFuzzer's own `main` is then never linked in).
if Context.environment["CHARGEBACK_FUZZ"] == "1" {
    package.targets += [
        .target(name: "CLibFuzzer", path: "Tests/Fuzz/CLibFuzzer"),
        .executableTarget(name: "FuzzReader", dependencies: ["CLibFuzzer", "FuzzChecks"], path: "Tests/Fuzz/FuzzReader"),
        .executableTarget(name: "FuzzConfig", dependencies: ["CLibFuzzer", "FuzzChecks"], path: "Tests/Fuzz/FuzzConfig"),
    ]
}
