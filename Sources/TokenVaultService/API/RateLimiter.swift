import Synchronization

/// A token bucket per caller: `rate` requests a second on average, bursts of up to `burst`.
///
/// The service keys principals by their id and callers it could not authenticate by their user
/// id, so that a flood of refused requests (each one audited) is bounded too.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: Double
    }

    /// Requests a second; 0 turns the limit off.
    let rate: Double
    let burst: Double
    private let buckets = Mutex<[String: Bucket]>([:])

    init(rate: Double, burst: Double) {
        self.rate = rate
        self.burst = max(1, burst)
    }

    /// Whether `key`'s bucket holds a token at time `now`, without taking it.
    func hasCapacity(_ key: String, now: Double) -> Bool {
        guard rate > 0 else { return true }
        return buckets.withLock { buckets in
            guard let bucket = buckets[key] else { return true }
            return min(burst, bucket.tokens + (now - bucket.updated) * rate) >= 1
        }
    }

    /// Takes one token from `key`'s bucket at time `now` (seconds); false when it is empty.
    func admit(_ key: String, now: Double) -> Bool {
        guard rate > 0 else { return true }
        return buckets.withLock { buckets in
            var bucket = buckets[key] ?? Bucket(tokens: burst, updated: now)
            bucket.tokens = min(burst, bucket.tokens + (now - bucket.updated) * rate)
            bucket.updated = now
            let admitted = bucket.tokens >= 1
            if admitted { bucket.tokens -= 1 }
            // Bounded: a full bucket holds no information, so idle callers are forgotten.
            if buckets.count > 10_000 { buckets = buckets.filter { $0.value.tokens < burst } }
            buckets[key] = bucket
            return admitted
        }
    }
}
