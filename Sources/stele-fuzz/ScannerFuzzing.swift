import Checksums
import Journal
import JournalTesting
import SystemPackage

/// Feeds arbitrary bytes to recovery as the newest segment of a journal (and,
/// with a prefix bit, as a sealed segment followed by an empty newest one),
/// then reads back whatever recovery accepted. Nothing may crash, allocate a
/// claimed length, or return a record that does not verify.
enum ScannerFuzzing {
    static func run(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        let bytes = Array(input.dropFirst())
        let fileSystem = SimulatedFileSystem()
        let directory = FilePath("/data")
        try? fileSystem.createDirectory(directory)
        try? fileSystem.createDirectory(directory.appending("segments"))
        try? fileSystem.createDirectory(directory.appending("cursors"))
        let header = mode & 1 == 0 ? SegmentHeader(baseOffset: 0).encoded : []
        fileSystem.setContents(header + bytes, of: directory.appending("segments/0000000000000000.wal"))
        if mode & 2 != 0 {
            // The fuzzed file becomes a sealed segment: a newest one follows it.
            let next = UInt64(bytes.count)
            fileSystem.setContents(
                SegmentHeader(baseOffset: next).encoded,
                of: directory.appending("segments/\(SegmentName.fileName(base: next))"))
        }
        var options = JournalOptions()
        options.unsyncedWindow = Int(mode >> 2) * 64 + RecordFormat.largestPayload + 64
        _ = try? JournalVerifier.verify(directory, unsyncedWindow: options.unsyncedWindow, fileSystem: fileSystem)
        guard let follower = try? JournalFollower(at: directory, fileSystem: fileSystem) else { return }
        var offset = follower.bounds.start
        while let batch = try? follower.read(from: offset, limit: 100), !batch.records.isEmpty {
            for record in batch.records {
                let digest = record.payload.withUnsafeBytes { BLAKE3Hasher.hash($0) }
                precondition(digest == record.digest, "a record that does not verify was returned")
            }
            offset = batch.next
        }
    }
}
