/// What systemd asks the credentials socket for: one credential, for one unit, named in the
/// abstract address of the socket that connects.
///
/// For `LoadCredential=ID:PATH` with `PATH` a Unix stream socket, the service manager connects
/// to `PATH` when the unit starts and reads the credential until the end of the stream. Before
/// connecting it binds its own socket to the abstract address `\0RANDOM/unit/UNIT/ID`: `RANDOM`
/// is a random 64-bit number in lowercase hex (1 to 16 digits), `UNIT` the unit's full name and
/// `ID` the credential's id (systemd.exec(5), "Credentials"). The server reads that address with
/// `getpeername(2)`.
///
/// ```swift
/// // the peer's abstract name, without its leading NUL
/// let request = try UnitCredentialRequest(abstractName: Array("5c2f1a0e9b8d7c6a/unit/edi-connector.service/erp-prod".utf8))
/// request.unit        // "edi-connector.service"
/// request.credential  // "erp-prod"
/// ```
///
/// Security: the name is only as trustworthy as the process that bound it. Any root process can
/// bind any abstract name, so the server accepts a request only from a root peer (the kernel's
/// `SO_PEERCRED`), and the name then says which unit systemd is starting; it proves nothing more
/// (docs/security-model.md).
public struct UnitCredentialRequest: Sendable, Hashable {
    /// The unit's full name (`edi-connector.service`), valid as a unit principal's is
    /// (``NewPrincipalRecognition/unit(_:)``).
    public let unit: String
    /// The credential's name: systemd's `ID`, which must be a valid credential name.
    public let credential: String

    /// Parses the abstract address of the connecting socket, without its leading NUL byte.
    ///
    /// Strict: exactly four parts separated by `/`, the first 1 to 16 lowercase hex digits,
    /// the second `unit`, the third a valid unit name, the fourth a valid credential name; UTF-8,
    /// no NUL byte.
    ///
    /// - Parameter abstractName: the bytes of `sun_path` after its first (NUL) byte, as long as
    ///   the address length says.
    /// - Throws: ``VaultError/Kind/invalidInput`` for any other shape. The message does not
    ///   repeat the name (the peer chose it).
    public init(abstractName: [UInt8]) throws(VaultError) {
        let malformed = VaultError.invalid("the peer's socket name is not a systemd credential request (RANDOM/unit/UNIT/ID)")
        guard abstractName.count <= 512, !abstractName.contains(0), let text = String(validating: abstractName, as: UTF8.self) else {
            throw malformed
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 4, parts[1] == "unit", (1...16).contains(parts[0].utf8.count),
            parts[0].utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) })
        else { throw malformed }
        do {
            unit = try Labels.unitName(String(parts[2]))
            credential = try Labels.name(String(parts[3]))
        } catch {
            throw malformed
        }
    }
}
