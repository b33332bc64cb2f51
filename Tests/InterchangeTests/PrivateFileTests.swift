import Foundation
import Interchange
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// Patient-data files: 0600 and folders 0700 whatever the umask, written whole or not at all,
/// orphaned temporaries of killed runs swept.
@Suite(.serialized) struct PrivateFileTests {
    static func mode(_ path: String) -> mode_t {
        var st = stat()
        stat(path, &st)
        return st.st_mode & 0o777
    }

    @Test func filesAre0600AndFolders0700EvenWithUmaskZero() throws {
        let root = try TestPaths.temporaryFolder("private-file")
        defer { try? FileManager.default.removeItem(at: root) }
        let old = umask(0)
        defer { umask(old) }
        let folder = root.appendingPathComponent("case/out")
        try PrivateFile.makeFolder(folder)
        let file = folder.appendingPathComponent("mesh.ply")
        let bytes = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 * 7) }
        try PrivateFile.write(bytes, to: file)
        #expect(Self.mode(file.path) == 0o600)
        #expect(Self.mode(folder.path) == 0o700 && Self.mode(root.appendingPathComponent("case").path) == 0o700)
        #expect(try Data(contentsOf: file) == Data(bytes))
        // Replacing keeps 0600 and leaves no temporary behind.
        try PrivateFile.write([1, 2, 3], to: file)
        #expect(try Data(contentsOf: file) == Data([1, 2, 3]) && Self.mode(file.path) == 0o600)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["mesh.ply"])
    }

    @Test func aFailedWriteNamesTheFileAndLeavesNothing() throws {
        let root = try TestPaths.temporaryFolder("private-file-fail")
        defer { try? FileManager.default.removeItem(at: root) }
        let missing = root.appendingPathComponent("no-such-folder/report.json")
        #expect(throws: PrivateFileError.self) { try PrivateFile.write([1], to: missing) }
        do { try PrivateFile.write([1], to: missing) } catch let e as PrivateFileError { #expect(e.file.hasSuffix("report.json")) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: root.path).isEmpty)
    }

    @Test func orphansOfDeadRunsAreSweptLiveOnesKept() throws {
        let root = try TestPaths.temporaryFolder("private-file-sweep")
        defer { try? FileManager.default.removeItem(at: root) }
        // A pid far above pid_max's default is not running.
        let dead = root.appendingPathComponent(".mesh.ply.partial-4194300"), live = root.appendingPathComponent(".mesh.ply.partial-1")
        try Data([0]).write(to: dead); try Data([0]).write(to: live)
        try Data([0]).write(to: root.appendingPathComponent("mesh.ply"))
        #expect(PrivateFile.sweepOrphans(in: root) == [".mesh.ply.partial-4194300"])
        #expect(Set(try FileManager.default.contentsOfDirectory(atPath: root.path)) == [".mesh.ply.partial-1", "mesh.ply"])
    }
}
