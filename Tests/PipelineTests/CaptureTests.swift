import Foundation
import Geometry
import Imaging
import Pipeline
import TestSupport
import Testing

@Suite struct CaptureTests {
    static func folder() throws -> URL { try TestPaths.temporaryFolder("capture") }

    @Test func goodFolderMatchesEveryCamera() throws {
        let dir = try CaptureFixture.make(in: Self.folder(), manifest: #"{"format": "trinocular.capture/1", "subject": "S-0042", "session": "pre", "region": "face", "consent": "clinical", "workingRange": [450, 800]}"#)
        defer { try? FileManager.default.removeItem(at: dir) }
        let capture = try Capture(folder: dir)
        #expect(capture.views.map(\.cameraID) == CaptureFixture.cameraIDs)
        #expect(capture.views.map { $0.file.lastPathComponent } == ["cam0.png", "cam1.jpg", "cam2.png"])
        #expect(capture.views[1].info.format == .jpeg)
        #expect(capture.rigSource == .folder(dir.appendingPathComponent("rig.json")))
        #expect(capture.manifest?.session == "pre" && capture.manifest?.workingRange == [450, 800])
        #expect(capture.manifest?.consent == ["clinical"])
        #expect(capture.warnings.isEmpty)
        // The fixture's rig: 15° convergence, target at 600 mm → baseline 2·600·sin(7.5°).
        let baseline = try #require(capture.rig.baseline("cam0", "cam1"))
        #expect(abs(baseline - 2 * 600 * sin(7.5 * .pi / 180)) <= 1e-9)
    }

    @Test func middleburyDinoCaptureOpens() throws {
        let capture = try Capture(folder: TestPaths.shared("middlebury-dino"))
        #expect(capture.views.count == 3)
        #expect(capture.manifest?.workingRange == [500, 760])
    }

    static func problems(_ dir: URL, rigURL: URL? = nil) -> [CaptureError] {
        do {
            _ = try Capture(folder: dir, rigURL: rigURL)
            return []
        } catch let e as CaptureError {
            return [e]
        } catch let e as CaptureProblems {
            return e.problems
        } catch {
            return [CaptureError(file: "?", problem: "unexpected \(type(of: error)): \(error)")]
        }
    }

    @Test func missingImageNamesTheCamera() throws {
        let dir = try CaptureFixture.make(in: Self.folder())
        defer { try? FileManager.default.removeItem(at: dir) }
        try FileManager.default.removeItem(at: dir.appendingPathComponent("cam1.jpg"))
        let p = Self.problems(dir)
        #expect(p.count == 1)
        #expect(p.first?.problem.contains("missing image for camera 'cam1'") == true)
    }

    @Test func extraDuplicateAndMisSizedImagesAreAllReported() throws {
        let dir = try CaptureFixture.make(in: Self.folder())
        defer { try? FileManager.default.removeItem(at: dir) }
        try ImageFile.write(CaptureFixture.image(), to: dir.appendingPathComponent("cam3.png"))           // extra
        try ImageFile.write(CaptureFixture.image(), to: dir.appendingPathComponent("cam0.jpeg"))          // duplicate
        try ImageFile.write(CaptureFixture.image(width: 48, height: 64), to: dir.appendingPathComponent("cam2.png"))  // rotated
        let p = Self.problems(dir)
        #expect(p.count == 3)
        #expect(p.contains { $0.file.hasSuffix("cam3.png") && $0.problem.contains("rig does not have") })
        #expect(p.contains { $0.problem.contains("camera 'cam0' has 2 images") })
        #expect(p.contains { $0.file.hasSuffix("cam2.png") && $0.problem.contains("48×64") && $0.problem.contains("turned by 90°") })
    }

    @Test func wrongSizeSuggestsAWrongRig() throws {
        let dir = try CaptureFixture.make(in: Self.folder())
        defer { try? FileManager.default.removeItem(at: dir) }
        try ImageFile.write(CaptureFixture.image(width: 100, height: 48), to: dir.appendingPathComponent("cam0.png"))
        let p = Self.problems(dir)
        #expect(p.count == 1 && p[0].problem.contains("is this the rig"))
    }

    @Test func corruptImageIsNamed() throws {
        let dir = try CaptureFixture.make(in: Self.folder())
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = dir.appendingPathComponent("cam1.jpg")
        try Data("not really a jpeg".utf8).write(to: url)
        let p = Self.problems(dir)
        #expect(p.count == 1 && p[0].file == url.path && p[0].problem.contains("not a JPEG or PNG"))
    }

    @Test func rigComesFromOptionThenFolderThenManifest() throws {
        let dir = try CaptureFixture.make(in: Self.folder(), writeRig: false, manifest: #"{"rig": "../shared-rig.json"}"#)
        defer { try? FileManager.default.removeItem(at: dir); try? FileManager.default.removeItem(at: dir.deletingLastPathComponent().appendingPathComponent("shared-rig.json")) }
        // No rig anywhere yet: the error says where one may come from.
        #expect(Self.problems(dir).first?.problem.contains("rig file does not exist") == true)
        let shared = dir.deletingLastPathComponent().appendingPathComponent("shared-rig.json")
        try CaptureFixture.rig().write(to: shared)
        #expect(try Capture(folder: dir).rigSource == .manifest(shared.standardizedFileURL))
        try CaptureFixture.rig().write(to: dir.appendingPathComponent("rig.json"))
        #expect(try Capture(folder: dir).rigSource == .folder(dir.appendingPathComponent("rig.json")))
        let explicit = try Capture(folder: dir, rigURL: shared)
        #expect(explicit.rigSource == .option(shared))
        #expect(explicit.warnings.contains { $0.contains("rig.json is ignored") })
    }

    @Test func noRigAtAll() throws {
        let dir = try CaptureFixture.make(in: Self.folder(), writeRig: false)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(Self.problems(dir).first?.problem.contains("no rig") == true)
    }

    @Test func rigThatDoesNotMatchTheImages() throws {
        let dir = try CaptureFixture.make(in: Self.folder())
        defer { try? FileManager.default.removeItem(at: dir) }
        // The dino rig: other camera ids and 640×480 images.
        let p = Self.problems(dir, rigURL: TestPaths.shared("middlebury-dino/rig.json"))
        #expect(p.count == 6)  // three cameras without images, three images without cameras
        #expect(p.filter { $0.problem.contains("missing image for camera 'view0") }.count == 3)
    }

    @Test(arguments: [
        (#"{"format": "trinocular.capture/2"}"#, "format"),
        (#"{"workingRange": [800, 400]}"#, "workingRange"),
        (#"{"consent": "yes"}"#, "consent"),
        (#"{"consent": ["clinical", "ads"]}"#, "consent"),
        (#"{"session": 3}"#, "session"),
        (#"{"subject": "#, "not a valid capture.json"),
    ])
    func badManifestIsNamed(json: String, expected: String) throws {
        let dir = try CaptureFixture.make(in: Self.folder(), manifest: json)
        defer { try? FileManager.default.removeItem(at: dir) }
        let p = Self.problems(dir)
        #expect(p.count == 1)
        #expect(p.first?.file.hasSuffix("capture.json") == true)
        #expect(p.first?.problem.contains(expected) == true, "\(p)")
    }

    @Test func folderThatIsNotAFolder() throws {
        #expect(Self.problems(URL(fileURLWithPath: "/nonexistent-capture")).first?.problem.contains("no such capture folder") == true)
        let file = TestPaths.shared("middlebury-dino/rig.json")
        #expect(Self.problems(file).first?.problem.contains("is a file") == true)
    }
}

/// consent: a list names the uses exactly; one word names the widest, covering the narrower.
@Test func consentAsAWordOrAList() throws {
    let root = try TestPaths.temporaryFolder("consent")
    defer { try? FileManager.default.removeItem(at: root) }
    let url = root.appendingPathComponent("capture.json")
    for (text, uses) in [(#"{"consent": "education"}"#, ["clinical", "education"]),
                         (#"{"consent": "publication"}"#, ["clinical", "education", "publication"]),
                         (#"{"consent": ["clinical", "publication"]}"#, ["clinical", "publication"])] {
        try Data(text.utf8).write(to: url)
        #expect(try CaptureManifest(contentsOf: url).consent == uses)
    }
}
