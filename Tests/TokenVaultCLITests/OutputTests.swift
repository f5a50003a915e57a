import Testing
@testable import TokenVaultCLI

@Suite("Listings written as they stream")
struct OutputTests {
    let headers = ["NAME", "STATE"]

    func streamed(_ rows: [[String]], sample: Int) -> String {
        let io = CapturedIO()
        let output = BufferedOutput(io)
        var table = StreamingTable(headers, output, sample: sample)
        for row in rows { table.append(row) }
        table.finish()
        output.flush()
        return io.outputText
    }

    @Test("up to the sample size, a streamed table is exactly the collected one")
    func smallListingsMatchTable() {
        let rows = [["erp-prod", "active"], ["x", "revoked"], ["billing-service", "expired"]]
        var table = Table(headers)
        for row in rows { table.append(row) }
        #expect(streamed(rows, sample: 3) == table.rendered())
        #expect(streamed(rows, sample: 1_000) == table.rendered())
        #expect(streamed([], sample: 10) == Table(headers).rendered())
    }

    @Test("past the sample, rows keep the sampled widths and a longer cell pushes its line right")
    func longListingsKeepSampledWidths() {
        let text = streamed([["ab", "active"], ["a", "revoked"], ["a-much-longer-name", "expired"]], sample: 2)
        #expect(text == "NAME  STATE\nab    active\na     revoked\na-much-longer-name  expired\n")
    }

    @Test("control characters in a streamed cell are replaced")
    func controlCharactersAreCleaned() {
        #expect(streamed([["a\u{1b}[2J", "active"]], sample: 5).contains("a?[2J"))
    }
}
