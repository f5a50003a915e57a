// The driver of scripts/fault-test.sh: every write path of the vault under simulated power cuts
// and I/O errors (the TokenVaultFaults campaign), ending with one line of counts.
//
//   TokenVaultFaultTest DIRECTORY [--cuts N] [--error-positions N] [--only OPERATION,…]
//
// Exit status: 0 when every invariant held, 1 when one did not, 2 for bad arguments.
import TokenVaultFaults

/// The options, and the one directory left.
func parse(_ given: [String]) -> (directory: String, cuts: Int, errorPositions: Int, only: Set<String>?)? {
    var rest = given
    func value(_ option: String) -> String? {
        guard let index = rest.firstIndex(of: option), index + 1 < rest.count else { return nil }
        defer { rest.removeSubrange(index...(index + 1)) }
        return rest[index + 1]
    }
    let cuts = value("--cuts").flatMap(Int.init) ?? 1_000
    let errorPositions = value("--error-positions").flatMap(Int.init) ?? 200
    let only = value("--only").map { Set($0.split(separator: ",").map(String.init)) }
    guard rest.count == 1, cuts > 0, errorPositions > 0 else { return nil }
    return (rest[0], cuts, errorPositions, only)
}

func main() -> Int32 {
    guard let options = parse(Array(CommandLine.arguments.dropFirst())) else {
        print("usage: TokenVaultFaultTest DIRECTORY [--cuts N] [--error-positions N] [--only OPERATION,…]")
        return 2
    }
    do {
        let campaign = try FaultCampaign(
            directory: options.directory, cutsPerOperation: options.cuts, errorPositionsPerMethod: options.errorPositions
        ) { line in print(line) }
        let tally = campaign.run(only: options.only)
        for finding in tally.findings { print("finding: \(finding)") }
        print(tally.summary)
        return tally.isClean ? 0 : 1
    } catch {
        print("fault-test: cannot set up the fixture: \(error)")
        return 2
    }
}

FaultCampaign.exit(main())
