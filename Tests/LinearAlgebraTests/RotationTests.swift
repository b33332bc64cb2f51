import Foundation
import LinearAlgebra
import TestSupport
import Testing

/// Rotations against `cv2.Rodrigues` (shared/data/opencv-vectors/rodrigues.json), within
/// 1e-12, including angles near 0 and near π.
@Suite struct RotationTests {
    static let cases: [(rvec: SIMD3<Double>, r: Matrix3x3)] = {
        let json = try! loadJSON(TestPaths.shared("opencv-vectors/rodrigues.json")) as! [String: Any]
        return json.objects("cases").map { c in
            let v = c.doubles("rvec")
            return (SIMD3(v[0], v[1], v[2]), Matrix3x3(rowMajor: c.doubles("R")))
        }
    }()

    @Test func vectorsExist() { #expect(Self.cases.count == 60) }

    @Test func rodriguesVectorToMatrixMatchesOpenCV() {
        for c in Self.cases {
            let r = Rotation(rodrigues: c.rvec).matrix
            #expect((r - c.r).maxAbs <= 1e-12, "rvec \(c.rvec)")
        }
    }

    @Test func matrixToRodriguesVectorRoundTrips() {
        for c in Self.cases {
            let rotation = Rotation(unchecked: c.r)
            let v = rotation.rodrigues
            // The vector gives back OpenCV's matrix…
            #expect((Rotation(rodrigues: v).matrix - c.r).maxAbs <= 1e-12, "rvec \(c.rvec)")
            // …and equals the input's canonical form (angle in [0, π]).
            let theta = length(c.rvec)
            guard theta > 1e-300 else { #expect(length(v) <= 1e-12); continue }
            var canonical = c.rvec
            if theta > .pi { canonical = -c.rvec / theta * (2 * .pi - theta) }
            if abs(length(canonical) - .pi) < 1e-6 {
                // At π, r and −r are the same rotation: compare up to sign.
                let d = min(length(v - canonical), length(v + canonical))
                #expect(d <= 1e-6, "rvec \(c.rvec) → \(v)")
            } else {
                #expect(length(v - canonical) <= 1e-12 * max(1, theta), "rvec \(c.rvec) → \(v)")
            }
        }
    }

    @Test func quaternionRoundTrips() {
        for c in Self.cases {
            let q = Rotation(unchecked: c.r).quaternion
            #expect(abs(q.w * q.w + q.x * q.x + q.y * q.y + q.z * q.z - 1) <= 1e-15)
            #expect(q.w >= 0)
            #expect((Rotation(q).matrix - c.r).maxAbs <= 1e-12, "rvec \(c.rvec)")
        }
    }

    @Test func quaternionOfKnownRotation() {
        // 90° about z: q = (cos 45°, 0, 0, sin 45°).
        let q = Rotation(rodrigues: SIMD3(0, 0, .pi / 2)).quaternion
        #expect(abs(q.w - 0.5.squareRoot()) <= 1e-15 && abs(q.z - 0.5.squareRoot()) <= 1e-15)
        #expect(abs(q.x) <= 1e-15 && abs(q.y) <= 1e-15)
        let r = Rotation(rodrigues: SIMD3(0, 0, .pi / 2))
        #expect(length(r.apply(SIMD3(1, 0, 0)) - SIMD3(0, 1, 0)) <= 1e-15)  // right-handed
    }

    @Test func nearestRotationAndValidation() throws {
        let exact = Rotation(rodrigues: SIMD3(0.3, -0.2, 0.9)).matrix
        var noisy = exact
        noisy[0, 1] += 1e-4; noisy[2, 2] -= 2e-4
        #expect(Rotation(noisy) == nil)
        #expect(Rotation(exact) != nil)
        let fixed = try Rotation(nearestTo: noisy)
        #expect(Rotation.orthonormalityError(fixed.matrix) <= 1e-14)
        #expect((fixed.matrix - exact).maxAbs <= 3e-4)
        let reflection = Matrix3x3.diagonal(SIMD3(1, 1, -1))
        #expect(Rotation(reflection) == nil)
        #expect(try Rotation(nearestTo: reflection).matrix.determinant > 0)
    }

    @Test func compositionAndInverse() {
        let a = Rotation(rodrigues: SIMD3(0.1, 0.2, 0.3)), b = Rotation(rodrigues: SIMD3(-0.4, 0.0, 1.1))
        let v = SIMD3(1.0, -2.0, 0.5)
        #expect(length((a * b).apply(v) - a.apply(b.apply(v))) <= 1e-14)
        #expect(((a * a.inverse).matrix - .identity).maxAbs <= 1e-15)
    }
}

@Suite struct Matrix3x3Tests {
    @Test func arithmeticMatchesGeneralMatrix() throws {
        let a = Matrix3x3(rowMajor: [2, -1, 0.5, 3, 4, -2, 0.1, 0.2, 5])
        let b = Matrix3x3(rowMajor: [1, 2, 3, -1, 0, 1, 2, 2, -3])
        #expect(maxAbsDifference((a * b).rowMajor, (a.matrix * b.matrix).elements) <= 1e-14)
        #expect(abs(a.determinant - (2 * (4 * 5 + 2 * 0.2) + 1 * (3 * 5 + 2 * 0.1) + 0.5 * (3 * 0.2 - 4 * 0.1))) <= 1e-12)
        let inv = try #require(a.inverse)
        #expect(((a * inv) - .identity).maxAbs <= 1e-14)
        #expect(Matrix3x3(rowMajor: [1, 2, 3, 2, 4, 6, 0, 0, 1]).inverse == nil)
        let v = SIMD3(0.3, -1.2, 2.0), w = SIMD3(1.0, 0.5, -0.25)
        #expect(length(Matrix3x3.skew(v) * w - cross(v, w)) <= 1e-15)
        #expect(a.transposed.transposed == a)
    }
}

/// The SVD's null vector solves the DLT the way `cv2.triangulatePoints` does
/// (shared/data/opencv-vectors/triangulate.json): an end-to-end check of `nullVector()`.
@Suite struct DLTCrossCheck {
    @Test func nullVectorReproducesOpenCVTriangulation() throws {
        let json = try loadJSON(TestPaths.shared("opencv-vectors/triangulate.json")) as! [String: Any]
        for c in json.objects("cases") {
            let p1 = Matrix(c.doubleRows("P1")), p2 = Matrix(c.doubleRows("P2"))
            let x1 = c.doubleRows("x1"), x2 = c.doubleRows("x2"), expected = c.doubleRows("opencvX")
            let truth = c.doubleRows("trueX")
            for i in 0..<x1.count {
                var rows: [[Double]] = []
                for (p, x) in [(p1, x1[i]), (p2, x2[i])] {
                    rows.append((0..<4).map { x[0] * p[2, $0] - p[0, $0] })
                    rows.append((0..<4).map { x[1] * p[2, $0] - p[1, $0] })
                }
                let h = try Matrix(rows).nullVector()
                let point = [h[0] / h[3], h[1] / h[3], h[2] / h[3]]
                let cv = expected[i].count == 4 ? expected[i].prefix(3).map { $0 / expected[i][3] } : expected[i]
                // Same algorithm in double precision: agreement to 1e-6 mm at ~1 m.
                #expect(maxAbsDifference(point, Array(cv)) <= 1e-6, "point \(i), noise \(c.double("noisePx"))")
                if c.double("noisePx") == 0 { #expect(maxAbsDifference(point, truth[i]) <= 1e-6) }
            }
        }
    }
}
