import Foundation
import Geometry
import Interchange
import LinearAlgebra
import Reconstruction
import TestSupport
import Testing

@Suite struct PointCloudTests {
    @Test func threeViewLinearTriangulationIsExactOnExactPixels() throws {
        let rig = SyntheticFixtures.arcRig(scale: 0.5)
        for x in [SIMD3(0.0, 0, 1100), SIMD3(-80, 60, 1050), SIMD3(120, -90, 1200)] {
            let pixels = rig.cameras.map { $0.camera.project(x, camFromWorld: $0.camFromWorld)! }
            let solved = try #require(MultiViewRefinement.linear(rig.cameras, pixels))
            #expect(length(solved - x) < 1e-6, "\(solved) vs \(x)")
        }
    }

    @Test func smallestEigenpairOfAKnownMatrix() throws {
        // R diag(1, 4, 0.25) Rᵀ: smallest 0.25 along R's third column.
        let r = Rotation(rodrigues: SIMD3(0.3, -0.2, 0.5)).matrix
        let a = r * Matrix3x3.diagonal(SIMD3(1, 4, 0.25)) * r.transposed
        let (v, lambda) = try #require(SurfaceEstimation.smallestEigenpair(a))
        #expect(abs(lambda - 0.25) < 1e-12)
        #expect(abs(abs(dot(v, r.column2)) - 1) < 1e-12)
    }

    @Test func plyHoldsEveryPointBitForBit() throws {
        let positions: [SIMD3<Float>] = [SIMD3(1.5, -2.25, 1000.125), SIMD3(.pi, 0, -1)]
        let normals: [SIMD3<Float>] = [SIMD3(0, 0, -1), SIMD3(0.6, 0.8, 0)]
        let colors: [SIMD3<UInt8>] = [SIMD3(255, 128, 0), SIMD3(1, 2, 3)]
        let bytes = PLY.pointCloud(positions: positions, normals: normals, colors: colors, comments: ["two\npoints"])
        let text = String(decoding: bytes.prefix(400), as: UTF8.self)
        #expect(text.hasPrefix("ply\nformat binary_little_endian 1.0\ncomment two points\nelement vertex 2\n"))
        let body = Array(bytes[(bytes.count - 2 * 27)...])
        func float(_ o: Int) -> Float { Float(bitPattern: UInt32(body[o]) | UInt32(body[o + 1]) << 8 | UInt32(body[o + 2]) << 16 | UInt32(body[o + 3]) << 24) }
        #expect(float(0) == 1.5 && float(4) == -2.25 && float(8) == 1000.125 && float(20) == -1)
        #expect(float(27) == .pi && Array(body[24..<27]) == [255, 128, 0] && Array(body[51..<54]) == [1, 2, 3])
    }

    @Test func voxelsAverageTheirPoints() {
        var cloud = PointCloud()
        cloud.positions = [SIMD3(0.1, 0.1, 0.1), SIMD3(0.3, 0.3, 0.3), SIMD3(1.5, 0.1, 0.1)]
        cloud.normals = [SIMD3(0, 0, 1), SIMD3(0, 0, 1), SIMD3(1, 0, 0)]
        cloud.colors = [SIMD3(10, 10, 10), SIMD3(20, 20, 20), SIMD3(0, 0, 0)]
        cloud.views = [2, 3, 2]
        let down = cloud.voxelDownsampled(size: 1)
        #expect(down.count == 2)
        #expect(length(SIMD3<Double>(down.positions[0]) - SIMD3(0.2, 0.2, 0.2)) < 1e-6)
        #expect(down.colors[0] == SIMD3(15, 15, 15) && down.views[0] == 3)
        let near = cloud.within(0...1, of: .zero)
        #expect(near.count == 2)
    }
}
