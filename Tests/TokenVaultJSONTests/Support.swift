import TokenVaultJSON

/// The error `bytes` are refused with, or nil when they parse.
func refusal(_ bytes: [UInt8]) -> JSONError? {
    do {
        _ = try JSON.parse(bytes)
        return nil
    } catch {
        return error
    }
}

/// The error `text` is refused with, or nil when it parses.
func refusal(_ text: String) -> JSONError? {
    refusal(Array(text.utf8))
}

/// `text` parsed, or nil when it is refused.
func parsed(_ text: String) -> JSON? {
    try? JSON.parse(text.utf8)
}

/// A small seeded generator (SplitMix64), so random values are the same on every run.
struct SeededGenerator: RandomNumberGenerator {
    /// The generator's state, advanced by each draw; the initial value is the seed.
    var state: UInt64

    /// The next 64 random bits.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Random JSON values for round trips: every kind, strings drawn from ASCII, controls,
/// bidirectional controls, separators, BMP and astral scalars; distinct keys per object.
struct RandomJSON {
    var generator: SeededGenerator

    /// A value nested at most `depth` more levels.
    mutating func value(depth: Int) -> JSON {
        let kinds = depth > 0 ? 6 : 4
        switch Int.random(in: 0..<kinds, using: &generator) {
        case 0: return .string(string())
        case 1: return .int(integer())
        case 2: return .bool(Bool.random(using: &generator))
        case 3: return .null
        case 4: return .array((0..<Int.random(in: 0...4, using: &generator)).map { _ in value(depth: depth - 1) })
        default:
            var fields: [(String, JSON)] = []
            var keys = Set<String>()
            for _ in 0..<Int.random(in: 0...4, using: &generator) {
                let key = string()
                guard keys.insert(key).inserted else { continue }
                fields.append((key, value(depth: depth - 1)))
            }
            return .object(fields)
        }
    }

    mutating func integer() -> Int64 {
        switch Int.random(in: 0..<4, using: &generator) {
        case 0: [Int64.min, Int64.max, 0, -1, 1].randomElement(using: &generator)!
        case 1: Int64.random(in: -1_000...1_000, using: &generator)
        default: Int64(bitPattern: generator.next())
        }
    }

    mutating func string() -> String {
        var scalars = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...8, using: &generator) {
            let ranges: [ClosedRange<UInt32>] = [
                0x20...0x7E, 0x00...0x1F, 0x7F...0x9F, 0x200E...0x200F, 0x202A...0x202E, 0x2028...0x2029, 0xA0...0xD7FF, 0xE000...0xFFFF,
                0x1_0000...0x10_FFFF,
            ]
            let range = ranges.randomElement(using: &generator)!
            scalars.append(Unicode.Scalar(UInt32.random(in: range, using: &generator))!)
        }
        return String(scalars)
    }
}
