/// Output gathered into 64 KiB writes: one syscall per line would dominate a large export or
/// listing. It goes to standard output, or to another sink (a file).
final class BufferedOutput {
    private let sink: (UnsafeRawBufferPointer) -> Void
    private var buffer: [UInt8] = []

    /// A buffer in front of `io`'s standard output.
    convenience init(_ io: any CommandIO) {
        self.init { io.writeOut($0) }
    }

    /// A buffer in front of `sink`, which is given the gathered bytes.
    init(sink: @escaping (UnsafeRawBufferPointer) -> Void) {
        self.sink = sink
        buffer.reserveCapacity(1 << 16)
    }

    /// Adds `text`, writing the buffer out once it holds 64 KiB.
    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 { flush() }
    }

    /// Writes out what the buffer holds (call once, after the last write).
    func flush() {
        buffer.withUnsafeBytes { sink($0) }
        buffer.removeAll(keepingCapacity: true)
    }
}
