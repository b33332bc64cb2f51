import Foundation
import Geometry
import LinearAlgebra

/// A point cloud in the rig's world frame: positions (mm), unit normals (pointing toward
/// the cameras that saw the point), 8-bit sRGB colours, and how many views agreed on each.
public struct PointCloud: Sendable {
    public var positions: [SIMD3<Float>] = []
    public var normals: [SIMD3<Float>] = []
    public var colors: [SIMD3<UInt8>] = []
    public var views: [UInt8] = []

    public init() {}

    public var count: Int { positions.count }
    public var isEmpty: Bool { positions.isEmpty }

    /// Room for `capacity` points in all, so that appending them does not copy.
    public mutating func reserve(_ capacity: Int) {
        positions.reserveCapacity(capacity); normals.reserveCapacity(capacity); colors.reserveCapacity(capacity); views.reserveCapacity(capacity)
    }

    public mutating func append(_ other: PointCloud) {
        positions += other.positions; normals += other.normals; colors += other.colors; views += other.views
    }

    /// The points for which `keep` is true.
    public func filtered(_ keep: (Int) -> Bool) -> PointCloud {
        var out = PointCloud()
        for i in 0..<count where keep(i) {
            out.positions.append(positions[i]); out.normals.append(normals[i]); out.colors.append(colors[i]); out.views.append(views[i])
        }
        return out
    }

    /// Points whose distance (mm) from `origin` lies in `range`: the working range.
    public func within(_ range: ClosedRange<Double>, of origin: SIMD3<Double>) -> PointCloud {
        let o = SIMD3<Float>(origin), lo = Float(range.lowerBound), hi = Float(range.upperBound)
        return filtered { i in
            let e = positions[i] - o
            let d = (e * e).sum().squareRoot()
            return d >= lo && d <= hi
        }
    }

    /// One point per occupied voxel of `size` mm (cubes aligned on the world origin): the
    /// mean position, the normalized mean normal, the mean colour, the most views.
    public func voxelDownsampled(size: Double) -> PointCloud {
        precondition(size > 0, "voxel size must be positive")
        struct Cell { var p = SIMD3<Double>.zero; var n = SIMD3<Double>.zero; var c = SIMD3<Double>.zero; var count = 0.0; var views: UInt8 = 0 }
        var cells: [SIMD3<Int32>: Int] = [:]
        var accumulated: [Cell] = []
        cells.reserveCapacity(count / 4)
        for i in 0..<count {
            let key = SIMD3<Int32>((SIMD3<Double>(positions[i]) / size).rounded(.down))
            let index: Int
            if let existing = cells[key] { index = existing } else { index = accumulated.count; cells[key] = index; accumulated.append(Cell()) }
            accumulated[index].p += SIMD3<Double>(positions[i])
            accumulated[index].n += SIMD3<Double>(normals[i])
            accumulated[index].c += SIMD3<Double>(colors[i])
            accumulated[index].count += 1
            accumulated[index].views = max(accumulated[index].views, views[i])
        }
        var out = PointCloud()
        for cell in accumulated {
            out.positions.append(SIMD3<Float>(cell.p / cell.count))
            let n = length(cell.n)
            out.normals.append(n > 0 ? SIMD3<Float>(cell.n / n) : .zero)
            out.colors.append(SIMD3<UInt8>((cell.c / cell.count).rounded(.toNearestOrAwayFromZero)))
            out.views.append(cell.views)
        }
        return out
    }

    /// Axis-aligned bounds (mm), nil for an empty cloud.
    public var bounds: (min: SIMD3<Float>, max: SIMD3<Float>)? {
        guard var lo = positions.first else { return nil }
        var hi = lo
        for p in positions { lo = pointwiseMin(lo, p); hi = pointwiseMax(hi, p) }
        return (lo, hi)
    }
}
