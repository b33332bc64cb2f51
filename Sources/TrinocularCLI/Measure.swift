import ArgumentParser
import Foundation
import Interchange
import Surface

/// `trinocular measure MESH`: area, closedness, volume (closed meshes only), bounds.
struct Measure: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure a mesh: surface area, whether it is closed, enclosed volume, bounding box (mm).",
        discussion: """
            Reads a PLY (binary or ASCII) or OBJ mesh, positions in mm. The volume is given only for \
            a closed, consistently oriented mesh — every edge shared by exactly two faces that \
            run it in opposite directions — and refused with the reason otherwise (an open \
            surface encloses no volume; a number computed on it would be meaningless). \
            Landmarks and measurement plans (--landmarks) are not yet available.
            """)
    @Argument(help: ArgumentHelp("Mesh file (PLY or OBJ, mm).", valueName: "MESH")) var mesh: String
    @Option(help: ArgumentHelp("Landmarks file (not yet available).", valueName: "FILE")) var landmarks: String?
    @Flag(help: "Print one JSON document on stdout.") var json = false

    func run() throws {
        if landmarks != nil { throw StageUnavailable(verb: "measure --landmarks") }
        let url = URL(fileURLWithPath: mesh)
        let m: TriangleMesh
        switch url.pathExtension.lowercased() {
        case "ply": m = try PLYMesh.read(url)
        case "obj": m = try OBJMesh.read(url)
        default: throw MeshFileError(file: url.path, problem: "unknown mesh format: give a .ply or .obj file")
        }
        let topology = m.topology
        var volume: Double?, refusal: String?
        do { volume = try m.volume() } catch let e as VolumeRefused { refusal = e.reason }
        let bounds = m.bounds
        if json {
            var pairs: [(String, JSONValue)] = [
                ("format", "trinocular.measure/1"), ("units", "mm"),
                ("vertices", .int(m.vertices.count)), ("faces", .int(m.faces.count)),
                ("areaMm2", .number(m.area)),
                ("closed", .bool(topology.isClosed)),
                ("closedCheck", .string(MeshTopology.method)),
                ("boundaryEdges", .int(topology.boundaryEdges)), ("nonManifoldEdges", .int(topology.nonManifoldEdges)),
                ("inconsistentEdges", .int(topology.inconsistentEdges)), ("degenerateFaces", .int(topology.degenerateFaces)),
            ]
            pairs.append(("volumeMm3", volume.map { .number($0) } ?? .null))
            if let refusal { pairs.append(("volumeRefused", .string(refusal))) }
            if let b = bounds { pairs.append(("boundsMm", .object([("min", .numbers([b.min.x, b.min.y, b.min.z])), ("max", .numbers([b.max.x, b.max.y, b.max.z]))]))) }
            FileHandle.standardOutput.write(JSONValue.object(pairs).data())
            return
        }
        print("\(url.lastPathComponent): \(m.vertices.count) vertices, \(m.faces.count) faces")
        print("area      \(fmt(m.area, 1)) mm² (\(fmt(m.area / 100, 2)) cm²)")
        print("closed    \(topology.isClosed ? "yes" : "no: \(topology.problem ?? "")") (checked: \(MeshTopology.method))")
        if let volume { print("volume    \(fmt(volume, 1)) mm³ (\(fmt(volume / 1000, 2)) mL)") } else { print("volume    refused: the mesh is not closed") }
        if let b = bounds {
            print("bounds    x \(fmt(b.min.x, 1))…\(fmt(b.max.x, 1)), y \(fmt(b.min.y, 1))…\(fmt(b.max.y, 1)), z \(fmt(b.min.z, 1))…\(fmt(b.max.z, 1)) mm")
        }
    }
}
