import Foundation
import Interchange
import Surface

/// What `reconstruct` tells about a reconstruction: `reconstruction.json`
/// (`trinocular.reconstruction/1`; contract "Outputs of reconstruct", docs/formats.md), read
/// back by `measure`, `report` and the viewer. Lengths in mm, areas mm², times s.
public struct ReconstructionReport: Codable, Sendable {
    public struct CaptureSummary: Codable, Sendable {
        public var subject: String?
        public var session: String?
        public var region: String?
        public var cameras: [String]
    }

    public struct Bounds: Codable, Sendable {
        public var min: [Double]
        public var max: [Double]
    }

    /// One matched pair of cameras.
    public struct Pair: Codable, Sendable {
        public struct Rectification: Codable, Sendable {
            public var R1: [Double], R2: [Double], P1: [Double], P2: [Double]
        }
        public var cameras: [String]
        public var disparityRangePx: [Int]
        /// --save-disparities: disparity = PNG value / 16 + this (px); 0 = none.
        public var disparityPngOffsetPx: Int
        public var rectification: Rectification
        public var pyramidLevels: Int
        public var matchedPixels: Int
        public var matchedFraction: Double
        public var points: Int
        public var threeViewPoints: Int
        public var threeViewRejected: Int
        @Null public var threeViewRmsPx: Double?
        public var outliersRemoved: Int
        public var duplicatesMerged: Int
        public var conflictsRemoved: Int
        public var seconds: Timings
    }

    /// A patch no camera saw, spanned by a membrane.
    public struct UnseenArea: Codable, Sendable {
        public var areaMm2: Double
        public var perimeterMm: Double
        public var centreMm: [Double]
    }

    public struct HoleLeft: Codable, Sendable {
        public var edges: Int
        public var perimeterMm: Double
    }

    public struct Smoothing: Codable, Sendable {
        public var maximumDisplacementMm: Double
        public var rmsDisplacementMm: Double
        public var volumeRestored: Bool
    }

    public struct Decimation: Codable, Sendable {
        public var facesBefore: Int
        public var facesAfter: Int
        public var maximumErrorMm: Double
        public var stoppedByErrorBound: Bool
    }

    public struct Texture: Codable, Sendable {
        public var cameras: [String]
        public var files: [String]
    }

    /// The mesh: what was made and how, area, and a volume only when closed.
    public struct Mesh: Codable, Sendable {
        public var method: String
        public var spacingMm: Double
        public var supportRadiusMm: Double
        public var vertices: Int
        public var faces: Int
        public var closed: Bool
        public var closedCheck: String
        public var boundaryEdges: Int
        public var areaMm2: Double
        @Null public var volumeMm3: Double?
        @Null public var volumeRefused: String?
        public var componentsRemoved: Int
        public var degenerateFacesRemoved: Int
        public var nonManifoldFacesRemoved: Int
        public var holesFilled: Int
        /// Surface no camera saw, spanned by membranes, and each such patch, largest first.
        public var unseenAreaMm2: Double
        public var unseenAreas: [UnseenArea]
        public var holesLeft: [HoleLeft]
        @Null public var smoothing: Smoothing?
        @Null public var decimation: Decimation?
        @Null public var texture: Texture?
        /// Meshing's own stages (signed distance, marching tetrahedra, cleanup,
        /// simplification, topology check); texturing is timed apart. Nil when read from a
        /// report written before it was recorded.
        @Null public var seconds: Timings?
    }

    public var format = "trinocular.reconstruction/1"
    public var tool: String
    public var units = "mm"
    public var capture: CaptureSummary
    public var workingRangeMm: [Double]
    public var points: Int
    public var threeViewPoints: Int
    @Null public var voxelMm: Double?
    public var outsideWorkingRange: Int
    @Null public var boundsMm: Bounds?
    public var pairs: [Pair]
    @Null public var mesh: Mesh?
    public var seconds: Timings
    public var warnings: [String]
}

