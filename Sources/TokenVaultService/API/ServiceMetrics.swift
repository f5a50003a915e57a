import Synchronization

/// What `/metrics` reports, counted as requests are answered: requests by route and status, and
/// a histogram of fetch latencies. The gauges (open connections, commit groups, credentials
/// expiring soon) are read when the metrics are scraped.
final class ServiceMetrics: Sendable {
    /// The upper bounds of the fetch latency buckets, in seconds.
    static let latencyBounds: [Double] = [0.000_5, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5]

    private struct Counts {
        var requests: [String: Int] = [:]
        var latencyBuckets = [Int](repeating: 0, count: ServiceMetrics.latencyBounds.count)
        var latencyCount = 0
        var latencySum = 0.0
    }

    private let counts = Mutex(Counts())

    /// Counts one answered request; a fetch's latency (seconds) goes into the histogram.
    func record(route: String, status: Int, fetchLatency: Double?) {
        counts.withLock { counts in
            counts.requests["\(route)\u{0}\(status)", default: 0] += 1
            guard let latency = fetchLatency else { return }
            counts.latencyCount += 1
            counts.latencySum += latency
            for (index, bound) in Self.latencyBounds.enumerated() where latency <= bound { counts.latencyBuckets[index] += 1 }
        }
    }

    /// The counters in the Prometheus text format (version 0.0.4), followed by `gauges`.
    func rendered(gauges: [(name: String, help: String, value: Double)]) -> String {
        let snapshot = counts.withLock { $0 }
        var out = "# HELP tokenvault_requests_total Requests answered, by route and status.\n# TYPE tokenvault_requests_total counter\n"
        for (key, count) in snapshot.requests.sorted(by: { $0.key < $1.key }) {
            let parts = key.split(separator: "\u{0}", maxSplits: 1).map(String.init)
            out += "tokenvault_requests_total{route=\"\(Self.escape(parts[0]))\",status=\"\(parts[1])\"} \(count)\n"
        }
        out += "# HELP tokenvault_fetch_seconds Time to answer a fetch, its audit event durable.\n# TYPE tokenvault_fetch_seconds histogram\n"
        for (index, bound) in Self.latencyBounds.enumerated() {
            out += "tokenvault_fetch_seconds_bucket{le=\"\(bound)\"} \(snapshot.latencyBuckets[index])\n"
        }
        out += "tokenvault_fetch_seconds_bucket{le=\"+Inf\"} \(snapshot.latencyCount)\n"
        out += "tokenvault_fetch_seconds_sum \(snapshot.latencySum)\ntokenvault_fetch_seconds_count \(snapshot.latencyCount)\n"
        for gauge in gauges {
            out += "# HELP \(gauge.name) \(gauge.help)\n# TYPE \(gauge.name) gauge\n\(gauge.name) \(Self.number(gauge.value))\n"
        }
        return out
    }

    private static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    /// A label value: backslash, quote and newline escaped.
    private static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }
}
