internal import CPosix
internal import Glibc

/// SIGTERM and SIGINT as a readable descriptor, so that a `poll(2)` loop sees them (the
/// self-pipe trick).
///
/// ``install()`` sets a handler, written in C, that writes the signal's number to a pipe;
/// the loop polls ``descriptor`` and calls ``take()``. This works whichever thread the kernel
/// delivers the signal to, so it needs no signal mask in any thread (`signalfd` would need
/// both signals blocked in every thread, including threads that libraries started before).
/// It does need them unblocked in one: the install unblocks both in the calling thread, since
/// a mask is inherited across `exec` (a process spawned from a libdispatch thread, which
/// blocks them, would otherwise never see a SIGTERM), and ``restore()`` puts the mask back.
///
/// ```swift
/// let signals = try TerminationSignals.install()
/// defer { signals.restore() }
/// // in the loop, after poll:
/// if set.events(at: signalIndex).contains(.readable), !signals.take().isEmpty { beginShutdown() }
/// ```
///
/// One process has one set of handlers: install it from one place (the server's run loop).
/// The pipe stays open for the life of the process, so a signal that arrives while
/// ``restore()`` runs never writes to a descriptor number that was reused.
package final class TerminationSignals: Sendable {
    /// The pipe the handler writes to; created on the first install.
    private static let pipe = Result { () throws(SystemError) in try WakePipe() }

    private let pipe: WakePipe

    private init(pipe: WakePipe) {
        self.pipe = pipe
    }

    /// The descriptor to poll for `.readable`.
    package var descriptor: Int32 { pipe.readDescriptor }

    /// Installs the handler for SIGTERM and SIGINT, saving the actions they had, and unblocks
    /// both in the calling thread (threads it starts later inherit its mask). Signals received
    /// before the install and not taken are discarded; one pending while blocked is delivered.
    ///
    /// - Throws: ``SystemError/Kind/failed`` when the pipe cannot be created or `sigaction`
    ///   fails.
    package static func install() throws(SystemError) -> TerminationSignals {
        let pipe: WakePipe
        switch Self.pipe {
        case .success(let created): pipe = created
        case .failure(let error): throw error
        }
        pipe.drain()
        guard cposix_install_termination_pipe(pipe.writeDescriptor) == 0 else {
            throw .failed("cannot install the signal handlers: \(SystemError.errnoMessage)")
        }
        return TerminationSignals(pipe: pipe)
    }

    /// The signals received since the last call (`SIGTERM`, `SIGINT`), in order; empty if none.
    package func take() -> [Int32] {
        pipe.drain().map(Int32.init)
    }

    /// Puts back the actions SIGTERM and SIGINT had before ``install()``, and the calling
    /// thread's signal mask (call it from the thread that installed).
    package func restore() {
        cposix_restore_termination_signals()
    }

    /// A name for `signal`: `SIGTERM`, `SIGINT`, or its number.
    package static func name(of signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        default: "signal \(signal)"
        }
    }
}