extension ReconstructionReport {
    /// The report of `result`, made from `capture` in `seconds` (wall time, all stages).
    public init(_ result: ReconstructionResult, capture: Capture, seconds: Double, voxel: Double?) {
        func round(_ x: Double, _ places: Double) -> Double { (x * places).rounded() / places }
        let m = capture.manifest
        self.init(tool: "Trinocular \(TrinocularVersion.string)",
                  capture: CaptureSummary(subject: m?.subject, session: m?.session, region: m?.region, cameras: capture.rig.cameras.map(\.id)),
                  workingRangeMm: [result.workingRange.lowerBound, result.workingRange.upperBound],
                  points: result.cloud.count, threeViewPoints: result.cloud.views.lazy.filter { $0 >= 3 }.count,
                  voxelMm: voxel, outsideWorkingRange: result.outsideWorkingRange,
                  boundsMm: result.cloud.bounds.map { b in
                      Bounds(min: [Double(b.min.x), Double(b.min.y), Double(b.min.z)], max: [Double(b.max.x), Double(b.max.y), Double(b.max.z)])
                  },
                  pairs: result.pairs.map { p in
                      let r = p.rectification
                      return Pair(cameras: p.cameras, disparityRangePx: [p.disparityRange.lowerBound, p.disparityRange.upperBound],
                                  disparityPngOffsetPx: p.disparityRange.lowerBound - 1,
                                  rectification: Pair.Rectification(R1: r.rectified1FromCam1.matrix.rowMajor, R2: r.rectified2FromCam2.matrix.rowMajor,
                                                                    P1: r.projection1, P2: r.projection2),
                                  pyramidLevels: p.pyramidLevels, matchedPixels: p.matchedPixels, matchedFraction: round(p.density, 10000),
                                  points: p.points, threeViewPoints: p.threeView, threeViewRejected: p.threeViewRejected,
                                  threeViewRmsPx: p.threeViewRMS.map { round($0, 10000) }, outliersRemoved: p.outliers,
                                  duplicatesMerged: p.duplicates, conflictsRemoved: p.conflicts, seconds: Timings(p.seconds))
                  },
                  mesh: Self.mesh(result),
                  seconds: Timings(result.seconds + [("total", seconds)]), warnings: result.warnings)
    }

    static func mesh(_ r: ReconstructionResult) -> Mesh? {
        guard let mesh = r.mesh, let m = r.meshing else { return nil }
        func round(_ x: Double, _ places: Double = 1000) -> Double { (x * places).rounded() / places }
        var volume: Double?, refused: String?
        do { volume = round(try mesh.volume()) } catch let e as VolumeRefused { refused = e.description } catch {}
        let t = m.topology
        return Mesh(method: "signed distance from the points' tangent planes on a sparse grid, zero level by marching tetrahedra",
                    spacingMm: m.spacing, supportRadiusMm: m.supportRadius, vertices: mesh.vertices.count, faces: mesh.faces.count,
                    closed: t.isClosed, closedCheck: MeshTopology.method, boundaryEdges: t.boundaryEdges, areaMm2: round(mesh.area),
                    volumeMm3: volume, volumeRefused: refused, componentsRemoved: m.componentsRemoved,
                    degenerateFacesRemoved: m.degenerateFacesRemoved, nonManifoldFacesRemoved: m.nonManifoldFacesRemoved,
                    holesFilled: m.holes.filled.count, unseenAreaMm2: round(m.holes.filled.reduce(0) { $0 + $1.area }),
                    unseenAreas: m.holes.filled.sorted { $0.area > $1.area }.prefix(500).map { hole in
                        UnseenArea(areaMm2: round(hole.area, 100), perimeterMm: round(hole.perimeter, 100),
                                   centreMm: [round(hole.centre.x, 10), round(hole.centre.y, 10), round(hole.centre.z, 10)])
                    },
                    holesLeft: m.holes.left.sorted { $0.perimeter > $1.perimeter }.prefix(50).map { HoleLeft(edges: $0.edges, perimeterMm: round($0.perimeter, 100)) },
                    smoothing: m.smoothing.map { Smoothing(maximumDisplacementMm: round($0.maximumDisplacement, 10000), rmsDisplacementMm: round($0.rmsDisplacement, 10000), volumeRestored: $0.volume != nil) },
                    decimation: m.decimation.map { Decimation(facesBefore: $0.facesBefore, facesAfter: $0.facesAfter, maximumErrorMm: round($0.maximumError, 10000), stoppedByErrorBound: $0.stoppedByError) },
                    texture: r.atlas.map { Texture(cameras: $0.materials, files: $0.textureFiles) },
                    seconds: Timings(m.seconds))
    }
}
