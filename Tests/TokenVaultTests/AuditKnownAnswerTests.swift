import Testing
import TokenVaultCrypto

@testable import TokenVault

/// The audit chain against vectors computed outside TokenVault (by hand, from the format in
/// docs/audit-format.md, with Python's hashlib): if the encoding or the chaining changed, every
/// vault's trail would stop verifying, and these would fail first.
@Suite("Audit chain known-answer vectors")
struct AuditKnownAnswerTests {
    static let vaultID: [UInt8] = Array(0..<16)

    static let initEvent = AuditEvent(
        sequence: 1, time: 1_795_378_170, actor: "root", action: .initialize, credentialID: nil, credentialName: nil,
        needProject: nil, needResource: nil, needPermissions: nil, outcome: .ok, reason: nil, version: nil, changesState: false,
        actorKind: nil, peer: nil, onBehalfOf: nil
    )

    /// A fetch that recorded a first use: every optional field kind, and the state flag.
    static let fetchEvent = AuditEvent(
        sequence: 2, time: 1_795_378_171, actor: "root", action: .fetch, credentialID: "cred_00112233445566778899",
        credentialName: "erp", needProject: "shop", needResource: nil, needPermissions: "r", outcome: .ok, reason: nil,
        version: 1, changesState: true, actorKind: nil, peer: nil, onBehalfOf: nil
    )

    /// A fetch through the service (schema 7): the flag, then the actor's kind, the peer and the
    /// declared name, always written once the kind is set.
    static let serviceFetchEvent = AuditEvent(
        sequence: 3, time: 1_795_378_172, actor: "principal:ci", action: .fetch, credentialID: "cred_00112233445566778899",
        credentialName: "erp", needProject: "shop", needResource: "orders", needPermissions: "r", outcome: .ok, reason: nil,
        version: 1, changesState: false, actorKind: .principal, peer: "uid=1001 pid=4242", onBehalfOf: "alice"
    )

    @Test func theEventEncodingIsByteForByteTheDocumentedOne() {
        #expect(
            Hex.encode(AuditLog.encode(Self.initEvent)) == """
                7300000019746f6b656e7661756c742f76312f61756469742d6576656e74690000000800000000000000016900000008000000006b034bfa\
                7300000004726f6f747300000004696e69746e6e6e6e6e73000000026f6b6e6e
                """)
        #expect(
            Hex.encode(AuditLog.encode(Self.fetchEvent)) == """
                7300000019746f6b656e7661756c742f76312f61756469742d6576656e74690000000800000000000000026900000008000000006b034bfb\
                7300000004726f6f74730000000566657463687300000019637265645f30303131323233333434353536363737383839397300000003657270\
                730000000473686f706e73000000017273000000026f6b6e6900000008000000000000000169000000080000000000000001
                """)
        #expect(
            Hex.encode(AuditLog.encode(Self.serviceFetchEvent)) == """
                7300000019746f6b656e7661756c742f76312f61756469742d6576656e74690000000800000000000000036900000008000000006b034bfc\
                730000000c7072696e636970616c3a6369730000000566657463687300000019637265645f3030313132323333343435353636373738383939\
                7300000003657270730000000473686f7073000000066f726465727373000000017273000000026f6b6e690000000800000000000000016900\
                000008000000000000000073000000097072696e636970616c73000000117569643d31303031207069643d343234327300000005616c696365
                """)
    }

    @Test func theChainHashesAreTheComputedOnes() {
        let genesis = AuditLog.genesisHash(vaultID: Self.vaultID)
        #expect(Hex.encode(genesis) == "72a9b5f3319d2074525ca81c3ac72c71c1e02674156759c8328d366b29c7819c")
        let first = AuditLog.chainHash(previous: genesis, event: Self.initEvent)
        #expect(Hex.encode(first) == "f34c225f0a67539ca51bec43bc992fae9e80bbec70d22b0490047821661ea31f")
        let second = AuditLog.chainHash(previous: first, event: Self.fetchEvent)
        #expect(Hex.encode(second) == "2f32dccb4349f883bb41d52ac58cb1dbb2341a8f62b45f4c285582c0883f90df")
        let third = AuditLog.chainHash(previous: second, event: Self.serviceFetchEvent)
        #expect(Hex.encode(third) == "cd14c6203ef4a87566ca510e58c9d074ab8288e896693fb0ba330d0edc6e1f5f")
    }
}
