import Testing
import TokenVault
import TokenVaultJSON
import TokenVaultSystem
import TokenVaultWire

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

/// One sanitiser for every place that prints stored text: terminals, tables, CSV, JSON, iCalendar.
@Suite("Stored text shown safely")
struct DisplayTextTests {
    static let hostile = ["evil\u{1b}]0;pwned\u{07}", "erp-prod\u{202E}dorp", "a\u{2066}b\u{2069}", "x\u{200F}y", "line\u{2028}break", "c1\u{9B}31m"]

    @Test(arguments: hostile)
    func everyUnsafeScalarIsReplaced(_ text: String) {
        let cleaned = DisplayText.clean(text)
        #expect(!cleaned.unicodeScalars.contains { DisplayText.isUnsafe($0) })
        #expect(cleaned.unicodeScalars.count == text.unicodeScalars.count)
        #expect(!CSV.field(text).unicodeScalars.contains { DisplayText.isUnsafe($0) })
        #expect(!ICalendar.escape(text).unicodeScalars.contains { DisplayText.isUnsafe($0) })
        #expect(!JSON.string(text).rendered().unicodeScalars.contains { DisplayText.isUnsafe($0) })
    }

    @Test func ordinaryTextIsUnchanged() {
        for text in ["erp-prod", "Straße – Zürich", "日本語", "emoji 🔑", "tab\u{00A0}nbsp"] {
            #expect(DisplayText.clean(text) == text)
        }
        #expect(DisplayText.clean(String(repeating: "a", count: 70), limit: 60) == String(repeating: "a", count: 60) + "…")
    }

    @Test func csvFieldsNeverStartAFormulaAndQuoteAsRFC4180() {
        #expect(CSV.field("=cmd|' /C calc'!A0") == "'=cmd|' /C calc'!A0")
        #expect(CSV.field("-1+1") == "'-1+1")
        #expect(CSV.field("a,b") == "\"a,b\"")
        #expect(CSV.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(CSV.field("two\nlines") == "two?lines")
    }
}
