#if FUZZING
/// libFuzzer's driver (libclang_rt.fuzzer, linked by -sanitize=fuzzer).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(
    _ argc: UnsafeMutablePointer<CInt>,
    _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt
) -> CInt

/// The harness libFuzzer calls, chosen once before it starts.
nonisolated(unsafe) var fuzzTarget = FuzzTarget.scanner

/// SwiftPM links an executable's entry point under this name; here it hands
/// control to libFuzzer with the chosen harness (``FuzzTarget``) as the callback.
@_cdecl("stele_fuzz_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    fuzzTarget = FuzzTarget.chosen
    var count = argc
    var arguments = argv
    return LLVMFuzzerRunDriver(&count, &arguments) { data, size in
        fuzzTarget.run(UnsafeRawBufferPointer(start: data, count: size))
        return 0
    }
}
#else
#if canImport(Glibc)
import Glibc
#endif

/// Without the fuzzer: replays the inputs named on the command line (a corpus
/// or crash files) through the harness ``FuzzTarget`` chooses.
@main
struct CorpusReplay {
    static func main() {
        let target = FuzzTarget.chosen
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
            bytes.withUnsafeBytes { target.run($0) }
        }
        print("replayed \(CommandLine.arguments.count - 1) inputs through the \(target.rawValue) harness")
    }
}
#endif
