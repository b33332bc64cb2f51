import Foundation
import Geometry
import Interchange
import LinearAlgebra
import TestSupport
import Testing

@Suite struct RigFileTests {
    static let contractExample = """
        {
          "format": "trinocular.rig/1",
          "units": "mm",
          "cameras": [
            {
              "id": "cam0",
              "imageSize": [2448, 2048],
              "intrinsics": {"fx": 4100.0, "fy": 4100.0, "cx": 1223.5, "cy": 1023.5},
              "distortion": [-0.08, 0.12, 0.0, 0.0, 0.0],
              "R": [1, 0, 0, 0, 1, 0, 0, 0, 1],
              "t": [0, 0, 0],
              "futureKey": {"ignored": true}
            },
            {
              "id": "cam_1-b",
              "imageSize": [2448, 2048],
              "intrinsics": {"fx": 4090.0, "fy": 4091.0, "cx": 1220.0, "cy": 1030.0},
              "distortion": [-0.07, 0.1],
              "R": [0.9659258262890683, 0, -0.25881904510252074, 0, 1, 0, 0.25881904510252074, 0, 0.9659258262890683],
              "t": [-120.0, 0.5, 12.0]
            }
          ],
          "calibration": {"rmsReprojectionPx": 0.21, "views": 24, "board": "checkerboard 9x6 25mm"}
        }
        """

    @Test func readsTheContractExample() throws {
        let rig = try Rig(json: Data(Self.contractExample.utf8))
        #expect(rig.cameras.map(\.id) == ["cam0", "cam_1-b"])
        let c1 = try #require(rig.camera(id: "cam_1-b"))
        #expect(c1.camera.imageWidth == 2448 && c1.camera.imageHeight == 2048)
        #expect(c1.camera.intrinsics == Intrinsics(fx: 4090, fy: 4091, cx: 1220, cy: 1030))
        #expect(c1.camera.distortion == Distortion(k1: -0.07, k2: 0.1))  // short lists pad with zeros
        #expect(c1.camFromWorld.translation == SIMD3(-120, 0.5, 12))
        #expect(abs(c1.camFromWorld.rotation.angle - 15 * .pi / 180) <= 1e-12)
        #expect(rig.calibration?["rmsReprojectionPx"]?.number == 0.21)
        // Centre of cam_1-b in the world (= cam0) frame: C = −Rᵀt.
        let centre = c1.centre
        let expected = -(c1.camFromWorld.rotation.matrix.transposed * SIMD3(-120, 0.5, 12))
        #expect(length(centre - expected) <= 1e-12)
        #expect(isApproximatelyEqual(rig.baseline("cam0", "cam_1-b")!, length(expected), relative: 1e-15))
    }

    @Test func writesAndReadsBackExactly() throws {
        let rig = try Rig(json: Data(Self.contractExample.utf8))
        let folder = try TestPaths.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("rig.json")
        try rig.write(to: url)
        let again = try Rig(contentsOf: url)
        #expect(again == rig)
        // Keys come out in the contract's order.
        let text = try String(contentsOf: url, encoding: .utf8)
        let order = ["\"format\"", "\"units\"", "\"cameras\"", "\"id\"", "\"imageSize\"", "\"intrinsics\"",
                     "\"distortion\"", "\"R\"", "\"t\"", "\"calibration\""].map { text.range(of: $0)!.lowerBound }
        #expect(order == order.sorted())
        #expect(!text.contains("futureKey"))
    }

    @Test func readsTheMiddleburyRig() throws {
        let rig = try Rig(contentsOf: TestPaths.shared("middlebury-dino/rig.json"))
        #expect(rig.cameras.count == 3)
        #expect(rig.cameras.allSatisfy { $0.camera.imageWidth == 640 && $0.camera.imageHeight == 480 })
        // Views 23.5° apart on a ring.
        let angle = rig.relativePose(from: "view05", to: "view06")!.rotation.angle * 180 / .pi
        #expect(abs(angle - 23.5) < 0.5)
    }

    static func mutated(_ edit: (inout String) -> Void) -> Data {
        var s = contractExample
        edit(&s)
        return Data(s.utf8)
    }

