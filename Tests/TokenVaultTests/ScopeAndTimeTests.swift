import Testing

@testable import TokenVault

@Suite("Scopes, needs and expiry")
struct ScopeAndTimeTests {
    @Test func permissionsParseInAnyOrderAndCase() throws {
        #expect(try Permissions(parsing: "DUrc") == .all)
        #expect(try Permissions(parsing: "rd").description == "rd")
        #expect(try Permissions(parsing: "r") == .read)
        for bad in ["", "w", "rx", "read", "r d"] {
            #expect(errorKind { _ = try Permissions(parsing: bad) } == .invalidInput, "\(bad)")
        }
    }

    @Test func grantsParseAndRejectMalformedParts() throws {
        let grant = try Grant(parsing: "shop-de:orders:cr")
        #expect(grant.project == "shop-de" && grant.resource == "orders" && grant.permissions == [.create, .read])
        for bad in ["shop:orders", "shop:orders:cr:x", ":orders:r", "shop::r", "shop:orders:", "shop:orders:z", "a\nb:c:r"] {
            #expect(errorKind { _ = try Grant(parsing: bad) } == .invalidInput, "\(bad)")
        }
        #expect(errorKind { _ = try Scope([]) } == .invalidInput)
    }

    @Test func overlappingGrantsMergeAndSubsumedOnesDrop() throws {
        let merged = try scoped("p:r:c", "p:r:r", "q:s:d")
        #expect(merged.grants.map(\.description) == ["p:r:cr", "q:s:d"])
        let subsumed = try scoped("p:*:crud", "p:orders:r", "x:y:r")
        #expect(subsumed.grants.map(\.description) == ["p:*:crud", "x:y:r"])
        #expect(try scoped("*:*:crud", "a:b:r").grants == [.unlimited])
        // A narrower wildcard grant with more permissions is kept beside a broader one.
        #expect(try scoped("*:*:r", "p:*:cd").grants.count == 2)
    }

    /// Every grant shape against every need shape: the grant covers the need exactly when each
    /// part the need names is matched (or wildcarded) and the permissions include the need's.
    @Test func scopeTimesNeedMatrix() throws {
        let projects = ["*", "shop"]
        let resources = ["*", "orders"]
        let permissionSets: [Permissions] = [.read, [.create, .read], .all]
        let needProjects: [String?] = [nil, "shop", "other"]
        let needResources: [String?] = [nil, "orders", "items"]
        let needPermissions: [Permissions?] = [nil, .read, .delete, [.read, .update]]
        var checked = 0
        for project in projects {
            for resource in resources {
                for permissions in permissionSets {
                    let grant = try Grant(project: project, resource: resource, permissions: permissions)
                    for np in needProjects {
                        for nr in needResources {
                            for npm in needPermissions {
                                let need = Need(project: np, resource: nr, permissions: npm)
                                let expected =
                                    (np == nil || project == "*" || project == np)
                                    && (nr == nil || resource == "*" || resource == nr)
                                    && (npm.map { permissions.isSuperset(of: $0) } ?? true)
                                #expect(grant.covers(need) == expected, "\(grant) vs \(need)")
                                checked += 1
                            }
                        }
                    }
                }
            }
        }
        #expect(checked == 2 * 2 * 3 * 3 * 3 * 4)
    }

    @Test func fetchEnforcesTheNeedAndAuditsItAsGiven() throws {
        let t = try TestVault()
        _ = try t.vault.add(newCredential("erp", "shop:orders:cr", "shop:items:r"), secret: Secret("s"))
        #expect(try t.vault.fetch("erp", need: Need(project: "shop", resource: "orders", permissions: .create)).secret.text == "s")
        #expect(try t.vault.fetch("erp", need: Need(resource: "items")).secret.text == "s")
        #expect(errorKind { _ = try t.vault.fetch("erp", need: Need(resource: "items", permissions: .create)) } == .denied)
        #expect(errorKind { _ = try t.vault.fetch("erp", need: Need(project: "other")) } == .denied)
        #expect(errorKind { _ = try t.vault.fetch("erp", need: Need(project: "bad:project")) } == .invalidInput)
        let rows = try t.sql("SELECT need_project, need_resource, need_permission, outcome FROM audit_events WHERE action = 'fetch' ORDER BY seq")
        let needs = rows.map { "\($0.string(0) ?? "-")|\($0.string(1) ?? "-")|\($0.string(2) ?? "-")|\($0.string(3)!)" }
        #expect(needs == ["shop|orders|c|ok", "-|items|-|ok", "-|items|c|denied", "other|-|-|denied"])
    }

