import Geometry
import Imaging
import Reconstruction
import Stereo
import Synthesis

/// A rectified 5 MP pair (cam0–cam1 of the sample rig's arc, the mounds scene, noise σ 1.5)
/// and the disparity range its working range implies, made on first use.
enum StereoInputs {
    static let pair: (left: Image<Float>, right: Image<Float>, range: ClosedRange<Int>) = {
        var spec = CaptureSpec(scene: .mounds)
        spec.render.noiseSigma = 1.5
        let capture = try! SyntheticCapture(spec)
        let rig = capture.rig.rig
        let pair = StereoPair(rig: rig, 0, 1)
        func gray(_ k: Int) -> Image<Float> {
            let g = capture.views[k].image.grayscale()
            return Image(width: g.width, height: g.height, layout: .gray, pixels: g.pixels.map { Float($0) })
        }
        let near = spec.rig.subjectDistance - 400, far = spec.rig.subjectDistance + 200
        return (pair.leftMap.remap(gray(pair.left)), pair.rightMap.remap(gray(pair.right)), pair.disparityRange(rig: rig, depths: near...far)!)
    }()
}
