import Glibc
import TokenVaultFuzzing

#if FUZZING
    /// libFuzzer's driver (linked by -sanitize=fuzzer). SwiftPM renames an executable's `main`,
    /// so libFuzzer's own `main` cannot be used; its documented driver entry point can.
    @_silgen_name("LLVMFuzzerRunDriver")
    func runFuzzerDriver(
        _ argc: UnsafeMutablePointer<CInt>,
        _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>,
        _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
    ) -> CInt

    /// libFuzzer's per-input callback, for whichever `main` the linker keeps (libFuzzer's, or ours,
    /// which calls the driver with the same function).
    @_cdecl("LLVMFuzzerTestOneInput")
    public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
        FuzzEntry.run(data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
        return 0
    }
#endif

/// The libFuzzer binary (scripts/fuzz.sh builds it with -DFUZZING and -sanitize=fuzzer,address),
/// or, in a plain build, a replayer of the files given as arguments (crash reproducers, corpus).
@main
struct Fuzz {
    static func main() {
        #if FUZZING
            var argc = CommandLine.argc
            var argv = CommandLine.unsafeArgv
            exit(runFuzzerDriver(&argc, &argv, fuzzOneInput))
        #else
            for path in CommandLine.arguments.dropFirst() {
                guard let file = fopen(path, "rb") else { continue }
                var bytes: [UInt8] = []
                var buffer = [UInt8](repeating: 0, count: 4_096)
                while true {
                    let count = fread(&buffer, 1, buffer.count, file)
                    if count == 0 { break }
                    bytes += buffer.prefix(count)
                }
                fclose(file)
                FuzzEntry.run(bytes)
            }
        #endif
    }
}
