import Foundation

/// A fresh directory under the system's temporary directory, for one test's
/// data directories, logs, token files and certificates.
struct ScratchDirectory: Sendable {
    let url: URL

    init(_ label: String = "service") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("stele-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    /// A path inside the directory.
    func path(_ name: String) -> URL { url.appendingPathComponent(name) }

    /// Writes `text` to `name` inside the directory and returns its path.
    @discardableResult
    func write(_ text: String, to name: String) throws -> URL {
        let file = path(name)
        try Data(text.utf8).write(to: file)
        return file
    }

    func remove() {
        try? FileManager.default.removeItem(at: url)
    }
}
