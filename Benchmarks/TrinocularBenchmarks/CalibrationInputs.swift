import Calibration
import Geometry
import Stereo
import Imaging
import Synthesis

/// Inputs of the calibration benchmarks, made on first use (globals outside the main file
/// are lazy), so that the other benchmarks' processes do not render them.
enum CalibrationInputs {
    static func spec(scale: Double, shared: Int, corners: Int) -> CalibrationSpec {
        var spec = CalibrationSpec()
        spec.rig.scale = scale
        spec.sharedViews = shared
        spec.cornerViewsPerCamera = corners
        spec.render.noiseSigma = 1.5
        spec.render.seed = 11
        return spec
    }

    /// One 2448×2048 view of the 9×6 board, as cam1 sees it.
    static let fullSizeView: Image<UInt8> = try! CalibrationSet(spec(scale: 1, shared: 1, corners: 0)).views[0].images["cam1"]!

    /// `fullSizeView` as the PNG file `synth calibration` writes.
    static let fullSizePNG: [UInt8] = try! PNG.encode(fullSizeView)

    static let objectPoints = BoardDefinition(innerColumns: 9, innerRows: 6, squareMm: 25).objectPoints

    /// The detected corners of issue #4's set (20 shared views, 8 corner views per camera),
    /// rendered at half size.
    static let observations: [CameraObservations] = {
        let set = try! CalibrationSet(spec(scale: 0.5, shared: 20, corners: 8))
        let detector = ChessboardDetector(innerColumns: 9, innerRows: 6)
        return set.rig.rig.cameras.map { camera in
            let views = set.views.compactMap { view -> BoardView? in
                guard let image = view.images[camera.id], case let .found(corners) = detector.detect(image) else { return nil }
                return BoardView(name: view.name, corners: corners)
            }
            return CameraObservations(id: camera.id, imageWidth: camera.camera.imageWidth, imageHeight: camera.camera.imageHeight, views: views)
        }
    }()
}

/// The first camera pair of `threeCameraRig()`, rectified, with a 5 MP gray picture.
enum RectificationInputs {
    static let pair: (StereoRectification, PinholeCamera) = {
        let rig = threeCameraRig()
        let cam2FromCam1 = rig[1].1 * rig[0].1.inverse
        return (StereoRectification(camera1: rig[0].0, camera2: rig[1].0, cam2FromCam1: cam2FromCam1), rig[1].0)
    }()
    static let map = RectificationMap(pair.0, camera: 2, original: pair.1)
    static let image: Image<Float> = {
        let picture = clinicalPicture().grayscale()
        return Image(width: picture.width, height: picture.height, layout: .gray, pixels: picture.pixels.map { Float($0) })
    }()
}
