import Testing

@testable import TokenVaultStore

@Suite("ResultCode")
struct ResultCodeTests {
    // Extended codes, from sqlite3.h.
    static let busyRecovery = ResultCode(rawValue: 5 | (1 << 8))  // SQLITE_BUSY_RECOVERY
    static let busySnapshot = ResultCode(rawValue: 5 | (2 << 8))  // SQLITE_BUSY_SNAPSHOT
    static let lockedSharedCache = ResultCode(rawValue: 6 | (1 << 8))  // SQLITE_LOCKED_SHAREDCACHE
    static let corruptIndex = ResultCode(rawValue: 11 | (3 << 8))  // SQLITE_CORRUPT_INDEX
    static let cantOpenSymlink = ResultCode(rawValue: 14 | (6 << 8))  // SQLITE_CANTOPEN_SYMLINK
    static let foreignKey = ResultCode(rawValue: 19 | (3 << 8))  // SQLITE_CONSTRAINT_FOREIGNKEY
    static let notNull = ResultCode(rawValue: 19 | (5 << 8))  // SQLITE_CONSTRAINT_NOTNULL

    @Test("primary is the low 8 bits")
    func primary() {
        #expect(Self.busySnapshot.primary == .busy)
        #expect(Self.cantOpenSymlink.primary == .cantOpen)
        #expect(ResultCode.uniqueConstraint.primary == .constraint)
        #expect(ResultCode.uniqueConstraint.rawValue == 2067)
        #expect(ResultCode.primaryKeyConstraint.rawValue == 1555)
        #expect(ResultCode.busy.primary == .busy)
    }

    @Test("~= matches an extended code against its primary code, and nothing else")
    func patternOperator() {
        #expect(ResultCode.busy ~= Self.busySnapshot)
        #expect(ResultCode.busy ~= Self.busyRecovery)
        #expect(ResultCode.busy ~= ResultCode.busy)
        #expect(ResultCode.constraint ~= ResultCode.uniqueConstraint)
        #expect(ResultCode.constraint ~= Self.foreignKey)
        #expect(ResultCode.cantOpen ~= Self.cantOpenSymlink)
        // An extended pattern matches only itself.
        #expect(ResultCode.uniqueConstraint ~= ResultCode.uniqueConstraint)
        #expect(!(ResultCode.uniqueConstraint ~= ResultCode.constraint))
        #expect(!(ResultCode.uniqueConstraint ~= ResultCode.primaryKeyConstraint))
        #expect(!(Self.busySnapshot ~= Self.busyRecovery))
        // Different primary codes never match.
        #expect(!(ResultCode.locked ~= Self.busySnapshot))
        #expect(!(ResultCode.busy ~= Self.lockedSharedCache))
        #expect(!(ResultCode.corrupt ~= ResultCode.notADatabase))
        #expect(!(ResultCode.error ~= Self.busySnapshot))
    }

    func classify(_ code: ResultCode) -> String {
        switch code {
        case .busy, .locked: "busy"
        case .uniqueConstraint: "unique"
        case .constraint: "constraint"
        case .corrupt, .notADatabase: "corrupt"
        case .cantOpen: "cantOpen"
        default: "other"
        }
    }

    @Test("switch cases match extended codes through ~=")
    func switchMatching() {
        #expect(classify(Self.busySnapshot) == "busy")
        #expect(classify(Self.lockedSharedCache) == "busy")
        #expect(classify(.uniqueConstraint) == "unique")
        #expect(classify(.primaryKeyConstraint) == "constraint")
        #expect(classify(Self.notNull) == "constraint")
        #expect(classify(Self.corruptIndex) == "corrupt")
        #expect(classify(.notADatabase) == "corrupt")
        #expect(classify(Self.cantOpenSymlink) == "cantOpen")
        #expect(classify(.readOnly) == "other")
        #expect(classify(.ok) == "other")
    }

    @Test("isBusy, isCorruption and isUniqueViolation")
    func predicates() {
        #expect(Self.busySnapshot.isBusy)
        #expect(Self.lockedSharedCache.isBusy)
        #expect(ResultCode.busy.isBusy)
        #expect(!ResultCode.error.isBusy)
        #expect(!ResultCode.corrupt.isBusy)

        #expect(ResultCode.corrupt.isCorruption)
        #expect(Self.corruptIndex.isCorruption)
        #expect(ResultCode.notADatabase.isCorruption)
        #expect(!ResultCode.ioError.isCorruption)
        #expect(!Self.busySnapshot.isCorruption)

        #expect(ResultCode.uniqueConstraint.isUniqueViolation)
        #expect(ResultCode.primaryKeyConstraint.isUniqueViolation)
        #expect(!ResultCode.constraint.isUniqueViolation)
        #expect(!Self.foreignKey.isUniqueViolation)
        #expect(!Self.notNull.isUniqueViolation)
    }

    @Test("real constraint failures carry the extended codes")
    func realConstraintCodes() throws {
        try withTemporaryDirectory { dir in
            let db = try Connection(path: dir + "/codes.db", options: .creating())
            try db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE)")
            try db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [1, "a"])
            let primaryKey = #expect(throws: StoreError.self) {
                try db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [1, "b"])
            }
            #expect(primaryKey?.code == .primaryKeyConstraint)
            #expect(primaryKey?.code.isUniqueViolation == true)
            let unique = #expect(throws: StoreError.self) {
                try db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [2, "a"])
            }
            #expect(unique?.code == .uniqueConstraint)
            #expect(unique?.code.isUniqueViolation == true)
            let notNull = #expect(throws: StoreError.self) {
                try db.execute("INSERT INTO t (id, name) VALUES (?, ?)", [3, SQLValue.null])
            }
            #expect(notNull?.code == Self.notNull)
            #expect(notNull?.code.isUniqueViolation == false)
            #expect(notNull.map { ResultCode.constraint ~= $0.code } == true)
        }
    }
}
