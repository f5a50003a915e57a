internal import CFaultVFS

/// The fault-injecting SQLite VFS (the `CFaultVFS` target), registered once under
/// ``name``: a vault opened with `Vault.Configuration.vfsName = FaultVFS.name` goes through it.
///
/// One campaign at a time: the VFS keeps its plans and records in process-wide state.
package enum FaultVFS {
    package static let name = "tokenvault-faults"

    /// The methods whose calls it counts, and can fail.
    package enum Method: Int32, CaseIterable, Sendable {
        case write = 0
        case sync, read, truncate, lock
    }

    /// The I/O errors it injects.
    package enum Failure: Int32, CaseIterable, Sendable {
        /// `EIO`: the call fails.
        case eio = 0
        /// `ENOSPC`: the disk is full.
        case enospc
        /// A write that reaches the file half, then reports a full disk.
        case shortWrite
    }

    private static let registered: Bool = faultvfs_register(name) == 0

    /// Registers the VFS (once) and forgets every plan, count and unsynced record.
    package static func reset() {
        precondition(registered, "the fault VFS could not be registered")
        faultvfs_reset()
    }

    /// A power cut just before the `event`-th write or sync (from 1).
    package static func planCut(at event: Int, torn: Bool, seed: UInt32) {
        faultvfs_plan_cut(event, torn ? 1 : 0, seed)
    }

    /// The `nth` call of `method` fails with `failure`, once.
    package static func planError(_ method: Method, nth: Int, _ failure: Failure) {
        faultvfs_plan_error(method.rawValue, nth, failure.rawValue)
    }

    /// Writes and syncs so far: the positions a cut can take.
    package static var events: Int { faultvfs_events() }

    package static func calls(_ method: Method) -> Int { faultvfs_calls(method.rawValue) }

    package static var cutHappened: Bool { faultvfs_cut_happened() != 0 }

    package static var errorHappened: Bool { faultvfs_error_happened() != 0 }
}
