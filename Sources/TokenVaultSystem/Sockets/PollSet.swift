internal import Glibc

/// The descriptors one `poll(2)` call waits on, and what each was found ready for.
///
/// An event loop rebuilds the set before each wait (``removeAll()`` keeps its storage), then
/// reads each entry's ``events(at:)`` by the index ``add(_:for:)`` returned.
///
/// ```swift
/// var set = PollSet()
/// let wake = set.add(wakePipe.readDescriptor, for: .readable)
/// let client = set.add(socket.descriptor, for: .readable)
/// try set.wait(timeoutMilliseconds: 1_000)
/// if set.events(at: client).contains(.readable) { ... }
/// ```
package struct PollSet {
    /// Readiness, as `poll(2)` reports it.
    package struct Events: OptionSet, Sendable {
        package let rawValue: Int16
        package init(rawValue: Int16) { self.rawValue = rawValue }

        /// Data to read, or the end of the stream (`POLLIN`).
        package static let readable = Events(rawValue: Int16(POLLIN))
        /// Room to write (`POLLOUT`).
        package static let writable = Events(rawValue: Int16(POLLOUT))
        /// An error is pending (`POLLERR`; reported whether asked for or not).
        package static let error = Events(rawValue: Int16(POLLERR))
        /// The peer hung up (`POLLHUP`; reported whether asked for or not).
        package static let hangUp = Events(rawValue: Int16(POLLHUP))
        /// The descriptor is not open (`POLLNVAL`).
        package static let invalid = Events(rawValue: Int16(POLLNVAL))
    }

    private var entries: [pollfd] = []

    /// Creates an empty set.
    package init() {}

    /// The number of descriptors in the set.
    package var count: Int { entries.count }

    /// Empties the set, keeping its storage for the next round.
    package mutating func removeAll() {
        entries.removeAll(keepingCapacity: true)
    }

    /// Adds `descriptor`, to wait until it is ready for `events`; returns its index.
    @discardableResult
    package mutating func add(_ descriptor: Int32, for events: Events) -> Int {
        entries.append(pollfd(fd: descriptor, events: events.rawValue, revents: 0))
        return entries.count - 1
    }

    /// Waits until a descriptor is ready or `timeoutMilliseconds` pass (-1: no time limit).
    ///
    /// - Returns: the number of descriptors with events; 0 on time-out or when a signal
    ///   interrupted the wait (`EINTR`), which callers treat alike: check the clock, wait again.
    /// - Throws: ``SystemError/Kind/failed`` when `poll` fails otherwise (`ENOMEM`, `EINVAL`).
    @discardableResult
    package mutating func wait(timeoutMilliseconds: Int) throws(SystemError) -> Int {
        let timeout = Int32(clamping: timeoutMilliseconds)
        let ready = entries.withUnsafeMutableBufferPointer { poll($0.baseAddress, nfds_t($0.count), timeout) }
        if ready >= 0 { return Int(ready) }
        if errno == EINTR {
            for index in entries.indices { entries[index].revents = 0 }
            return 0
        }
        throw .failed("poll failed: \(SystemError.errnoMessage)")
    }

    /// What the descriptor at `index` was found ready for by the last ``wait(timeoutMilliseconds:)``.
    package func events(at index: Int) -> Events {
        Events(rawValue: entries[index].revents)
    }

    /// Waits until one descriptor is ready for `events` or `timeoutMilliseconds` pass.
    ///
    /// - Returns: what it is ready for; empty on time-out, on `EINTR` or when `poll` fails.
    package static func wait(for descriptor: Int32, _ events: Events, timeoutMilliseconds: Int) -> Events {
        var entry = pollfd(fd: descriptor, events: events.rawValue, revents: 0)
        guard poll(&entry, 1, Int32(clamping: timeoutMilliseconds)) > 0 else { return [] }
        return Events(rawValue: entry.revents)
    }

    /// The milliseconds from now until `deadline`, as a time-out for ``wait(timeoutMilliseconds:)``:
    /// rounded up, so that a wait does not end just before it; 0 when it has passed.
    package static func milliseconds(until deadline: ContinuousClock.Instant, now: ContinuousClock.Instant = .now) -> Int {
        milliseconds(deadline - now)
    }

    /// `duration` in whole milliseconds, rounded up; 0 for a negative duration, at most a day.
    package static func milliseconds(_ duration: Duration) -> Int {
        guard duration > .zero else { return 0 }
        let (seconds, attoseconds) = duration.components
        guard seconds < 86_400 else { return 86_400_000 }
        return Int(seconds) * 1_000 + Int((attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
