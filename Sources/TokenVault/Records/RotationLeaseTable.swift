internal import TokenVaultStore

/// The `rotation_leases` table: which process is rotating a credential, and until when. At most
/// one row per credential. ``Rotation/LeaseColumn`` lists the columns that decide who holds it.
enum RotationLeaseTable {
    private static let heldBySQL = "SELECT \(Rotation.LeaseColumn.selectList()) FROM rotation_leases WHERE credential_id = ?"
    // An upsert that sets every other column: the row ends as a replacement would leave it
    // (the key is the table's only unique constraint, and no table references the rows).
    private static let claimSQL = """
        INSERT INTO rotation_leases (credential_id, owner_host, owner_pid, started_at, lease_until) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (credential_id) DO UPDATE SET owner_host = excluded.owner_host, owner_pid = excluded.owner_pid,
        started_at = excluded.started_at, lease_until = excluded.lease_until
        """
    private static let releaseSQL = "DELETE FROM rotation_leases WHERE credential_id = ?"

    /// The lease on the credential: its owner and end, or nil when there is none.
    static func heldBy(_ db: Connection, credential rowID: Int64) throws -> (host: String?, pid: Int64?, until: Int64?)? {
        try db.row(heldBySQL, [rowID]).map { lease in
            (
                lease.string(Rotation.LeaseColumn.ownerHost), lease.int64(Rotation.LeaseColumn.ownerPid),
                lease.int64(Rotation.LeaseColumn.leaseUntil)
            )
        }
    }

    /// Takes the lease for the process `pid` on `host`, replacing any other.
    static func claim(_ db: Connection, credential rowID: Int64, host: String, pid: Int64, at time: UnixTime, until: UnixTime) throws {
        try db.execute(claimSQL, [rowID, host, pid, time, until])
    }

    static func release(_ db: Connection, credential rowID: Int64) throws {
        try db.execute(releaseSQL, [rowID])
    }
}
