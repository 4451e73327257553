import Foundation
import JournalTesting

// ServiceTests run the real `stele serve` binary (one per test, on port 0,
// in a scratch directory) and talk to it with a raw HTTP/1.1 client.
// Environment:
//   STELE_BINARY            the binary to test (default: beside the test bundle)
//   STELE_EXCHANGE_LOG      append every exchange as a JSON line for
//                           Tests/OpenAPI/check_exchanges.py (`make test` does)
//   STELE_HTTP_KILL_CYCLES  kill -9 cycles per durability level (default 3)
// Server bugs found here are marked `withKnownIssue("BUG: …")`.

/// Where the `stele` executable under test lives: `STELE_BINARY` when set,
/// else beside the test bundle (`.build/debug/stele` after `swift build --build-tests`).
enum SteleBinary {
    static var url: URL {
        if let path = ProcessInfo.processInfo.environment["STELE_BINARY"], !path.isEmpty {
            return URL(fileURLWithPath: path)
        }
        return ChildProcess.productsDirectory.appendingPathComponent("stele")
    }
}
