import Foundation

/// Carlson's symmetric elliptic integral of the first kind R_F(x, y, z), by the duplication
/// theorem to a relative error below 1e-15 (Carlson, "Numerical computation of real or
/// complex elliptic integrals", Numer. Algorithms 1995).
func carlsonRF(_ x0: Double, _ y0: Double, _ z0: Double) -> Double {
    var x = x0, y = y0, z = z0
    for _ in 0..<100 {
        let lambda = (x * y).squareRoot() + (y * z).squareRoot() + (z * x).squareRoot()
        x = 0.25 * (x + lambda); y = 0.25 * (y + lambda); z = 0.25 * (z + lambda)
        let mean = (x + y + z) / 3
        let dx = 1 - x / mean, dy = 1 - y / mean, dz = 1 - z / mean
        if max(abs(dx), abs(dy), abs(dz)) < 1e-4 {
            let e2 = dx * dy - dz * dz, e3 = dx * dy * dz
            return (1 - e2 / 10 + e3 / 14 + e2 * e2 / 24 - 3 * e2 * e3 / 44) / mean.squareRoot()
        }
    }
    let mean = (x + y + z) / 3
    return 1 / mean.squareRoot()
}

/// Carlson's R_D(x, y, z), the degenerate integral of the second kind.
func carlsonRD(_ x0: Double, _ y0: Double, _ z0: Double) -> Double {
    var x = x0, y = y0, z = z0
    var sum = 0.0, factor = 1.0
    for _ in 0..<100 {
        let lambda = (x * y).squareRoot() + (y * z).squareRoot() + (z * x).squareRoot()
        sum += factor / (z.squareRoot() * (z + lambda))
        factor *= 0.25
        x = 0.25 * (x + lambda); y = 0.25 * (y + lambda); z = 0.25 * (z + lambda)
        let mean = (x + y + 3 * z) / 5
        let dx = 1 - x / mean, dy = 1 - y / mean, dz = 1 - z / mean
        if max(abs(dx), abs(dy), abs(dz)) < 1e-4 {
            let ea = dx * dy, eb = dz * dz, ec = ea - eb, ed = ea - 6 * eb, ee = ed + ec + ec
            let series = 1 + ed * (-3.0 / 14 + 9.0 / 88 * ed - 4.5 / 26 * dz * ee)
                + dz * (ee / 6 + dz * (-9.0 / 22 * ec + 3.0 / 26 * dz * ea))
            return 3 * sum + factor * series / (mean * mean.squareRoot())
        }
    }
    return 3 * sum
}

/// The surface area of an ellipsoid with semi-axes a, b, c (any order), mm² for mm:
/// Legendre's formula A = 2πc² + 2πab/sin φ · (E(φ, k) sin²φ + F(φ, k) cos²φ), with
/// a ≥ b ≥ c, cos φ = c/a, k² = a²(b² − c²)/(b²(a² − c²)), F and E through Carlson's R_F and
/// R_D. Relative accuracy ~1e-14.
public func ellipsoidSurfaceArea(_ a0: Double, _ b0: Double, _ c0: Double) -> Double {
    let sorted = [a0, b0, c0].sorted(by: >)
    let a = sorted[0], b = sorted[1], c = sorted[2]
    if a - c < 1e-12 * a { return 4 * .pi * a * a }
    let cosPhi = c / a
    let sinPhi = (1 - cosPhi * cosPhi).squareRoot()
    let k2 = (a * a * (b * b - c * c)) / (b * b * (a * a - c * c))
    // Incomplete integrals at amplitude φ: F = s R_F(c², 1 − k²s², 1), E = F − k²s³/3 R_D(…).
    let s = sinPhi, c2 = cosPhi * cosPhi, d = 1 - k2 * s * s
    let f = s * carlsonRF(c2, d, 1)
    let e = f - k2 * s * s * s / 3 * carlsonRD(c2, d, 1)
    return 2 * .pi * c * c + 2 * .pi * a * b / sinPhi * (e * sinPhi * sinPhi + f * cosPhi * cosPhi)
}
