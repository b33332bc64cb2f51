/// Agreement between repeated measurements of the same subjects: how far a measurement
/// can be trusted to say a subject changed.
///
/// Data are `n` subjects × `k` repeats (captures of the same subject and session, or raters),
/// every cell filled. Conventions follow the clinical literature: Shrout & Fleiss (1979) for
/// the intraclass correlation, Bland & Altman (1986) for limits of agreement, the technical
/// error of measurement of anthropometry, and the smallest detectable change
/// SDC = 1.96 · √2 · SEM.
public struct Reliability: Sendable, Equatable {
    /// Subjects and repeats per subject.
    public var subjects: Int
    public var repeats: Int
    /// ICC(2,1): two-way random effects, absolute agreement, single measurement.
    public var icc21: Double
    /// Bland–Altman on the first two repeats: mean difference (second − first) and the 95 %
    /// limits of agreement, mean ± 1.96 SD of the differences (same unit as the values).
    public var bias: Double
    public var lowerLimit: Double
    public var upperLimit: Double
    /// Technical error of measurement: √(Σ within-subject sum of squares / (n (k − 1))) —
    /// for two repeats √(Σ d² / 2n). It is the within-subject standard deviation (the SEM).
    public var tem: Double
    /// Relative TEM: TEM / grand mean × 100 (%).
    public var relativeTEMPercent: Double
    /// Smallest detectable change (95 %): 1.96 · √2 · TEM.
    public var smallestDetectableChange: Double

    /// - Parameter values: one row per subject, one column per repeat (at least 2 × 2).
    /// - Returns: nil when there are fewer than two subjects or two repeats, or rows differ
    ///   in length.
    public init?(_ values: [[Double]]) {
        let n = values.count
        guard n >= 2, let k = values.first?.count, k >= 2, values.allSatisfy({ $0.count == k }) else { return nil }
        subjects = n
        repeats = k
        let grand = values.joined().reduce(0, +) / Double(n * k)
        let rowMeans = values.map { $0.reduce(0, +) / Double(k) }
        let columnMeans = (0..<k).map { j in values.reduce(0) { $0 + $1[j] } / Double(n) }
        // Two-way ANOVA sums of squares.
        let ssRows = Double(k) * rowMeans.reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        let ssColumns = Double(n) * columnMeans.reduce(0) { $0 + ($1 - grand) * ($1 - grand) }
        var ssTotal = 0.0, ssWithin = 0.0
        for (i, row) in values.enumerated() {
            for x in row {
                ssTotal += (x - grand) * (x - grand)
                ssWithin += (x - rowMeans[i]) * (x - rowMeans[i])
            }
        }
        let ssError = ssTotal - ssRows - ssColumns
        let msRows = ssRows / Double(n - 1)
        let msColumns = ssColumns / Double(k - 1)
        let msError = ssError / Double((n - 1) * (k - 1))
        icc21 = (msRows - msError) / (msRows + Double(k - 1) * msError + Double(k) * (msColumns - msError) / Double(n))

        let differences = values.map { $0[1] - $0[0] }
        let meanDifference = differences.reduce(0, +) / Double(n)
        let sd = (differences.reduce(0) { $0 + ($1 - meanDifference) * ($1 - meanDifference) } / Double(n - 1)).squareRoot()
        bias = meanDifference
        lowerLimit = meanDifference - 1.96 * sd
        upperLimit = meanDifference + 1.96 * sd

        tem = (ssWithin / Double(n * (k - 1))).squareRoot()
        relativeTEMPercent = grand != 0 ? 100 * tem / grand : .nan
        smallestDetectableChange = 1.96 * 2.0.squareRoot() * tem
    }
}