    @Test(arguments: [
        ("\"format\": \"trinocular.rig/1\"", "\"format\": \"trinocular.rig/9\"", "format"),
        ("\"units\": \"mm\"", "\"units\": \"m\"", "units"),
        ("\"fx\": 4100.0,", "", "cameras[0].intrinsics.fx: is missing"),
        ("\"fx\": 4090.0", "\"fx\": -4090.0", "cameras[1].intrinsics"),
        ("\"id\": \"cam_1-b\"", "\"id\": \"cam0\"", "appears twice"),
        ("\"id\": \"cam_1-b\"", "\"id\": \"Mrs Smith\"", "not a camera id"),
        ("\"imageSize\": [2448, 2048],\n      \"intrinsics\": {\"fx\": 4090", "\"imageSize\": [40000, 20000],\n      \"intrinsics\": {\"fx\": 4090", "megapixel"),
        ("\"imageSize\": [2448, 2048],\n      \"intrinsics\": {\"fx\": 4090", "\"imageSize\": [2448.5, 2048],\n      \"intrinsics\": {\"fx\": 4090", "whole numbers"),
        ("\"R\": [1, 0, 0, 0, 1, 0, 0, 0, 1]", "\"R\": [1, 0, 0, 0, 1, 0, 0, 0, -1]", "not a rotation"),
        ("\"R\": [1, 0, 0, 0, 1, 0, 0, 0, 1]", "\"R\": [1, 0, 0, 0, 1, 0, 0, 0]", "must hold 9 numbers"),
        ("\"t\": [0, 0, 0]", "\"t\": [0, \"0\", 0]", "cameras[0].t[1]: must be a number"),
        ("\"distortion\": [-0.08, 0.12, 0.0, 0.0, 0.0]", "\"distortion\": [-0.08, 0.12, 0.0, 0.0, 0.0, 0.1]", "5 coefficients"),
        ("\"cameras\": [", "\"cameras\": [], \"x\": [", "is empty"),
        ("{\n  \"format\"", "{{\n  \"format\"", "not valid JSON"),
    ])
    func badRigFilesNameTheProblem(from: String, to: String, expected: String) {
        let data = Self.mutated { $0 = $0.replacingOccurrences(of: from, with: to) }
        #expect(String(decoding: data, as: UTF8.self) != Self.contractExample, "the edit did not apply: \(from)")
        do {
            _ = try Rig(json: data, file: "/captures/x/rig.json")
            Issue.record("expected an error containing \(expected)")
        } catch let error as RigFileError {
            #expect(error.description.hasPrefix("/captures/x/rig.json:"))
            #expect(error.description.contains(expected), "\(error)")
        } catch {
            Issue.record("unexpected error type \(error)")
        }
    }

    @Test func missingFileIsNamed() {
        #expect(throws: RigFileError.self) { try Rig(contentsOf: URL(fileURLWithPath: "/nonexistent/rig.json")) }
    }
}

@Suite struct RigidTransformTests {
    @Test func inverseAndComposition() {
        let a = RigidTransform(rodrigues: SIMD3(0.2, -0.1, 0.4), translation: SIMD3(10, -5, 300))
        let b = RigidTransform(rodrigues: SIMD3(-0.3, 0.5, 0.0), translation: SIMD3(-60, 2, 15))
        let p = SIMD3(12.0, -7.5, 640)
        #expect(length((a * b).apply(p) - a.apply(b.apply(p))) <= 1e-12)
        #expect(length(a.inverse.apply(a.apply(p)) - p) <= 1e-12)
        #expect(length(a.apply(a.targetOriginInSource)) <= 1e-12)  // the camera centre maps to the origin
    }
}

@Suite struct JSONValueTests {
    @Test func numbersRoundTripAndKeysKeepTheirOrder() throws {
        let values: [Double] = [4100, 0.1, 1e-5, -2.5e-300, 1.0 / 3.0, 123456789.123456789]
        let doc: JSONValue = .object([("z", .numbers(values)), ("a", "x\"y\n"), ("m", .null), ("i", 42)])
        let text = doc.text()
        #expect(text.range(of: "\"z\"")!.lowerBound < text.range(of: "\"a\"")!.lowerBound)
        let back = try JSONValue.parse(Data(text.utf8))
        #expect(back["z"]?.array?.compactMap(\.number) == values)
        #expect(back["a"]?.string == "x\"y\n")
        #expect(back["i"]?.number == 42)
        #expect(JSONValue.number(.nan).text() == "null")
    }
}
