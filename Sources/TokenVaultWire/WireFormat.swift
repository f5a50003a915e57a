package import TokenVault
package import TokenVaultJSON

/// The bodies of the service's responses that carry a secret or a seal, built as bytes.
///
/// A secret goes from the vault's wiped buffer into the response body directly, escaped as JSON
/// text, never through a `String` (whose copies could not be wiped); the server wipes the body
/// once written. Secrets that are not UTF-8 go as `secret_base64`.
package enum WireFormat {
    /// `{"secret": …, "version": N, "expires_at": …, "warning": …}` for a fetch.
    package static func fetched(_ fetched: FetchedSecret) -> [UInt8] {
        object(
            secret: ("secret", fetched.secret),
            [
                ("version", .int(Int64(fetched.version))), ("expires_at", .time(fetched.credential.expiresAt)),
                ("warning", fetched.warning.map { .string($0.description) } ?? .null),
            ])
    }

    /// `{"token": …, "principal": {…}}` for a new principal (`token` null unless it has one).
    package static func principalWithToken(_ principal: Principal, token: Secret?) -> [UInt8] {
        let fields: [(String, JSON)] = [("principal", PrincipalOutput.json(principal))]
        guard let token else { return Array((JSON.object([("token", .null)] + fields).rendered() + "\n").utf8) }
        return object(secret: ("token", token), fields)
    }

    /// `{"token": …}` for a rotated access token.
    package static func token(_ token: Secret) -> [UInt8] {
        object(secret: ("token", token), [])
    }

    /// A JSON object whose first field is a secret (escaped, or `KEY_base64` when it is not
    /// UTF-8), then `fields`, and a newline: the bytes of every body, answer or request, that
    /// carries a secret. Reserved at once, so that no grown-out copy is left behind; zero it once
    /// sent.
    package static func object(secret: (key: String, value: Secret), _ fields: [(String, JSON)]) -> [UInt8] {
        let rest = fields.map { ",\(JSON.string($0.0).rendered()):\($0.1.rendered())" }.joined()
        var body: [UInt8] = []
        body.reserveCapacity(32 + secret.key.utf8.count + 6 * secret.value.count + rest.utf8.count)
        body.append(UInt8(ascii: "{"))
        secret.value.withUnsafeBytes { appendSecret(secret.key, $0, to: &body) }
        body += rest.utf8
        body += Array("}\n".utf8)
        return body
    }

    /// A seal: its text (as `audit seal` prints it) and its parts.
    package static func seal(_ seal: AuditSeal) -> JSON {
        .object([("sealed_events", .int(seal.eventCount)), ("seal", .string(seal.text))])
    }

    /// `"key":"…"` with the bytes escaped as JSON text, or `"key_base64":"…"` when they are not
    /// UTF-8.
    private static func appendSecret(_ key: String, _ bytes: UnsafeRawBufferPointer, to body: inout [UInt8]) {
        let isUTF8 = String(validating: UnsafeRawBufferPointer(bytes).bindMemory(to: UInt8.self), as: UTF8.self) != nil
        body += Array("\"\(key)\(isUTF8 ? "" : "_base64")\":\"".utf8)
        if isUTF8 {
            for byte in bytes {
                switch byte {
                case UInt8(ascii: "\""): body += [0x5C, 0x22]
                case UInt8(ascii: "\\"): body += [0x5C, 0x5C]
                case 0..<0x20, 0x7F:
                    let hex = Array("0123456789abcdef".utf8)
                    body += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0xF)]]
                default: body.append(byte)
                }
            }
        } else {
            Base64.encode(bytes, into: &body)
        }
        body.append(UInt8(ascii: "\""))
    }
}

/// RFC 4648 base64 with padding.
package enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    package static func encode(_ bytes: UnsafeRawBufferPointer, into out: inout [UInt8]) {
        var index = 0
        while index < bytes.count {
            let count = min(3, bytes.count - index)
            var chunk: UInt32 = 0
            for offset in 0..<3 { chunk = chunk << 8 | UInt32(offset < count ? bytes[index + offset] : 0) }
            for position in 0..<4 {
                out.append(position <= count ? alphabet[Int((chunk >> UInt32(18 - 6 * position)) & 0x3F)] : UInt8(ascii: "="))
            }
            index += 3
        }
    }

    /// Decodes `text` into `out`, which holds at least three bytes for every four of `text`
    /// (for a secret: the bytes go nowhere else). Returns how many bytes were written, or nil
    /// when `text` is not base64 or `out` is too short.
    package static func decode(_ text: UnsafeRawBufferPointer, into out: UnsafeMutableRawBufferPointer) -> Int? {
        var written = 0
        var chunk: UInt32 = 0
        var count = 0
        var padding = 0
        for character in text {
            if character == UInt8(ascii: "=") {
                padding += 1
                chunk <<= 6
            } else {
                guard padding == 0, let value = alphabet.firstIndex(of: character) else { return nil }
                chunk = chunk << 6 | UInt32(value)
            }
            count += 1
            if count == 4 {
                guard padding <= 2, written + 3 - padding <= out.count else { return nil }
                for position in 0..<(3 - padding) {
                    out[written] = UInt8((chunk >> UInt32(16 - 8 * position)) & 0xFF)
                    written += 1
                }
                chunk = 0
                count = 0
            }
        }
        return count == 0 ? written : nil
    }

    /// The bytes of `text`, or nil when it is not base64.
    package static func decode(_ text: some Collection<UInt8>) -> [UInt8]? {
        let input = Array(text)
        var out = [UInt8](repeating: 0, count: input.count / 4 * 3)
        let written = input.withUnsafeBytes { input in out.withUnsafeMutableBytes { decode(input, into: $0) } }
        guard let written else { return nil }
        out.removeLast(out.count - written)
        return out
    }
}
