import Foundation
import Testing
import TokenVaultFuzzing

/// Replays the fuzzing corpus (seeds, and every crash the fuzzer ever found, once fixed)
/// through the same entry point as scripts/fuzz.sh: each input must pass its properties.
@Suite("Fuzz corpus replay")
struct FuzzCorpusTests {
    @Test func everyCorpusInputPasses() throws {
        let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fuzz/corpus")
        let files = try FileManager.default.contentsOfDirectory(atPath: corpus.path).sorted()
        #expect(files.count >= 30)
        var selectors = Set<Int>()
        for file in files {
            let bytes = [UInt8](try Data(contentsOf: corpus.appendingPathComponent(file)))
            if let first = bytes.first { selectors.insert(Int(first) % FuzzEntry.targets.count) }
            FuzzEntry.run(bytes)
        }
        #expect(selectors.count == FuzzEntry.targets.count)  // every parser has seeds
    }
}
