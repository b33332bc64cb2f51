import Foundation
import Safekeeping

/// A 256 MiB folder (four 64 MiB files of random bytes, so nothing compresses or
/// deduplicates) in the temporary folder, made once; the archive goes beside it.
enum SealInputs {
    static let bytes = 256 << 20
    static let key = SealKey.keyFile((0..<32).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) })

    static let root: URL = {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("trinocular-seal-benchmark")
        let folder = root.appendingPathComponent("case")
        try? FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        for i in 0..<4 {
            let url = folder.appendingPathComponent("part\(i).bin")
            if (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) == bytes / 4 { continue }
            var data = [UInt64](repeating: 0, count: bytes / 4 / 8)
            for j in data.indices { state ^= state << 13; state ^= state >> 7; state ^= state << 17; data[j] = state }
            try! data.withUnsafeBytes { Data($0) }.write(to: url)
        }
        return root
    }()

    static var folder: URL { root.appendingPathComponent("case") }
    static var archive: URL { root.appendingPathComponent("case.tseal") }

    /// The archive, sealed once for the unseal benchmark.
    static let sealed: URL = {
        try? FileManager.default.removeItem(at: archive)
        try! SealedArchive.seal(folder: folder, to: archive, key: key)
        return archive
    }()
}
