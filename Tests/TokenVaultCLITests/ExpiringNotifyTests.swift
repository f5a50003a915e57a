import Foundation
import Testing

/// `expiring --notify CMD` through the real binary.
@Suite("Expiry notifications")
struct ExpiringNotifyTests {
    @Test func oneNotificationPerDueCredentialWithMetadataAndNoSecret() throws {
        let box = try Sandbox()
        #expect(box.run(["add", "soon", "--grant", "*:*:r", "--expires-in", "3d", "--issuer", "xentral"], input: "soon-secret").status == 0)
        #expect(box.run(["add", "month", "--grant", "*:*:r", "--expires-in", "20d"], input: "month-secret").status == 0)
        #expect(box.run(["add", "far", "--grant", "*:*:r", "--expires-in", "300d"], input: "far-secret").status == 0)
        #expect(box.run(["add", "forever", "--grant", "*:*:r", "--never-expires"], input: "forever-secret").status == 0)
        let log = box.file("notes")
        let command = "env | grep '^TOKENVAULT_' | sort | tr '\\n' ' ' >> \(log); echo >> \(log)"
        let run = box.run(["expiring", "--notify", command])
        #expect(run.status == 2 && run.err.isEmpty, "\(run.err)")
        let lines = (try String(contentsOfFile: log, encoding: .utf8)).split(separator: "\n")
        #expect(lines.count == 2, "\(lines)")
        #expect(lines[0].contains("TOKENVAULT_NAME=soon") && lines[0].contains("TOKENVAULT_STATUS=critical"))
        #expect(lines[0].contains("TOKENVAULT_NOTICE_DAYS=7") && lines[0].contains("TOKENVAULT_ISSUER=xentral"))
        #expect(lines[1].contains("TOKENVAULT_NAME=month") && lines[1].contains("TOKENVAULT_STATUS=warning"))
        #expect(!lines.joined().contains("secret"))

        // A failed notification is a warning; the monitor's status stays the vault's.
        let failing = box.run(["expiring", "--notify", "exit 4"])
        #expect(failing.status == 2 && failing.err.contains("the notification for 'soon' failed (exit status 4)"))
    }
}
