import Foundation
import Pipeline
import Reconstruction
import TestSupport
import Testing

/// Issue #5's real capture: Middlebury "dinoSparseRing" views 5–7 (an untextured white
/// dinosaur on black, 23.5° apart on a ring; data README). Few points are acceptable there,
/// wrong ones are not: ≥ 95 % must lie inside the object's box (3 mm allowed around it).
@Suite(.enabled(if: accuracyRun, "runs in release mode: TRINOCULAR_ACCURACY=1 swift test -c release"))
struct DinoTests {
    /// The box's corners in the first camera's frame (mm), from shared/data/README.md.
    static let corners: [SIMD3<Double>] = [
        SIMD3(-14.21, 14.99, 712.19), SIMD3(-27.71, -48.97, 678.93), SIMD3(68.38, 11.84, 684.70), SIMD3(54.88, -52.12, 651.45),
        SIMD3(-33.04, 50.52, 651.51), SIMD3(-46.55, -13.44, 618.25), SIMD3(49.55, 47.37, 624.03), SIMD3(36.04, -16.59, 590.77),
    ]

    @Test func pointsLieInsideTheObjectsBox() throws {
        let capture = try Capture(folder: TestPaths.shared("middlebury-dino"))
        let result = try Reconstructor.run(capture)
        // The box: corner 0 and its edges to corners 1, 2 and 4 (orthogonal to 1e-2).
        let o = Self.corners[0]
        let edges = [Self.corners[1] - o, Self.corners[2] - o, Self.corners[4] - o]
        let margin = 3.0
        var inside = 0
        for p in result.cloud.positions {
            let v = SIMD3<Double>(p) - o
            if edges.allSatisfy({ e in
                let l = (e * e).sum().squareRoot(), s = (v * e).sum() / l
                return s >= -margin && s <= l + margin
            }) { inside += 1 }
        }
        let fraction = Double(inside) / Double(max(result.cloud.count, 1))
        if ProcessInfo.processInfo.environment["TRINOCULAR_FIGURES"] != nil {
            print(String(format: "FIGURE dino: %d points, %.2f %% inside the box (±3 mm)", result.cloud.count, 100 * fraction))
        }
        // Measured: 5,508 points, 98.9 % inside (1,049 and 97.1 % before weak texture's
        // windows grew only while they correlated better and rivals had to be peaks).
        #expect(result.cloud.count >= 4000, "\(result.cloud.count) points")
        #expect(fraction >= 0.95)
    }
}
