import ArgumentParser
import Foundation
import Imaging
import Geometry
import Interchange
import LinearAlgebra
import Metrology
import Pipeline
import Rendering
import Surface

/// `trinocular compare PRE POST --out DIR`: registration, surface change, volume change;
/// `trinocular compare MESH --mirror --out DIR`: mirror symmetry.
struct Compare: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two meshes of one subject (pre/post), or one mesh with its mirror image.",
        discussion: """
            PRE POST: the post mesh is registered onto the pre mesh (point-to-plane ICP with \
            robust weights, leaving out the --region loops — they are where change is expected — \
            except those marked --unchanged), \
            then every registered vertex gets its signed distance from the pre surface (mm, \
            positive = the post surface stands outside the pre one), and each region's volume \
            is measured on both meshes against one base surface fitted round it on the pre \
            mesh, so the volume change does not depend on the base.

            MESH --mirror: the mesh is registered onto its own reflection; the report gives the \
            best symmetry (sagittal) plane, the RMS asymmetry and where one side stands out most.

            Writes to OUT-FOLDER, all at once: registered.ply (the post mesh in the pre mesh's \
            frame; with --mirror, the mirrored mesh), distance.ply (the compared mesh coloured \
            by signed distance: blue inside, white unchanged, red outside, saturating at \
            --range mm), distance-front.png, distance-left-oblique.png and \
            distance-right-oblique.png (pictures of that map in the standard views of the \
            mesh's frame, with a colour bar in mm; with --mirror asymmetry-*.png) and \
            comparison.json (trinocular.comparison/1: the rigid motion, distance statistics, \
            region volumes with uncertainties). docs/formats.md, "Comparison", has the fields.

            Example: trinocular compare pre/mesh.ply post/mesh.ply --landmarks pre-landmarks.json \
            --region left=l1,l2,l3,l4,l5,l1 --out change
            """)
    @Argument(help: ArgumentHelp("Pre-operative mesh (PLY or OBJ, mm); with --mirror the only mesh.", valueName: "PRE-MESH")) var pre: String
    @Argument(help: ArgumentHelp("Post-operative mesh (PLY or OBJ, mm).", valueName: "POST-MESH")) var post: String?
    @Option(help: ArgumentHelp("Output folder.", valueName: "OUT-FOLDER")) var out: String
    @Option(help: ArgumentHelp("Landmarks on the pre mesh (trinocular.landmarks/1), for --region.", valueName: "FILE")) var landmarks: String?
    @Option(name: .customLong("region"), help: ArgumentHelp("A region whose volume change is measured: NAME=L1,L2,…,L1 — landmark names in order round it, the first repeated (the loop closes). Repeatable.", valueName: "NAME=LOOP"))
    var regions: [String] = []
    @Option(help: ArgumentHelp("A --region expected not to change: it stays in the registration as a control (by default every region is left out of it). Repeatable.", valueName: "NAME"))
    var unchanged: [String] = []
    @Option(help: ArgumentHelp("Base surface under the regions: quadric (follows a torso's curvature) or plane.", valueName: "MODEL")) var base: String = "quadric"
    @Option(help: ArgumentHelp("Rig file, for landmarks picked in camera images.", valueName: "PATH")) var rig: String?
    @Flag(help: "Compare the mesh with its mirror image instead of with a post mesh.") var mirror = false
    @Option(help: ArgumentHelp("Distance (mm) at which distance.ply's colours saturate.", valueName: "MM")) var range: Double = 3
    @Option(help: ArgumentHelp("The surface's error along its normal (mm), for the uncertainties.", valueName: "MM")) var surfaceNoise: Double = 0.15
    @Flag(help: "Replace files already in the output folder.") var force = false

    func validate() throws {
        if mirror && post != nil { throw ValidationError("--mirror compares one mesh with its reflection: give one mesh, not two") }
        if !mirror && post == nil { throw ValidationError("give PRE-MESH and POST-MESH, or one mesh with --mirror") }
        if !regions.isEmpty && landmarks == nil { throw ValidationError("--region needs --landmarks: its loop is made of named landmarks") }
        if mirror && !regions.isEmpty { throw ValidationError("--region applies to a pre/post comparison, not to --mirror") }
        let names = Set(regions.map { String($0.split(separator: "=").first ?? "") })
        for n in unchanged where !names.contains(n) { throw ValidationError("--unchanged \(n): no --region has that name") }
        if BaseSurface.Model(rawValue: base) == nil { throw ValidationError("--base must be quadric or plane") }
        if !(range > 0 && range.isFinite) { throw ValidationError("--range must be a positive number of mm") }
    }

    static let heatMapViews: [StandardView] = [.front, .leftOblique, .rightOblique]
    static let files = ["registered.ply", "distance.ply", "comparison.json"]
        + ["distance", "asymmetry"].flatMap { kind in heatMapViews.map { "\(kind)-\($0).png" } }

    /// Pictures of `mesh` coloured by `distances` from the heat-map views, with a colour bar.
    static func heatMaps(_ mesh: TriangleMesh, distances: [Double], range: Double, kind: String) throws -> [(String, [UInt8])] {
        try heatMapViews.map { view in
            let camera = view.camera(for: mesh, rig: nil, width: 1024, height: 1024)!
            return ("\(kind)-\(view).png", try PNG.encode(HeatMap.picture(mesh, distances: distances, range: range, from: camera)))
        }
    }

    func run() throws {
        let outURL = URL(fileURLWithPath: out).standardizedFileURL
        try OutputFolder.check(outURL, files: Self.files, force: force)
        let before = try Measure.readMesh(pre)
        let version = "Trinocular \(TrinocularVersion.string)"
        if mirror {
            let result = try before.mirrorSymmetry()
            let mirrored = before.reflected(about: result.plane)
            let report = ComparisonReport(result, surfaceNoise: surfaceNoise, colourRange: range)
            let written = try OutputFolder.write([
                ("registered.ply", PLYMesh.encode(mirrored, comments: [version + ": the mesh mirrored about its symmetry plane"])),
                ("distance.ply", PLYMesh.encode(Self.coloured(before, by: result.asymmetry, range: range), comments: [version + ": asymmetry, red = this side stands out, saturating at \(range) mm"])),
                ("comparison.json", Array(try ReportCoding.data(report))),
            ] + Self.heatMaps(before, distances: result.asymmetry, range: range, kind: "asymmetry"), to: outURL)
            print("symmetry plane: point (\(fmt(result.plane.point.x, 2)), \(fmt(result.plane.point.y, 2)), \(fmt(result.plane.point.z, 2))) mm, normal (\(fmt(result.plane.normal.x, 4)), \(fmt(result.plane.normal.y, 4)), \(fmt(result.plane.normal.z, 4)))")
            print("RMS asymmetry \(fmt(result.rms, 3)) mm over \(fmt(100 * result.overlap, 1)) % of the vertices; stands out most by \(fmt(result.peakOut.value, 2)) mm at (\(fmt(result.peakOut.point.x, 1)), \(fmt(result.peakOut.point.y, 1)), \(fmt(result.peakOut.point.z, 1)))")
            try AuditTrail.record("compare --mirror", subject: nil, inputs: [URL(fileURLWithPath: pre)], outputs: written)
            print("wrote \(outURL.path)")
            return
        }
        let after = try Measure.readMesh(post!)
        var loops: [(name: String, loop: [Landmarks.Landmark])] = []
        if let landmarks {
            let data: Data
            data = try InputLimits.read(URL(fileURLWithPath: landmarks), what: "a landmarks file")
            let rigFile = try rig.map { try Rig(contentsOf: URL(fileURLWithPath: $0)) }
            let placed = try Landmarks(json: data, file: landmarks, mesh: before, rig: rigFile)
            for spec in regions {
                let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
                guard parts.count == 2, !parts[0].isEmpty else {
                    throw PlanError(file: "--region", problem: "'\(spec)' is not NAME=L1,L2,…,L1")
                }
                let names = parts[1].split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard names.count < 2 || names.first == names.last else {
                    throw PlanError(file: "--region", problem: "region '\(parts[0])': the loop does not close — it ends at landmark '\(names.last!)', not at its first landmark '\(names[0])' (repeat '\(names[0])' at the end)")
                }
                guard names.count >= 4, Set(names).count >= 3 else {
                    throw PlanError(file: "--region", problem: "region '\(parts[0])' needs at least three landmarks in order round it, the first repeated at the end")
                }
                let loop = try names.dropLast().map { n in
                    guard let l = placed.landmarks.first(where: { $0.name == n }) else {
                        throw PlanError(file: "--region", problem: "region '\(parts[0])' names landmark '\(n)', which \(landmarks) does not have")
                    }
                    return l
                }
                loops.append((parts[0], loop))
            }
        }
        let result: MeshComparison
        do {
            result = try MeshComparison.compare(before: before, after: after, regions: loops, unchanged: Set(unchanged),
                                                base: BaseSurface.Model(rawValue: base)!, surfaceNoise: surfaceNoise)
        } catch let e as RegionError {
            throw PlanError(file: "--region", problem: e.problem)
        }
        let report = ComparisonReport(result, surfaceNoise: surfaceNoise, colourRange: range)
        let motion = report.registration!, distance = report.distance!
        let written = try OutputFolder.write([
            ("registered.ply", PLYMesh.encode(result.registered, comments: [version + ": the post mesh in the pre mesh's frame"])),
            ("distance.ply", PLYMesh.encode(Self.coloured(result.registered, by: result.distances, range: range), comments: [version + ": signed distance from the pre surface, red = outside, saturating at \(range) mm"])),
            ("comparison.json", Array(try ReportCoding.data(report))),
        ] + Self.heatMaps(result.registered, distances: result.distances, range: range, kind: "distance"), to: outURL)
        try AuditTrail.record("compare", subject: nil,
                              inputs: [pre, post!].map { URL(fileURLWithPath: $0) } + (landmarks.map { [URL(fileURLWithPath: $0)] } ?? []), outputs: written)
        print("registered: rotation \(fmt(motion.rotationDeg, 3))°, translation \(fmt(motion.translationMm, 2)) mm, RMS \(fmt(motion.rmsMm, 3)) mm, \(fmt(100 * motion.inlierFraction, 1)) % inliers")
        print("surface change: RMS \(fmt(distance.rmsMm, 3)) mm, from \(fmt(distance.maxInMm, 2)) to \(fmt(distance.maxOutMm, 2)) mm")
        for c in report.regions ?? [] {
            print("  \(c.name): \(fmt(c.beforeMm3, 0)) → \(fmt(c.afterMm3, 0)) mm³, change \(fmt(c.changeMm3, 0)) ± \(fmt(c.uncertaintyMm3, 0)) mm³ (\(fmt(c.changePercent, 2)) %)")
        }
        print("wrote \(outURL.path)")
    }

    /// The mesh with vertex colours for signed distances: blue (−range) … white (0) … red (+range); grey where NaN.
    static func coloured(_ mesh: TriangleMesh, by distances: [Double], range: Double) -> TriangleMesh {
        var m = mesh
        m.colors = HeatMap.colours(distances, range: range)
        return m
    }
}
