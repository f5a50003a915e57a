/// The nearest known word to a mistyped one, for "did you mean" in usage errors.
///
/// ```swift
/// Suggestion.nearest(to: "expire-in", among: ["expires", "expires-in", "grant"])  // "expires-in"
/// Suggestion.nearest(to: "bogus", among: ["expires", "grant"])                    // nil
/// ```
enum Suggestion {
    /// The candidate closest to `word` by edit distance (insertions, deletions, substitutions
    /// and swaps of two neighbours each count 1), if it is close enough: at most 1 edit for a
    /// word of up to 3 characters, 2 up to 7, 3 beyond, and fewer edits than `word` has
    /// characters (`x` is not near `h`). The first candidate wins a tie.
    static func nearest(to word: String, among candidates: [String]) -> String? {
        let limit = min(word.count <= 3 ? 1 : word.count <= 7 ? 2 : 3, word.count - 1)
        var best: (candidate: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(word, candidate)
            if distance <= limit, distance < best?.distance ?? Int.max { best = (candidate, distance) }
        }
        return best?.candidate
    }

    /// The optimal-string-alignment distance between `a` and `b`: the fewest insertions,
    /// deletions, substitutions and transpositions of adjacent characters that turn one into the
    /// other, no substring edited twice.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        // Three rows: the one before the previous (for transpositions), the previous, the current.
        var before = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], before[j - 2] + 1)
                }
            }
            (before, previous, current) = (previous, current, before)
        }
        return previous[b.count]
    }
}
