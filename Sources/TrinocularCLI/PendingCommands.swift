import ArgumentParser

// The contract's verbs whose stages are still being built. Each keeps the contract's
// arguments so that `--help` already shows how it will be used, and fails with exit
// status 1 and a clear message until its stage lands.

struct Batch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reconstruct and measure every capture of a study folder (not yet available).")
    @Argument(help: ArgumentHelp("A folder whose sub-folders are capture folders.", valueName: "STUDY-FOLDER")) var study: String
    @Option(help: ArgumentHelp("Output folder.", valueName: "OUT-FOLDER")) var out: String
    @Option(help: "Captures processed at once.") var jobs: Int?
    @Option(help: ArgumentHelp("Process only shard I of N (e.g. 2/4).", valueName: "I/N")) var shard: String?
    func run() throws { throw StageUnavailable(verb: "batch") }
}
