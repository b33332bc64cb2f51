// swift-tools-version: 6.1
// Trinocular: clinical 3D stereophotogrammetry on a CPU, in millimetres.
import PackageDescription

/// The hot loops (matching, refinement, chessboard detection) work in SIMD8/SIMD16 lanes;
/// on x86-64 they are compiled for AVX2 and FMA (Haswell: every x86 server since ~2015),
/// so that those lanes are 256 bits wide, not SSE2's 128.
#if arch(x86_64)
let vectorUnits: [SwiftSetting] = [.unsafeFlags(["-target-cpu", "haswell"])]
#else
let vectorUnits: [SwiftSetting] = []
#endif

let package = Package(
    name: "Trinocular",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "trinocular", targets: ["TrinocularCLI"]),
        .library(name: "LinearAlgebra", targets: ["LinearAlgebra"]),
        .library(name: "Geometry", targets: ["Geometry"]),
        .library(name: "Parallelism", targets: ["Parallelism"]),
        .library(name: "Imaging", targets: ["Imaging"]),
        .library(name: "Interchange", targets: ["Interchange"]),
        .library(name: "Pipeline", targets: ["Pipeline"]),
        .library(name: "Synthesis", targets: ["Synthesis"]),
        .library(name: "Calibration", targets: ["Calibration"]),
        .library(name: "Stereo", targets: ["Stereo"]),
        .library(name: "Reconstruction", targets: ["Reconstruction"]),
        .library(name: "Surface", targets: ["Surface"]),
        .library(name: "Metrology", targets: ["Metrology"]),
        .library(name: "Rendering", targets: ["Rendering"]),
        .library(name: "Viewer", targets: ["Viewer"]),
        .library(name: "Reporting", targets: ["Reporting"]),
        .library(name: "Standards", targets: ["Standards"]),
        .library(name: "Safekeeping", targets: ["Safekeeping"]),
        .library(name: "Studies", targets: ["Studies"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.0.0"),
        // The viewer's loopback HTTP server (issue 20): small, Swift concurrency, no SwiftNIO.
        .package(url: "https://github.com/swhitty/FlyingFox", from: "0.27.1"),
        .package(url: "https://github.com/ordo-one/package-benchmark", from: "1.38.0",
                 traits: ["MallocInterposer"]),
    ],
    targets: [
        // Native libraries, each imported by exactly one Swift module.
        .systemLibrary(
            name: "CLAPACK", path: "Sources/CLAPACK",
            providers: [.apt(["liblapacke-dev", "libopenblas-dev"])]),
        .systemLibrary(
            name: "CJPEG", path: "Sources/CJPEG", pkgConfig: "libturbojpeg",
            providers: [.apt(["libturbojpeg0-dev"])]),
        .systemLibrary(
            name: "CPNG", path: "Sources/CPNG", pkgConfig: "libpng",
            providers: [.apt(["libpng-dev"])]),
        // Whole-buffer inflate and CRC-32 for the common PNG's fast path (issue 22).
        .systemLibrary(
            name: "CDeflate", path: "Sources/CDeflate", pkgConfig: "libdeflate",
            providers: [.apt(["libdeflate-dev"])]),

        // Foundations: numbers, cameras, pixels.
        .target(name: "LinearAlgebra", dependencies: ["CLAPACK"]),
        // The hot loops' threads, with a width batch work narrows.
        .target(name: "Parallelism"),
        .target(name: "Interchange"),
        .target(name: "Geometry", dependencies: ["LinearAlgebra", "Interchange"]),
        .target(name: "Imaging", dependencies: ["CDeflate", "CJPEG", "CPNG", "Interchange"], swiftSettings: vectorUnits),

        // Runs the stages in order; shared by the CLI and batch work.
        .target(name: "Calibration", dependencies: ["Geometry", "LinearAlgebra", "Imaging", "Interchange", "Parallelism"], swiftSettings: vectorUnits),
        .target(name: "Stereo", dependencies: ["Geometry", "LinearAlgebra", "Imaging", "Interchange", "Parallelism"], swiftSettings: vectorUnits),
        .target(name: "Reconstruction", dependencies: ["Stereo", "Geometry", "LinearAlgebra", "Imaging", "Interchange", "Parallelism"], swiftSettings: vectorUnits),
        // Meshes: topology, area, volume (issue 6).
        .target(name: "Surface", dependencies: ["Interchange", "Parallelism"], swiftSettings: vectorUnits),
        // Measurements on meshes: sections, landmarks, geodesics, regions (issue 7).
        .target(name: "Metrology", dependencies: ["Surface", "Geometry", "Interchange", "LinearAlgebra", "Parallelism"]),
        .target(name: "Synthesis", dependencies: ["Geometry", "Imaging", "Interchange", "LinearAlgebra", "Parallelism"]),
        // Pictures of meshes: a software rasterizer and the protocols' standard views (issue 20).
        .target(name: "Rendering", dependencies: ["Geometry", "Imaging", "LinearAlgebra", "Parallelism", "Surface"]),
        // One case as one HTML file: renders, figures, measurements, comparison, provenance (issue 20).
        .target(name: "Reporting", dependencies: ["Geometry", "Imaging", "Interchange", "Pipeline", "Rendering", "Standards", "Surface"]),
        // Capture standards: the clinical protocols and the checks against them (issue 21).
        .target(name: "Standards", dependencies: ["Imaging", "Interchange"]),
        // A browser viewer on loopback: the mesh, its colours, landmarks placed by clicking (issue 20).
        .target(name: "Viewer", dependencies: [
            "Geometry", "Interchange", "LinearAlgebra", "Metrology", "Rendering", "Surface",
            .product(name: "FlyingFox", package: "FlyingFox"),
        ]),
        // Patient data at rest: sealed archives, the audit log, de-identification (issue 8).
        .target(name: "Safekeeping", dependencies: [
            "Interchange", "Parallelism",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "CryptoExtras", package: "swift-crypto"),
        ]),
        // Batch work over studies: the results store (SQLite through GRDB), reliability (issue 9).
        .target(name: "Studies", dependencies: [
            "Interchange",
            .product(name: "GRDB", package: "GRDB.swift"),
        ]),
        .target(name: "Pipeline", dependencies: ["Geometry", "Imaging", "Interchange", "LinearAlgebra", "Metrology", "Parallelism", "Standards", "Stereo", "Reconstruction", "Surface"]),

        .executableTarget(
            name: "TrinocularCLI",
            dependencies: [
                "Pipeline", "Parallelism", "Synthesis", "Calibration", "LinearAlgebra", "Stereo", "Reconstruction", "Interchange", "Imaging", "Surface", "Metrology", "Geometry", "Safekeeping", "Studies", "Rendering", "Reporting", "Standards", "Viewer",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // Tests mirror the modules; TestSupport holds shared helpers and data paths.
        .target(name: "TestSupport", dependencies: ["Geometry", "Imaging", "Synthesis", "LinearAlgebra", "Surface"], path: "Tests/TestSupport"),
        .testTarget(name: "LinearAlgebraTests", dependencies: ["LinearAlgebra", "TestSupport"]),
        .testTarget(name: "ParallelismTests", dependencies: ["Parallelism"]),
        .testTarget(name: "InterchangeTests", dependencies: ["Interchange", "TestSupport"]),
        .testTarget(name: "GeometryTests", dependencies: ["Geometry", "TestSupport"]),
        .testTarget(name: "ImagingTests", dependencies: ["Imaging", "TestSupport"]),
        .testTarget(name: "PipelineTests", dependencies: ["Pipeline", "Parallelism", "Geometry", "LinearAlgebra", "Surface", "Synthesis", "TestSupport"]),
        .testTarget(name: "CalibrationTests", dependencies: ["Calibration", "Synthesis", "TestSupport"]),
        // Full-size (5 MP) accuracy checks: run in release mode by scripts/test
        // (TRINOCULAR_ACCURACY=1); skipped in the debug run.
        .testTarget(name: "AccuracyTests", dependencies: ["Calibration", "Stereo", "Synthesis", "Pipeline", "Reconstruction", "Surface", "Metrology", "Geometry", "LinearAlgebra", "TestSupport"]),
        .testTarget(name: "StereoTests", dependencies: ["Stereo", "TestSupport"]),
        .testTarget(name: "ReconstructionTests", dependencies: ["Reconstruction", "Interchange", "TestSupport"]),
        .testTarget(name: "SurfaceTests", dependencies: ["Surface", "TestSupport"]),
        .testTarget(name: "RenderingTests", dependencies: ["Rendering", "Surface", "Geometry", "LinearAlgebra", "Imaging", "Synthesis", "Pipeline", "TestSupport"]),
        .testTarget(name: "MetrologyTests", dependencies: ["Metrology", "Surface", "Geometry", "LinearAlgebra", "Synthesis", "TestSupport"]),
        .testTarget(name: "SafekeepingTests", dependencies: ["Safekeeping", "Interchange", "TestSupport"]),
        .testTarget(name: "StudiesTests", dependencies: ["Studies", "TestSupport"]),
        .testTarget(name: "SynthesisTests", dependencies: ["Synthesis", "Pipeline", "TestSupport"]),
        .testTarget(name: "StandardsTests", dependencies: ["Standards", "Imaging", "Interchange", "Synthesis", "TestSupport"]),
        .testTarget(
            name: "TrinocularCLITests",
            dependencies: ["TrinocularCLI", "Imaging", "Interchange", "Geometry", "LinearAlgebra", "Rendering", "Surface", "Synthesis", "TestSupport"]),

        // Speed is measured here, not in tests: `swift package benchmark`.
        .executableTarget(
            name: "TrinocularBenchmarks",
            dependencies: [
                "Calibration", "Geometry", "Imaging", "LinearAlgebra", "Metrology", "Parallelism", "Pipeline", "Reconstruction", "Rendering", "Reporting", "Safekeeping", "Standards", "Stereo", "Surface", "Synthesis",
                .product(name: "Benchmark", package: "package-benchmark"),
            ],
            path: "Benchmarks/TrinocularBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "package-benchmark")]),
    ]
)
