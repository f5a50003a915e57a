/// Seconds on a clock that never jumps (the process's continuous clock), for rate limits and
/// latencies.
enum MonotonicClock {
    private static let start = ContinuousClock.now

    static var seconds: Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
