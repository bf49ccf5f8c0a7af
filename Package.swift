// swift-tools-version: 6.2
import PackageDescription

let package = Package(
    name: "MissionControl",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "mission", targets: ["mission"]),
    ],
    dependencies: [
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
    ],
    targets: [
        // libgit2 through pkg-config; only `Git` imports it.
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),
        .target(name: "Git", dependencies: ["CLibGit2"]),
        .target(name: "Board", dependencies: ["Git", .product(name: "Yams", package: "Yams")]),
        .target(name: "Control", dependencies: ["Board"]),
        .target(name: "Runtime", dependencies: ["Board"]),
        .target(name: "Actions", dependencies: ["Git", "Board", "Control"]),
        .target(name: "Console", dependencies: [
            "Actions", "Board", "Control", "Git",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .target(name: "Watcher", dependencies: ["Git", "Board", "Control", "Runtime", .product(name: "Logging", package: "swift-log")]),
        .executableTarget(
            name: "mission",
            dependencies: [
                "Git", "Board", "Control", "Runtime", "Watcher", "Actions", "Console",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .executableTarget(
            name: "mission-bench",
            dependencies: ["Git", "Board", "Control"],
            path: "Benchmarks/mission-bench"
        ),
        .testTarget(name: "GitTests", dependencies: ["Git"]),
        .testTarget(name: "BoardTests", dependencies: ["Board", "Git", .product(name: "Yams", package: "Yams")], resources: [.copy("Fixtures")]),
        .testTarget(name: "ControlTests", dependencies: ["Control", "Board"]),
        .testTarget(name: "RuntimeTests", dependencies: ["Runtime"], exclude: ["Recordings"], resources: [.copy("Fakes")]),
        .testTarget(name: "MissionTests", dependencies: ["mission", "Git", "Board"],
                    exclude: ["Conformance/model-server.py"]),
        .testTarget(name: "ActionsTests", dependencies: ["Actions", "Board", "Git"]),
        .testTarget(name: "ConsoleTests", dependencies: ["Console", "Actions", "Board", "Git"]),
        .testTarget(name: "WatcherTests", dependencies: ["Watcher", "Git"]),
    ]
)

// The same strict settings for every target of ours.
for target in package.targets where target.type != .system {
    target.swiftSettings = (target.swiftSettings ?? []) + [
        .swiftLanguageMode(.v6),
        .enableUpcomingFeature("ExistentialAny"),
        .enableUpcomingFeature("MemberImportVisibility"),
    ]
}
