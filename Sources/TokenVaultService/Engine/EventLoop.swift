import TokenVaultHTTP
import TokenVaultSystem
import TokenVaultTLS

/// The event loop of ``Server/run()``: one thread, one `poll(2)` over the listeners, the wake
/// pipe, the signal pipe, and every connection waiting for bytes.
///
/// Each round it accepts waiting connections, runs the TLS handshakes under way (each as far as
/// it goes without waiting), reads what arrived into each connection's
/// parser (into one shared 16 KiB buffer, then appended), hands each connection with a
/// complete request to the workers (it leaves the poll set until a worker gives it back),
/// answers refusals and time-outs itself, and closes connections that ended. Nothing on this
/// thread blocks but `poll` itself: every descriptor is non-blocking, and a refusal (a few
/// hundred bytes) is written once, without waiting.
final class EventLoop {
    private let context: EngineContext
    private let pool: WorkerPool
    private let signals: TerminationSignals?
    private var configuration: ServerConfiguration { context.configuration }

    /// The connections waiting for bytes (the loop owns them).
    private var connections: [ObjectIdentifier: Connection] = [:]
    /// Refused connections whose response is written and writing side shut down: what the
    /// client still sends is read and dropped until it closes, so that it reads the response
    /// and the end of the stream rather than a reset (a lingering close).
    private var lingering: [(transport: any Transport, until: ContinuousClock.Instant)] = []
    private var pollSet = PollSet()
    private var polledConnections: [Connection] = []
    private var readBuffer = [UInt8](repeating: 0, count: 16_384)
    /// After `accept` failed for want of descriptors or memory: when to try again.
    private var acceptPausedUntil: ContinuousClock.Instant?
    /// Set when the graceful shutdown starts: when it ends at the latest.
    private var drainDeadline: ContinuousClock.Instant?
    /// The log lines of failed TLS handshakes that may still be written now (refilled by one a
    /// second, up to five), when it was refilled, and how many were not logged since the last.
    private var handshakeLogBudget = 5.0
    private var handshakeLogRefilled: ContinuousClock.Instant?
    private var handshakeLinesLeftOut = 0

    /// How long a refused connection lingers at most, and how many linger at once.
    private static let lingerTime: Duration = .seconds(1)
    private static let maximumLingering = 64
    /// Connections accepted at most in one round, so that a flood does not starve the others.
    private static let acceptsPerRound = 64

    init(context: EngineContext, pool: WorkerPool, signals: TerminationSignals?) {
        self.context = context
        self.pool = pool
        self.signals = signals
    }

    /// Runs until a graceful shutdown has finished.
    ///
    /// - Throws: ``SystemError`` when `poll` fails; the connections are closed and the workers
    ///   stopped first.
    func run() throws(SystemError) {
        var failure: SystemError?
        while true {
            let now = ContinuousClock.now
            if drainDeadline == nil && context.stopRequested.load(ordering: .acquiring) {
                beginShutdown(now: now, reason: "stop requested")
            }
            if let drainDeadline, context.statistics.openConnections == 0 || now >= drainDeadline { break }

            pollSet.removeAll()
            polledConnections.removeAll(keepingCapacity: true)
            let wakeIndex = pollSet.add(context.wake.readDescriptor, for: .readable)
            let signalIndex = signals.map { pollSet.add($0.descriptor, for: .readable) }
            var wakeAt = drainDeadline
            var listenersStart: Int?
            if drainDeadline == nil {
                if let until = acceptPausedUntil, now < until {
                    wakeAt = until
                } else {
                    acceptPausedUntil = nil
                    listenersStart = pollSet.count
                    for listener in configuration.listeners { pollSet.add(listener.descriptor, for: .readable) }
                }
            }
            let lingeringStart = pollSet.count
            for entry in lingering {
                pollSet.add(entry.transport.descriptor, for: .readable)
                wakeAt = earliest(wakeAt, entry.until)
            }
            let connectionsStart = pollSet.count
            for connection in connections.values {
                pollSet.add(connection.transport.descriptor, for: connection.pollEvents)
                polledConnections.append(connection)
                wakeAt = earliest(wakeAt, connection.deadline(configuration))
            }

            do {
                try pollSet.wait(timeoutMilliseconds: wakeAt.map { PollSet.milliseconds(until: $0, now: now) } ?? -1)
            } catch {
                failure = error
                break
            }

            let ready = ContinuousClock.now
            if !pollSet.events(at: wakeIndex).isEmpty {
                context.wake.drain()
                adoptReturnedConnections(now: ready)
            }
            if let listenersStart {
                for (offset, listener) in configuration.listeners.enumerated() where !pollSet.events(at: listenersStart + offset).isEmpty {
                    acceptWaitingConnections(on: listener, now: ready)
                }
            }
            serveLingering(polledFrom: lingeringStart, count: connectionsStart - lingeringStart, now: ready)
            for (offset, connection) in polledConnections.enumerated() where !pollSet.events(at: connectionsStart + offset).isEmpty {
                receive(on: connection, now: ready)
            }
            if let signalIndex, !pollSet.events(at: signalIndex).isEmpty {
                for signal in signals?.take() ?? [] { handle(signal: signal, now: ready) }
            }
            expireTimeouts(now: ready)
        }
        finish()
        if let failure { throw failure }
    }

