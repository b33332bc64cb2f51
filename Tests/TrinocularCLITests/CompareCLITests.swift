import Foundation
import Imaging
import Geometry
import Interchange
import LinearAlgebra
import Surface
import TestSupport
import Testing

/// `trinocular compare`: a bumpy patch, then the same with one bump 10 % higher, turned 5°
/// and shifted 20 mm: the motion, the volume change and the unchanged bump; `--mirror` on a
/// symmetric patch; bad input exits 2 and writes nothing.
@Suite(.enabled(if: releaseRun, "registration and geodesic loops take minutes in a debug build: runs in scripts/test (release build)"))
struct CompareCLITests {
    static let sigma = 12.0
    static func bump(_ x: Double, _ y: Double, _ cx: Double, _ cy: Double, _ a: Double, _ s: Double = sigma) -> Double {
        a * exp(-((x - cx) * (x - cx) + (y - cy) * (y - cy)) / (2 * s * s))
    }
    /// Two bumps 90 mm apart on a gently curved patch, and a small one that fixes the turn.
    static func surface(grown: Double) -> (Double, Double) -> Double {
        { x, y in -(x * x + y * y) / 600 + bump(x, y, -45, 0, 15 * grown) + bump(x, y, 45, 0, 15) + bump(x, y, 10, -60, 6, 8) }
    }

