import TokenVaultHTTP
import TokenVaultSystem

/// What one worker thread does: takes a connection with a complete request, calls the
/// handler, writes the response, answers the connection's further pipelined requests in
/// order, then gives the connection back to the event loop (or closes it).
struct Worker {
    let context: EngineContext
    let queue: WorkQueue

    /// Answers jobs until the queue is closed.
    func run() {
        while let job = queue.pop() {
            serve(job)
        }
    }

    /// Answers the job's request and every complete request buffered after it, in order.
    private func serve(_ job: Job) {
        let connection = job.connection
        var request = job.request
        while true {
            var response = context.handler.respond(to: request, from: connection.peer)
            context.statistics.requestAnswered()
            response.keepAlive = response.keepAlive && request.keepAlive && !context.shuttingDown.load(ordering: .acquiring)
            var bytes = response.serialized()
            if request.method == "HEAD" { bytes.removeLast(response.body.count) }
            let written = write(bytes, to: connection)
            // A response may carry a secret (a fetch): its bytes are zeroed once sent, in both copies.
            SecureMemory.wipe(&bytes)
            SecureMemory.wipe(&response.body)
            guard written, response.keepAlive else { return context.close(connection) }
            do {
                guard let next = try connection.nextRequest() else { break }
                request = next
            } catch {
                _ = write(HTTPResponse(error: error).serialized(), to: connection)
                return context.close(connection)
            }
        }
        // The client ended its side after the requests it sent: they are answered.
        if connection.peerShutDown { return context.close(connection) }
        context.giveBack(connection)
    }

    /// Writes every byte without blocking the thread in `send`: waits for room with poll, at
    /// most ``ServerConfiguration/writeTimeout`` in all, and gives up at once when the
    /// shutdown's grace period is over.
    ///
    /// - Returns: whether every byte was written; false when the client went away or did not
    ///   read in time (counted as timed out).
    private func write(_ bytes: [UInt8], to connection: Connection) -> Bool {
        let deadline = ContinuousClock.now + context.configuration.writeTimeout
        let transport = connection.transport
        return bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                guard !context.abortWrites.load(ordering: .acquiring) else { return false }
                switch transport.send(UnsafeRawBufferPointer(rebasing: raw[offset...])) {
                case .transferred(let count):
                    offset += count
                case .wouldBlock:
                    let remaining = PollSet.milliseconds(until: deadline)
                    guard remaining > 0 else {
                        context.statistics.connectionTimedOut()
                        return false
                    }
                    // In slices, to see an abort during a shutdown.
                    // Writable, or readable when TLS must read first.
                    _ = PollSet.wait(for: transport.descriptor, transport.waitingFor, timeoutMilliseconds: min(remaining, 100))
                case .endOfFile, .failed:
                    return false
                }
            }
            return true
        }
    }
}
