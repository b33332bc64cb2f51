import Foundation
import Geometry
import Imaging
import Interchange
import Reconstruction

/// A quick, coarse reconstruction of a capture: the images reduced to about a quarter of a
/// megapixel, points only, over a range wider than the working range — where the subject
/// is, for `trinocular check` (its distance from the rig) and for comparing two visits'
/// poses. About a second for 3 × 5 MP on 2 cores.
public struct CapturePreview: Sendable {
    /// The points (mm, the rig's world frame) with their normals.
    public var cloud: PointCloud
    /// The capture's working range (mm, `capture.json` or the default) and the wider range
    /// the preview looked in (0.6 × near … 1.5 × far).
    public var workingRange: ClosedRange<Double>
    public var searchedRange: ClosedRange<Double>
    /// Each image was reduced by this factor.
    public var reduction: Int
    /// The points' depths along the rig's mean viewing direction from the midpoint of its
    /// cameras (`WorkingSlab`), sorted (mm).
    public var depths: [Double]
    /// The reduced cameras and their luminance images (0…255), in the rig's order.
    public var cameras: [RigCamera]
    public var images: [Image<Float>]

    /// The smallest image the preview reduces to: a quarter of a megapixel (the power-of-two
    /// reduction stops before the images would be smaller).
    public static let targetPixels = 250_000

    /// - Parameter images: the capture's photographs already read, in view order (or nil).
    /// - Throws: what reading the images throws (bad input); an empty preview is not an error.
    public static func run(_ capture: Capture, images: [Image<UInt8>]? = nil) throws -> CapturePreview {
        let range = capture.manifest?.workingRange.map { $0[0]...$0[1] } ?? ReconstructionOptions.defaultWorkingRange
        let searched = (0.6 * range.lowerBound)...(1.5 * range.upperBound)
        let smallest = capture.rig.cameras.map { $0.camera.imageWidth * $0.camera.imageHeight }.min() ?? 0
        var reduction = 1
        while reduction < 8, smallest / (4 * reduction * reduction) >= targetPixels { reduction *= 2 }
        var options = ReconstructionOptions()
        options.meshing = nil
        options.texture = false
        options.workingRange = searched
        options.reduction = reduction
        var cloud = PointCloud()
        let originals = try images ?? capture.readImages()
        let reduced = originals.map { $0.reduced(by: reduction).grayscale() }
        if capture.rig.cameras.count >= 2 { do {
            cloud = try Reconstructor.run(capture, images: originals, options: options).cloud
        } catch let error as ReconstructionError where error.badInput && error.file == capture.folder.path {
            // No surface found anywhere in the searched range: the preview is empty.
        } }
        let slab = WorkingSlab(cameras: capture.rig.cameras, depths: searched)
        let depths = cloud.positions.map { slab.depth(SIMD3<Double>($0)) }.sorted()
        return CapturePreview(cloud: cloud, workingRange: range, searchedRange: searched, reduction: reduction, depths: depths,
                              cameras: capture.rig.cameras.map { RigCamera(id: $0.id, camera: $0.camera.reduced(by: reduction), camFromWorld: $0.camFromWorld) },
                              images: reduced.map { Image(width: $0.width, height: $0.height, layout: .gray, pixels: $0.pixels.map(Float.init)) })
    }

    /// The depth below which a fraction `q` of the points lie (mm); nil without points.
    public func depth(quantile q: Double) -> Double? {
        depths.isEmpty ? nil : depths[min(depths.count - 1, max(0, Int(q * Double(depths.count))))]
    }

    /// The share of the points outside the working range.
    public var outsideWorkingRange: Double {
        depths.isEmpty ? 0 : Double(depths.filter { !workingRange.contains($0) }.count) / Double(depths.count)
    }
}
