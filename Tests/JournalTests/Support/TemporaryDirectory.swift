import Foundation
import SystemPackage

/// A fresh directory under the system's temporary folder, removed when the value goes away.
final class TemporaryDirectory {
    let path: FilePath

    init(_ label: String = "stele") {
        let template = NSTemporaryDirectory() + "\(label)-XXXXXX"
        var bytes = Array(template.utf8CString)
        let made = bytes.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = FilePath(String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }

    deinit {
        try? FileManager.default.removeItem(atPath: path.string)
    }

    var url: URL { URL(fileURLWithPath: path.string) }

    func appending(_ component: String) -> FilePath { path.appending(component) }

    /// The bytes of a file below this directory.
    func contents(of relative: String) -> [UInt8] {
        Array((try? Data(contentsOf: url.appendingPathComponent(relative))) ?? Data())
    }

    func write(_ bytes: [UInt8], to relative: String) {
        try! Data(bytes).write(to: url.appendingPathComponent(relative))
    }

    func files(in relative: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: url.appendingPathComponent(relative).path)) ?? []).sorted()
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: url.appendingPathComponent(relative).path)
    }

    func remove(_ relative: String) {
        try? FileManager.default.removeItem(at: url.appendingPathComponent(relative))
    }
}
