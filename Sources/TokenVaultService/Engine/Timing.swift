/// Durations as `poll(2)` takes them.
enum Timing {
    /// The milliseconds from now until `deadline`, rounded up so that a wait does not end just
    /// before it; 0 when it has passed.
    static func milliseconds(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> Int {
        milliseconds(deadline - now)
    }

    /// `duration` in whole milliseconds, rounded up; 0 for a negative duration, at most a day.
    static func milliseconds(_ duration: Duration) -> Int {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        guard seconds < 86_400 else { return 86_400_000 }
        return Int(seconds) * 1_000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