    @Test func expiredCredentialsAreRefusedAndExpiringOnesWarn() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        _ = try t.vault.add(newCredential("x", "*:*:r", expiresIn: 10 * 86_400), secret: Secret("s"))
        #expect(try t.vault.fetch("x").warning == nil)
        clock.advance(4 * 86_400)
        let warning = try #require(try t.vault.fetch("x").warning)
        #expect(warning.secondsLeft == 6 * 86_400)
        #expect(warning.description.contains("expires in 6d"))
        clock.advance(6 * 86_400)
        #expect(errorKind { _ = try t.vault.fetch("x") } == .denied)
        #expect(try t.sql("SELECT reason FROM audit_events WHERE outcome = 'denied'").map { $0.string(0) } == ["expired"])
    }

    @Test func expiryMustBeInTheFuture() throws {
        let clock = TestClock()
        let t = try TestVault(clock: clock)
        var new = try newCredential("x", "*:*:r")
        new.expiry = .at(clock.now - 1)
        #expect(errorKind { _ = try t.vault.add(new, secret: Secret("s")) } == .invalidInput)
        new.expiry = .at(clock.now)
        #expect(errorKind { _ = try t.vault.add(new, secret: Secret("s")) } == .invalidInput)
    }

    @Test func durationsParse() throws {
        #expect(try TimeFormat.parseDuration("45s") == 45)
        #expect(try TimeFormat.parseDuration("30m") == 1_800)
        #expect(try TimeFormat.parseDuration("12h") == 43_200)
        #expect(try TimeFormat.parseDuration("90d") == 7_776_000)
        #expect(try TimeFormat.parseDuration("2w") == 1_209_600)
        #expect(try TimeFormat.parseDuration("36600d") == TimeFormat.maximumDuration)  // the 100-year bound itself
        for bad in ["", "d", "0d", "-1d", "1.5d", "10", "10x", "1 d", "d10", "99999999999999999d", "36601d", "１d"] {
            #expect(errorKind { _ = try TimeFormat.parseDuration(bad) } == .invalidInput, "\(bad)")
        }
    }

    @Test func datesParseAndFormat() throws {
        #expect(try TimeFormat.parseDate("1970-01-01") == 0)
        #expect(try TimeFormat.parseDate("2027-03-01") == 1_803_859_200)
        #expect(try TimeFormat.parseDate("2027-03-01T12:30:15Z") == 1_803_859_200 + 45_015)
        #expect(try TimeFormat.parseDate("2027-03-01T14:30:15+02:00") == 1_803_859_200 + 45_015)
        #expect(try TimeFormat.parseDate("2027-03-01T10:30:15-02:00") == 1_803_859_200 + 45_015)
        #expect(try TimeFormat.parseDate("2028-02-29") == 1_835_395_200)
        #expect(TimeFormat.iso8601(1_803_859_200 + 45_015) == "2027-03-01T12:30:15Z")
        #expect(TimeFormat.day(1_835_395_200) == "2028-02-29")
        for bad in [
            "2027-02-29", "2027-13-01", "2027-00-10", "2027-1-1", "27-03-01", "2027-03-01T25:00:00Z",
            "2027-03-01T12:00:00", "2027-03-01T12:00:00+2:00", "tomorrow", "", "2027-03-01Z",
        ] {
            #expect(errorKind { _ = try TimeFormat.parseDate(bad) } == .invalidInput, "\(bad)")
        }
        // Round trip over a range of days, leap years included.
        for day in stride(from: Int64(0), to: 30_000, by: 37) {
            let time = day * 86_400 + 3_723
            #expect(try TimeFormat.parseDate(TimeFormat.iso8601(time)) == time)
        }
    }
}
