import Foundation
import JournalTesting

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