    // MARK: Connections

    /// Accepts the waiting connections: each becomes a connection waiting for its first
    /// request (after its TLS handshake), or, over the limit, is answered 503 and closed (a TLS
    /// connection is closed without an answer: it has no session yet).
    private func acceptWaitingConnections(on listener: Listener, now: ContinuousClock.Instant) {
        for _ in 0..<Self.acceptsPerRound {
            let accepted: Listener.Accepted?
            do {
                accepted = try listener.accept()
            } catch {
                // Out of descriptors or memory: the connection stays queued and the listener
                // readable; polling it again at once would spin.
                configuration.log("\(error.message); accepting again in 100 ms")
                acceptPausedUntil = now + .milliseconds(100)
                return
            }
            guard let accepted else { return }
            let remote = accepted.transport is TLSTransport
            let remoteLimit = configuration.maxRemoteConnections ?? max(1, configuration.maxConnections / 2)
            guard context.statistics.openConnections < configuration.maxConnections,
                !remote || context.remoteConnections.load(ordering: .relaxed) < remoteLimit
            else {
                context.statistics.connectionRefused()
                if remote {
                    accepted.transport.close()
                } else {
                    refuse(accepted.transport, with: EngineResponses.overLimit, now: now)
                }
                continue
            }
            context.statistics.connectionOpened()
            if remote { context.remoteConnections.add(1, ordering: .relaxed) }
            let connection = Connection(accepted, now: now)
            connections[ObjectIdentifier(connection)] = connection
            // The client speaks first in TLS, but its hello may be there already.
            if connection.handshakePending { receive(on: connection, now: now) }
        }
    }

    /// Takes the TLS handshake of `connection` as far as it goes. Returns whether requests can
    /// be read; a failed handshake (plain HTTP on the TLS port, a certificate refused) is
    /// logged, counted and closed, without an answer.
    private func handshake(_ connection: Connection, now: ContinuousClock.Instant) -> Bool {
        switch connection.continueHandshake(now: now) {
        case .done:
            return true
        case .wait:
            return false
        case .failed(let reason):
            context.statistics.handshakeFailed()
            if case .remote(let address, _) = connection.peer {
                logHandshakeFailure("TLS handshake with \(address) failed: \(reason)", now: now)
            }
            close(connection)
            return false
        }
    }

    /// Reads what arrived on `connection` (at most one request's limit buffered, plus one
    /// read), then hands a complete request to the workers, answers a refusal, or closes a
    /// connection whose client ended it before a complete request.
    private func receive(on connection: Connection, now: ContinuousClock.Instant) {
        if connection.handshakePending {
            guard handshake(connection, now: now) else { return }
        }
        var ended = false
        reading: while connection.parser.bufferedByteCount < HTTPRequestParser.maximumRequestLength {
            let transfer = readBuffer.withUnsafeMutableBytes { connection.transport.receive(into: $0) }
            switch transfer {
            case .transferred(let count):
                connection.append(readBuffer[..<count], now: now)
                if count < readBuffer.count && connection.transport.shortReadDrains { break reading }
            case .wouldBlock:
                break reading
            case .endOfFile:
                ended = true
                break reading
            case .failed:
                return close(connection)
            }
        }
        do {
            if let request = try connection.nextRequest() {
                connections[ObjectIdentifier(connection)] = nil
                connection.peerShutDown = ended
                pool.queue.push(Job(connection: connection, request: request))
            } else if ended {
                // Idle, or half-closed in the middle of a request: nothing to answer.
                close(connection)
            }
        } catch {
            refuse(connection, with: HTTPResponse(error: error).serialized(), now: now)
        }
    }

    /// Takes back the connections workers have answered: each waits for its next request, or
    /// is closed when idle during a shutdown.
    private func adoptReturnedConnections(now: ContinuousClock.Instant) {
        for connection in context.takeReturned() {
            connection.startWaiting(now: now)
            if drainDeadline != nil && !connection.requestInProgress {
                context.close(connection)
            } else {
                connections[ObjectIdentifier(connection)] = connection
            }
        }
    }

    /// Logs a failed handshake: five lines at once at most, then one a second, the next line
    /// counting those left out, so that a peer on the network cannot flood the log (the metric
    /// counts every one).
    private func logHandshakeFailure(_ line: String, now: ContinuousClock.Instant) {
        let elapsed = handshakeLogRefilled.map { Double(PollSet.milliseconds(now - $0)) / 1_000 } ?? 5
        handshakeLogBudget = min(5, handshakeLogBudget + elapsed)
        handshakeLogRefilled = now
        guard handshakeLogBudget >= 1 else {
            handshakeLinesLeftOut += 1
            return
        }
        handshakeLogBudget -= 1
        let leftOut = handshakeLinesLeftOut > 0 ? " (and \(handshakeLinesLeftOut) more failed handshakes not logged)" : ""
        configuration.log(line + leftOut)
        handshakeLinesLeftOut = 0
    }

