/// Standard output gathered into 64 KiB writes: one syscall per line would dominate a large
/// export or listing.
final class BufferedOutput {
    private let io: any CommandIO
    private var buffer: [UInt8] = []

    /// A buffer in front of `io`'s standard output.
    init(_ io: any CommandIO) {
        self.io = io
        buffer.reserveCapacity(1 << 16)
    }

    /// Adds `text`, writing the buffer out once it holds 64 KiB.
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what the buffer holds (call once, after the last write).
    func flush() {
        buffer.withUnsafeBytes { io.writeOut($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
