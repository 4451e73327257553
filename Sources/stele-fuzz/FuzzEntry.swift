#if FUZZING
/// libFuzzer's driver (libclang_rt.fuzzer, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// SwiftPM links an executable's entry point under this name; here it hands
/// control to libFuzzer with the scanner harness as the callback.
@_cdecl("stele_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        ScannerFuzzing.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
#else
#if canImport(Glibc)
import Glibc
#endif

/// Without the fuzzer: replays the inputs named on the command line (a corpus or crash files).
@main
struct CorpusReplay {
    static func main() {
        for path in CommandLine.arguments.dropFirst() {
            guard let file = fopen(path, "rb") else { continue }
            var bytes: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let got = fread(&chunk, 1, chunk.count, file)
                if got == 0 { break }
                bytes += chunk[0..<got]
            }
            fclose(file)
            bytes.withUnsafeBytes { ScannerFuzzing.run($0) }
        }
        print("replayed \(CommandLine.arguments.count - 1) inputs")
    }
}
#endif
