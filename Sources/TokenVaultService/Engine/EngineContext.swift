import Synchronization
import TokenVaultSystem

/// What the event loop and the workers share: the handler, the counters, the shutdown flags,
/// and the queue on which workers give connections back to the loop.
final class EngineContext: Sendable {
    let configuration: ServerConfiguration
    let handler: any RequestHandler
    let statistics: ServerStatistics
    /// Wakes the event loop: a connection was given back, one was closed during shutdown,
    /// ``Server/stop()`` was called, a worker ended.
    let wake: WakePipe
    /// Set by ``Server/stop()``.
    let stopRequested = Atomic<Bool>(false)
    /// Set when the graceful shutdown starts: responses say `Connection: close`.
    let shuttingDown = Atomic<Bool>(false)
    /// Set when the shutdown's grace period is over: workers stop writing and close.
    let abortWrites = Atomic<Bool>(false)
    /// Open connections of the TLS listeners (counted within the statistics' open connections).
    let remoteConnections = Atomic<Int>(0)

    private let returnLock = ConditionLock()
    // Guarded by returnLock.
    nonisolated(unsafe) private var returned: [Connection] = []
    nonisolated(unsafe) private var returnsClosed = false

    init(configuration: ServerConfiguration, handler: any RequestHandler, statistics: ServerStatistics) throws(SystemError) {
        self.configuration = configuration
        self.handler = handler
        self.statistics = statistics
        wake = try WakePipe()
    }

    /// Gives a connection waiting for its next request back to the event loop (from a worker).
    /// After the loop has ended, closes it instead.
    func giveBack(_ connection: Connection) {
        let accepted = returnLock.withLock {
            guard !returnsClosed else { return false }
            returned.append(connection)
            return true
        }
        if accepted { wake.wake() } else { close(connection) }
    }

    /// The connections given back since the last call (on the event loop).
    func takeReturned() -> [Connection] {
        returnLock.withLock {
            defer { returned.removeAll() }
            return returned
        }
    }

    /// Stops taking connections back (the event loop has ended); returns those still queued.
    func closeReturns() -> [Connection] {
        returnLock.withLock {
            returnsClosed = true
            defer { returned.removeAll() }
            return returned
        }
    }

    /// Closes a connection and counts it; during a shutdown, wakes the loop, which waits for
    /// the last connection to close.
    func close(_ connection: Connection) {
        guard connection.transport.isOpen else { return }
        connection.transport.close()
        closed(connection)
        if shuttingDown.load(ordering: .acquiring) { wake.wake() }
    }

    /// Counts a connection as closed (its transport is closed, or lingers on its own).
    func closed(_ connection: Connection) {
        statistics.connectionClosed()
        if connection.isRemote { remoteConnections.subtract(1, ordering: .relaxed) }
    }
}
