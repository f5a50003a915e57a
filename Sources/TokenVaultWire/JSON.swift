package import TokenVault
package import TokenVaultJSON

// The CLI's helpers for building `--json` output from the library's values.
extension JSON {
    /// A string, or `null` when absent.
    package static func optional(_ text: String?) -> JSON { text.map(JSON.string) ?? .null }
    /// An ISO 8601 UTC time, or `null` when absent.
    package static func time(_ time: UnixTime?) -> JSON { time.map { .string(TimeFormat.iso8601($0)) } ?? .null }
    /// A whole number, or `null` when absent.
    package static func int(_ value: Int?) -> JSON { value.map { .int(Int64($0)) } ?? .null }
}