    /// Answers 408 to requests not complete in time and closes connections idle too long, or
    /// whose TLS handshake stalled.
    private func expireTimeouts(now: ContinuousClock.Instant) {
        for connection in connections.values where connection.deadline(configuration) <= now {
            if connection.handshakePending {
                context.statistics.connectionTimedOut()
                close(connection)
            } else if connection.requestInProgress {
                context.statistics.connectionTimedOut()
                refuse(connection, with: EngineResponses.requestTimeout, now: now)
            } else {
                close(connection)
            }
        }
    }

    private func close(_ connection: Connection) {
        connections[ObjectIdentifier(connection)] = nil
        context.close(connection)
    }

    /// Answers a refused request and closes its connection (lingering).
    private func refuse(_ connection: Connection, with response: [UInt8], now: ContinuousClock.Instant) {
        connections[ObjectIdentifier(connection)] = nil
        context.closed(connection)
        refuse(connection.transport, with: response, now: now)
    }

    /// Writes `response` once without waiting, shuts the writing side, and lets the socket
    /// linger; closes it at once when too many linger already. The send buffer is empty unless
    /// the client left earlier responses unread, in which case it may miss this one.
    private func refuse(_ transport: any Transport, with response: [UInt8], now: ContinuousClock.Instant) {
        transport.sendOnce(response)
        transport.shutdownWriting()
        if lingering.count < Self.maximumLingering {
            lingering.append((transport, now + Self.lingerTime))
        } else {
            transport.close()
        }
    }

    /// Reads and drops what lingering sockets received; closes those at their end of stream
    /// or past their time. The first `count` were polled from index `start` (those refused
    /// since wait for the next round).
    private func serveLingering(polledFrom start: Int, count: Int, now: ContinuousClock.Instant) {
        var kept: [(transport: any Transport, until: ContinuousClock.Instant)] = []
        for (offset, entry) in lingering.enumerated() {
            var done = entry.until <= now
            if !done && offset < count && !pollSet.events(at: start + offset).isEmpty {
                for _ in 0..<4 {
                    let transfer = readBuffer.withUnsafeMutableBytes { entry.transport.receive(into: $0) }
                    guard case .transferred = transfer else {
                        done = transfer != .wouldBlock
                        break
                    }
                }
            }
            if done { entry.transport.close() } else { kept.append(entry) }
        }
        lingering = kept
    }

    // MARK: Shutdown

    private func handle(signal: Int32, now: ContinuousClock.Instant) {
        let name = TerminationSignals.name(of: signal)
        if drainDeadline == nil {
            beginShutdown(now: now, reason: name)
        } else {
            configuration.log("\(name) again: closing the connections still open")
            drainDeadline = now
        }
    }

    /// Stops accepting and starts the graceful shutdown: requests being answered or received
    /// finish (their responses say `Connection: close`), idle connections close now.
    private func beginShutdown(now: ContinuousClock.Instant, reason: String) {
        configuration.log("shutting down (\(reason)): finishing the requests in progress")
        drainDeadline = now + configuration.shutdownGracePeriod
        context.shuttingDown.store(true, ordering: .releasing)
        for listener in configuration.listeners { listener.close() }
        if let socket = configuration.notifySocket { SystemdNotify.send("STOPPING=1", to: socket) }
        // A connection still in its TLS handshake has sent no request yet: closed too.
        for connection in connections.values where !connection.requestInProgress || connection.handshakePending {
            close(connection)
        }
    }

    /// Closes everything left, stops the workers, and waits for them (at most one second
    /// more); a worker still inside a handler then is detached.
    private func finish() {
        context.shuttingDown.store(true, ordering: .releasing)
        context.abortWrites.store(true, ordering: .releasing)
        for listener in configuration.listeners { listener.close() }
        for connection in connections.values { close(connection) }
        for entry in lingering { entry.transport.close() }
        lingering = []
        for connection in context.closeReturns() { context.close(connection) }
        for job in pool.queue.close() { context.close(job.connection) }

        let limit = ContinuousClock.now + .seconds(1)
        while !pool.allFinished {
            let remaining = PollSet.milliseconds(until: limit)
            guard remaining > 0 else { break }
            _ = PollSet.wait(for: context.wake.readDescriptor, .readable, timeoutMilliseconds: remaining)
            context.wake.drain()
        }
        let left = pool.joinOrDetach()
        if left > 0 { configuration.log("\(left) worker(s) still inside the handler were left to finish on their own") }
    }

    private func earliest(_ current: ContinuousClock.Instant?, _ candidate: ContinuousClock.Instant) -> ContinuousClock.Instant {
        current.map { min($0, candidate) } ?? candidate
    }
}
