import Studies
import Testing

/// Reliability statistics against published values and against the defining formulas
/// computed here another way.
struct ReliabilityTests {
    /// Shrout & Fleiss (1979), Table 2: 6 targets rated by 4 judges. Published: BMS 11.24,
    /// JMS 32.49, EMS 1.02, ICC(2,1) = 0.29.
    static let shroutFleiss: [[Double]] = [[9, 2, 5, 8], [6, 1, 3, 2], [8, 4, 6, 8], [7, 1, 2, 6], [10, 5, 6, 9], [6, 2, 4, 7]]

    @Test func icc21MatchesShroutAndFleiss() throws {
        let r = try #require(Reliability(Self.shroutFleiss))
        // The definition from the mean squares, each computed from its own sum.
        let x = Self.shroutFleiss, n = 6.0, k = 4.0
        let grand = x.flatMap { $0 }.reduce(0, +) / (n * k)
        let row = x.map { $0.reduce(0, +) / k }
        let col = (0..<4).map { j in x.map { $0[j] }.reduce(0, +) / n }
        let bms = k * row.map { ($0 - grand) * ($0 - grand) }.reduce(0, +) / (n - 1)
        let jms = n * col.map { ($0 - grand) * ($0 - grand) }.reduce(0, +) / (k - 1)
        var residual = 0.0
        for i in 0..<6 { for j in 0..<4 { let e = x[i][j] - row[i] - col[j] + grand; residual += e * e } }
        let ems = residual / ((n - 1) * (k - 1))
        #expect(abs(bms - 11.24) < 0.005 && abs(jms - 32.49) < 0.005 && abs(ems - 1.02) < 0.005)
        let icc = (bms - ems) / (bms + (k - 1) * ems + k * (jms - ems) / n)
        #expect(abs(r.icc21 - icc) < 1e-9)
        #expect(abs(r.icc21 - 0.29) < 0.005)
    }

    @Test func blandAltmanTEMAndSDCForTwoRepeats() throws {
        // Breast volumes (mL) of 8 subjects captured twice.
        let first: [Double] = [412.3, 388.1, 502.7, 296.4, 455.0, 610.2, 348.8, 530.5]
        let second: [Double] = [418.9, 380.2, 509.9, 301.7, 449.3, 622.4, 352.0, 527.1]
        let r = try #require(Reliability(zip(first, second).map { [$0, $1] }))
        let d = zip(first, second).map { $1 - $0 }
        let n = Double(d.count)
        let mean = d.reduce(0, +) / n
        let sd = ((d.map { $0 * $0 }.reduce(0, +) - n * mean * mean) / (n - 1)).squareRoot()
        #expect(abs(r.bias - mean) < 1e-9)
        #expect(abs(r.lowerLimit - (mean - 1.96 * sd)) < 1e-9 && abs(r.upperLimit - (mean + 1.96 * sd)) < 1e-9)
        // Dahlberg's formula for duplicate measurements.
        let tem = (d.map { $0 * $0 }.reduce(0, +) / (2 * n)).squareRoot()
        #expect(abs(r.tem - tem) < 1e-9)
        #expect(abs(r.smallestDetectableChange - 1.96 * 2.0.squareRoot() * tem) < 1e-9)
        let grand = (first + second).reduce(0, +) / (2 * n)
        #expect(abs(r.relativeTEMPercent - 100 * tem / grand) < 1e-9)
        #expect(r.icc21 > 0.99)   // repeats far closer than subjects differ
    }

    @Test func tooLittleDataIsRefused() {
        #expect(Reliability([[1, 2]]) == nil)
        #expect(Reliability([[1], [2]]) == nil)
        #expect(Reliability([[1, 2], [3]]) == nil)
    }
}
