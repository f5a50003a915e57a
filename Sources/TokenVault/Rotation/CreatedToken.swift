internal import TokenVaultCrypto

/// What a `create` step printed: the new secret and, from a protocol-2 hook, what the issuer
/// said about it.
///
/// Protocol 1: everything printed, less one trailing newline, is the secret. Protocol 2: the
/// first line is the secret; each following line is `key=value`, where `expires_at` is the
/// token's real expiry (ISO 8601, in the future) and `upstream_id` the issuer's id for it (1 to
/// 200 printable characters). Other keys are ignored, so that a hook may say more than this
/// vault understands; empty lines are ignored; a line without `=` fails the step.
struct CreatedToken {
    let secret: Secret
    let upstreamID: String?
    let expiresAt: UnixTime?

    /// Why a step's output cannot be used; never quotes it.
    struct Unusable: Error {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }

    /// The longest `upstream_id` kept.
    static let maximumIDLength = 200

    /// Reads `output`, or says why it cannot be used. The reason never quotes the output.
    static func parse(_ output: Secret, protocolVersion: HookProtocol, now: UnixTime) -> Result<CreatedToken, Unusable> {
        guard protocolVersion == .two else {
            let secret = output.droppingTrailingNewline()
            guard secret.count > 0 else { return .failure(Unusable("create step printed no secret")) }
            return .success(CreatedToken(secret: secret, upstreamID: nil, expiresAt: nil))
        }
        let (secretLength, rest) = output.bytes.withUnsafeBytes { raw -> (Int, String) in
            guard let newline = raw.firstIndex(of: UInt8(ascii: "\n")) else { return (raw.count, "") }
            let length = newline > 0 && raw[newline - 1] == UInt8(ascii: "\r") ? newline - 1 : newline
            return (length, String(decoding: raw[(newline + 1)...], as: UTF8.self))
        }
        guard secretLength > 0 else { return .failure(Unusable("create step printed no secret on its first line")) }
        var token = CreatedToken(secret: Secret(output.bytes.slice(0..<secretLength)), upstreamID: nil, expiresAt: nil)
        // "\r\n" is one Character: split on both forms of a line end.
        for (index, line) in rest.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty { continue }
            guard let equals = line.firstIndex(of: "=") else {
                return .failure(Unusable("create step printed line \(index + 2) without key=value"))
            }
            let value = String(line[line.index(after: equals)...])
            switch line[..<equals] {
            case "expires_at":
                guard let time = try? TimeFormat.parseDate(value) else {
                    return .failure(Unusable("create step printed an expires_at that is not ISO 8601"))
                }
                guard time > now else { return .failure(Unusable("create step printed an expires_at that is not in the future")) }
                token = CreatedToken(secret: token.secret, upstreamID: token.upstreamID, expiresAt: time)
            case "upstream_id":
                guard (1...maximumIDLength).contains(value.count), value.unicodeScalars.allSatisfy(isPrintable) else {
                    return .failure(Unusable("create step printed an upstream_id that is not 1 to \(maximumIDLength) printable characters"))
                }
                token = CreatedToken(secret: token.secret, upstreamID: value, expiresAt: token.expiresAt)
            default:
                continue
            }
        }
        return .success(token)
    }

    private static func isPrintable(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .privateUse, .unassigned: false
        default: true
        }
    }
}
