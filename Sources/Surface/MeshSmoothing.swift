import Foundation

extension TriangleMesh {
    /// What `smooth` did.
    public struct SmoothingReport: Sendable {
        /// Largest and RMS vertex displacement along the surface normal (mm): how much the
        /// shape changed (uniform smoothing also slides vertices along the surface, which
        /// evens the triangles and changes nothing measured).
        public var maximumDisplacement = 0.0
        public var rmsDisplacement = 0.0
        /// For a closed mesh: the volume before (mm³); after smoothing it is restored
        /// exactly by scaling about the centroid (the scale factor applied).
        public var volume: Double?
        public var scale = 1.0
    }

    /// Taubin's λ|μ smoothing (λ = 0.5, μ = −0.53; Taubin 1995): alternately moving each
    /// vertex toward and away from the mean of its neighbours removes noise without the
    /// shrinkage of plain Laplacian smoothing. Border vertices stay where they are. A closed
    /// mesh's volume is then restored exactly (uniform scaling about its centroid), so a
    /// volume measured after smoothing is the volume of the unsmoothed surface.
    @discardableResult
    public mutating func smooth(iterations: Int) -> SmoothingReport {
        var report = SmoothingReport()
        guard iterations > 0, !faces.isEmpty else { return report }
        let volumeBefore = try? volume()
        report.volume = volumeBefore
        let edges = HalfEdges(self)
        // Neighbours from outgoing half-edges; a vertex on a border (an edge used once) is fixed.
        var fixed = [Bool](repeating: false, count: vertices.count)
        edges.forEachEdge { u, v, forward, backward in
            if forward + backward != 2 { fixed[Int(u)] = true; fixed[Int(v)] = true }
        }
        let original = vertices
        var next = vertices
        for step in 0..<(2 * iterations) {
            let factor = step % 2 == 0 ? 0.5 : -0.53
            for u in vertices.indices where !fixed[u] {
                let from = Int(edges.start[u]), to = Int(edges.start[u + 1])
                guard to > from else { continue }
                var mean = SIMD3<Double>.zero
                for k in from..<to { mean += vertices[Int(edges.end[k])] }
                mean /= Double(to - from)
                next[u] = vertices[u] + factor * (mean - vertices[u])
            }
            swap(&vertices, &next)
            next = vertices
        }
        if let before = volumeBefore, let after = try? volume(), after > 0, before > 0 {
            var centroid = SIMD3<Double>.zero
            for v in vertices { centroid += v }
            centroid /= Double(vertices.count)
            let s = Foundation.cbrt(before / after)
            for i in vertices.indices { vertices[i] = centroid + s * (vertices[i] - centroid) }
            report.scale = s
        }
        let before = self
        var unitNormals = normals
        if unitNormals == nil { var m = before; m.vertices = original; m.recomputeNormals(); unitNormals = m.normals }
        var sum = 0.0
        for i in vertices.indices {
            let d = abs(((vertices[i] - original[i]) * SIMD3<Double>(unitNormals![i])).sum())
            sum += d * d; report.maximumDisplacement = max(report.maximumDisplacement, d)
        }
        report.rmsDisplacement = (sum / Double(vertices.count)).squareRoot()
        return report
    }
}
