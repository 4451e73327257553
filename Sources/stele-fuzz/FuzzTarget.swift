#if canImport(Glibc)
import Glibc
#endif

/// Which harness runs: `STELE_FUZZ_TARGET=scanner` (the default) or `json`.
enum FuzzTarget: String {
    case scanner
    case json

    /// The harness named in the environment; exits with 64 on an unknown name.
    static var chosen: FuzzTarget {
        guard let name = getenv("STELE_FUZZ_TARGET").map({ String(cString: $0) }), !name.isEmpty else { return .scanner }
        guard let target = FuzzTarget(rawValue: name) else {
            print("stele-fuzz: unknown STELE_FUZZ_TARGET \(name) (scanner or json)")
            exit(64)
        }
        return target
    }

    func run(_ input: UnsafeRawBufferPointer) {
        switch self {
        case .scanner: ScannerFuzzing.run(input)
        case .json: JSONFuzzing.run(input)
        }
    }
}
