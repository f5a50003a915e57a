internal import TokenVault
internal import TokenVaultCrypto

/// One entry point for every parser that reads untrusted input, shared by the libFuzzer
/// binary (`TokenVaultFuzz`, see scripts/fuzz.sh) and the regression-corpus test.
///
/// The first byte of an input picks the parser; the rest is its input. Besides "never crash,
/// never hang", each case checks a property, so that the fuzzer also finds wrong answers.
public enum FuzzEntry {
    /// The parsers, in the order the selector byte picks them. New parsers go at the end, so
    /// that the corpus's inputs keep their meaning.
    public static let targets = [
        "duration", "date", "issued-token", "seal", "grant", "sealed-box", "endpoint", "http-request", "json", "http-response",
        "dotenv", "unit-request",
    ]

    /// A fixed key: a random sealed box must never authenticate under it.
    private static let key = try! SymmetricKey(SecureBytes(copying: (0..<32).map { UInt8($0) }))

    /// Runs one input. Traps (precondition) when a property fails.
    public static func run(_ data: [UInt8]) {
        guard let selector = data.first else { return }
        let body = Array(data.dropFirst())
        let text = String(decoding: body, as: UTF8.self)
        switch Int(selector) % targets.count {
        case 0:
            if let seconds = try? TimeFormat.parseDuration(text) {
                precondition(seconds > 0 && seconds <= TimeFormat.maximumDuration, "duration out of range")
            }
        case 1:
            if let time = try? TimeFormat.parseDate(text) {
                precondition((try? TimeFormat.parseDate(TimeFormat.iso8601(time))) == time, "date does not round-trip")
            }
        case 2:
            let wellFormed = body.withUnsafeBytes(IssuedTokenFormat.isWellFormed)
            precondition(!wellFormed || body.count == IssuedTokenFormat.length, "a token of the wrong length passed")
        case 3:
            if let seal = try? AuditSeal(text: text) {
                precondition((try? AuditSeal(text: seal.text)) == seal, "seal does not round-trip")
            }
        case 4:
            if let grant = try? Grant(parsing: text) {
                precondition((try? Grant(parsing: grant.description)) == grant, "grant does not round-trip")
            }
            _ = try? Permissions(parsing: text)
        case 5:
            let opened = try? AESGCM.open(body, using: key, authenticating: [])
            precondition(opened == nil, "a forged sealed box authenticated")
        case 6:
            if let pattern = LegacyEndpoints.match(text) {
                precondition(LegacyEndpoints.patterns.contains(pattern), "unknown pattern")
            }
            _ = try? SealPublicKey.parse(text)
        case 7:
            HTTPRequestFuzzing.run(body)
        case 8:
            JSONFuzzing.run(body)
        case 9:
            HTTPResponseFuzzing.run(body)
        case 10:
            // A .env file: every assignment has a valid key, a value, and a line within the input.
            if let entries = try? body.withUnsafeBytes({ raw throws(VaultError) in try DotenvFile.parse(raw) }) {
                let lines = body.filter { $0 == 0x0A }.count + 1
                precondition(entries.allSatisfy { !$0.key.isEmpty && $0.value.count > 0 && $0.line <= lines }, "a malformed assignment")
                precondition(Set(entries.map { $0.key }).count == entries.count, "a repeated key")
            }
        default:
            // The abstract socket name systemd binds to load a credential (the credentials
            // socket's peer): an accepted request names one unit and one credential, neither
            // holding a `/`, and the name rebuilt from them is the same request.
            if let request = try? UnitCredentialRequest(abstractName: body) {
                precondition(!request.unit.contains("/") && !request.credential.contains("/"), "a part holds a separator")
                let rebuilt = Array("0/unit/\(request.unit)/\(request.credential)".utf8)
                precondition((try? UnitCredentialRequest(abstractName: rebuilt)) == request, "request does not round-trip")
            }
        }
    }
}