    @Test func prePostAndMirror() throws {
        let dir = try TestPaths.temporaryFolder("compare")
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = MeshFixtures.heightField(half: 100, step: 1, Self.surface(grown: 1))
        var after = MeshFixtures.heightField(half: 100, step: 1, Self.surface(grown: 1.1))
        let motion = RigidTransform(rodrigues: 5 * Double.pi / 180 * normalize(SIMD3(0.2, -0.3, 1)), translation: SIMD3(12, -14, 8))
        after.vertices = after.vertices.map { motion.apply($0) }
        let pre = dir.appendingPathComponent("pre.ply"), post = dir.appendingPathComponent("post.ply")
        try Data(PLYMesh.encode(before)).write(to: pre)
        try Data(PLYMesh.encode(after)).write(to: post)
        // Ten landmarks round each big bump, 38 mm from its top.
        var entries: [String] = []
        let f = Self.surface(grown: 1)
        for (name, cx) in [("g", -45.0), ("s", 45.0)] {
            for k in 0..<10 {
                let a = 2 * Double.pi * Double(k) / 10, x = cx + 38 * cos(a), y = 38 * sin(a)
                entries.append("{\"name\": \"\(name)\(k)\", \"point\": [\(x), \(y), \(f(x, y))]}")
            }
        }
        let landmarks = dir.appendingPathComponent("landmarks.json")
        try Data("{\"format\": \"trinocular.landmarks/1\", \"landmarks\": [\(entries.joined(separator: ", "))]}".utf8).write(to: landmarks)
        func loop(_ p: String) -> String { ((0..<10).map { "\(p)\($0)" } + ["\(p)0"]).joined(separator: ",") }
        let out = dir.appendingPathComponent("change")
        let run = try Run(["compare", pre.path, post.path, "--out", out.path, "--landmarks", landmarks.path,
                           "--region", "grown=" + loop("g"), "--region", "same=" + loop("s"), "--unchanged", "same"])
        #expect(run.status == 0, "\(run.stderr)")
        let j = try JSONValue.parse(Data(contentsOf: out.appendingPathComponent("comparison.json")))
        // x_pre = R x_post + t must undo the motion.
        let r = try #require(j["registration"]?["R"]?.array?.compactMap { $0.number }), t = try #require(j["registration"]?["tMm"]?.array?.compactMap { $0.number })
        let inverse = motion.inverse
        var worst = 0.0
        for p in [SIMD3(0.0, 0, 0), SIMD3(100, 100, 0), SIMD3(-100, 100, 0), SIMD3(0, -100, 0)] {
            let x = motion.apply(p)
            let mapped = SIMD3(r[0] * x.x + r[1] * x.y + r[2] * x.z + t[0], r[3] * x.x + r[4] * x.y + r[5] * x.z + t[1], r[6] * x.x + r[7] * x.y + r[8] * x.z + t[2])
            worst = max(worst, length(mapped - inverse.apply(x)))
        }
        #expect(worst < 0.05, "registration off by \(worst) mm at the patch's corners")
        #expect(abs((j["registration"]?["rotationDeg"]?.number ?? 0) - 5) < 0.01)
        // The grown bump: 10 % of 2πσ²A inside the loop (its decagon holds all but 0.7 % of it).
        let regions = j["regions"]?.array ?? []
        let grown = try #require(regions.first { $0["name"]?.string == "grown" }), same = try #require(regions.first { $0["name"]?.string == "same" })
        let truth = 0.1 * 2 * Double.pi * Self.sigma * Self.sigma * 15 * 0.993
        let change = grown["changeMm3"]?.number ?? 0
        #expect(abs(change / truth - 1) < 0.02, "change \(change) mm³ vs \(truth)")
        #expect(abs(same["changeMm3"]?.number ?? 1e9) < 0.01 * (same["beforeMm3"]?.number ?? 0), "\(same)")
        #expect((grown["uncertaintyMm3"]?.number ?? 0) > 0)
        // The distance map: the grown bump's top stands out by 1.5 mm, in red.
        let map = try PLYMesh.read(out.appendingPathComponent("distance.ply"))
        let colors = try #require(map.colors)
        let top = try #require(map.vertices.indices.min { length(map.vertices[$0] - SIMD3(-45, 0, 16.5)) < length(map.vertices[$1] - SIMD3(-45, 0, 16.5)) })
        #expect(colors[top].x == 255 && colors[top].y < 200, "\(colors[top])")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("registered.ply").path))
        // Its pictures (issue 20): the bump in red, and a colour bar with its labels in black.
        for view in ["front", "left-oblique", "right-oblique"] {
            let picture = try ImageFile.read(out.appendingPathComponent("distance-\(view).png")).eightBit
            #expect(picture.height == 1024 && picture.width > 1024 && picture.layout == .rgb)
            var red = 0, ink = 0
            for y in 0..<picture.height {
                for x in 0..<picture.width {
                    let i = 3 * (y * picture.width + x), p = (picture.pixels[i], picture.pixels[i + 1], picture.pixels[i + 2])
                    if x < 1024 && p.0 > 200 && p.1 < 200 && p.2 < 200 { red += 1 }
                    if x > 1024 && p.0 == 0 && p.1 == 0 && p.2 == 0 { ink += 1 }
                }
            }
            #expect(red > 100 && ink > 50, "\(view): \(red) red pixels, \(ink) of labels")
        }

        // Mirror symmetry of a patch symmetric about x = 0, turned and shifted.
        var symmetric = MeshFixtures.heightField(half: 100, step: 1) { x, y in -(x * x + y * y) / 600 + Self.bump(x, y, -45, 0, 15) + Self.bump(x, y, 45, 0, 15) + Self.bump(x, y, 0, -50, 8) }
        symmetric.vertices = symmetric.vertices.map { motion.apply($0) }
        let sym = dir.appendingPathComponent("symmetric.ply")
        try Data(PLYMesh.encode(symmetric)).write(to: sym)
        let mirrorOut = dir.appendingPathComponent("mirror")
        let m = try Run(["compare", sym.path, "--mirror", "--out", mirrorOut.path])
        #expect(m.status == 0, "\(m.stderr)")
        let mj = try JSONValue.parse(Data(contentsOf: mirrorOut.appendingPathComponent("comparison.json")))
        let normal = try #require(mj["symmetry"]?["planeNormal"]?.array?.compactMap { $0.number })
        let expected = motion.rotation.matrix * SIMD3(1, 0, 0)
        #expect(abs(abs(normal[0] * expected.x + normal[1] * expected.y + normal[2] * expected.z) - 1) < 1e-5, "\(normal) vs \(expected)")
        #expect((mj["symmetry"]?["rmsAsymmetryMm"]?.number ?? 1) < 0.01)
        #expect(try ImageFile.read(mirrorOut.appendingPathComponent("asymmetry-front.png")).eightBit.width > 1024)

        // Bad input: a loop that does not close names its ends; a corrupt mesh names the file.
        let bad = dir.appendingPathComponent("bad")
        let open = try Run(["compare", pre.path, post.path, "--out", bad.path, "--landmarks", landmarks.path, "--region", "grown=g0,g1,g2,g3"])
        #expect(open.status == 2 && open.stderr.contains("'g3'") && open.stderr.contains("'g0'"), "\(open.stderr)")
        let corrupt = dir.appendingPathComponent("corrupt.ply")
        try Data(PLYMesh.encode(after).dropLast(100)).write(to: corrupt)
        let c = try Run(["compare", pre.path, corrupt.path, "--out", bad.path])
        #expect(c.status == 2 && c.stderr.contains("corrupt.ply"), "\(c.stderr)")
        #expect(!FileManager.default.fileExists(atPath: bad.path))
    }
}
