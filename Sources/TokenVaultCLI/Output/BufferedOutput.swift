/// Standard output gathered into 64 KiB writes: one syscall per line would dominate a large
/// export or listing.
final class BufferedOutput {
    private let io: any CommandIO
    private var buffer: [UInt8] = []

    init(_ io: any CommandIO) {
        self.io = io
        buffer.reserveCapacity(1 << 16)
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    func flush() {
        buffer.withUnsafeBytes { io.writeOut($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
