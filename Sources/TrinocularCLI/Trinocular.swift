import ArgumentParser
import Calibration
import Foundation
import Metrology
import Geometry
import Interchange
import Safekeeping
import Studies
import Imaging
import Pipeline
import Stereo
import Surface
import Synthesis

/// The `trinocular` command: one subcommand per verb of the contract.
struct Trinocular: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trinocular",
        abstract: "Metric 3D surfaces from a calibrated camera rig, and measurements on them (mm).",
        discussion: """
            A capture folder holds one simultaneous shot of every rig camera, named after the \
            camera (cam0.jpg, cam1.jpg, cam2.jpg), with the rig's calibration in rig.json. \
            Every length Trinocular writes is in millimetres.

            Start with `trinocular info CAPTURE` to check that a folder and its rig belong \
            together and `check CAPTURE` against the photography standard; `reconstruct` it, \
            look at it with `view OUT` (landmarks by clicking) or `render`, `measure` it, and \
            keep the case as one HTML file with `report OUT`. Exit status: 0 success, 1 the \
            work failed, 2 bad usage or bad input \
            (the message names the file and the problem).
            """,
        version: TrinocularVersion.string,
        subcommands: [
            Info.self, Calibrate.self, Reconstruct.self, Measure.self, Render.self, View.self, Report.self, Check.self, Compare.self, Batch.self, Synth.self,
            Deidentify.self, Seal.self, Unseal.self, Audit.self, Study.self, BatchCase.self,
        ])
}

/// The exit statuses of the contract.
enum ExitStatus {
    static let success: Int32 = 0
    static let workFailed: Int32 = 1
    static let badInput: Int32 = 2
}

@main
enum TrinocularMain {
    static func main() {
        do {
            var command = try Trinocular.parseAsRoot()
            try command.run()
        } catch {
            exit(with: error)
        }
    }

    static func exit(with error: Error) -> Never {
        switch error {
        case let e as TrinocularError:
            // Every module's errors say whose fault they are: the input's (2) or the work's (1).
            fail("error: \(e)", status: e.fault == .badInput ? ExitStatus.badInput : ExitStatus.workFailed)
        case let e as ExitCode where e != .success && e != .validationFailure:
            Foundation.exit(e.rawValue)   // the command has said why
        default:
            break
        }
        let code = Trinocular.exitCode(for: error)
        if code == .success { Trinocular.exit(withError: error) }  // --help, --version
        let message = Trinocular.fullMessage(for: error)
        if code == .validationFailure {
            fail(message, status: ExitStatus.badInput)
        }
        fail(message.isEmpty ? "error: \(error)" : message, status: ExitStatus.workFailed)
    }

    static func fail(_ message: String, status: Int32) -> Never {
        FileHandle.standardError.write(Data((message + "\n").utf8))
        Foundation.exit(status)
    }
}
