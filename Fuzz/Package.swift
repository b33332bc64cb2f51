// swift-tools-version: 6.1
// Trinocular's fuzzing harnesses (libFuzzer): one executable per parser. A package of its
// own, so that the main build is untouched; `scripts/fuzz` builds it with
// `-sanitize=fuzzer` (coverage for every module) and runs each harness on its corpus.
import PackageDescription

/// Each harness and the Trinocular libraries it feeds.
let harnesses: [(name: String, libraries: [String])] = [
    ("FuzzPLY", ["Surface"]),
    ("FuzzOBJ", ["Surface"]),
    ("FuzzRig", ["Geometry", "Stereo"]),
    ("FuzzCapture", ["Pipeline"]),
    ("FuzzLandmarks", ["Metrology", "Surface", "Geometry"]),
    ("FuzzPlan", ["Metrology", "Surface", "Geometry"]),
    ("FuzzImage", ["Imaging"]),
    ("FuzzSealedArchive", ["Safekeeping"]),
    ("FuzzAuditLog", ["Safekeeping"]),
]

let package = Package(
    name: "TrinocularFuzz",
    dependencies: [.package(name: "Trinocular", path: "..")],
    targets: [
        .target(name: "CLibFuzzer"),
        .target(name: "FuzzSupport", dependencies: [
            "CLibFuzzer",
            .product(name: "Geometry", package: "Trinocular"), .product(name: "LinearAlgebra", package: "Trinocular"),
            .product(name: "Surface", package: "Trinocular"),
        ]),
    ] + harnesses.map { harness in
        .executableTarget(
            name: harness.name,
            dependencies: ["FuzzSupport"] + harness.libraries.map { .product(name: $0, package: "Trinocular") },
            path: "Sources/\(harness.name)")
    }
)
