import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Removes a directory tree (benchmark scratch only).
func removeTree(_ path: String) {
    _ = path.withCString { _ in system("rm -rf '\(path)'") }
}

/// The resident set size of this process, in MiB.
func residentMebibytes() -> Double {
    guard let file = fopen("/proc/self/statm", "r") else { return 0 }
    defer { fclose(file) }
    var size = 0, resident = 0
    _ = withUnsafeMutablePointer(to: &size) { s in
        withUnsafeMutablePointer(to: &resident) { r in
            withVaList([s, r]) { vfscanf(file, "%ld %ld", $0) }
        }
    }
    return Double(resident * Int(sysconf(Int32(_SC_PAGESIZE)))) / 1_048_576
}

/// Benchmarks log warnings only, so the table stays readable.
let quietLogger: Logger = {
    var logger = Logger(label: "stele.bench")
    logger.logLevel = .warning
    return logger
}()
