import Checksums
import Foundation
import Journal
import JournalTesting
import SystemPackage
import Testing

/// A data directory's every file and its bytes (directories as entries with
/// no bytes), to prove that a refused open or a verification changed nothing.
struct DirectorySnapshot: Equatable {
    let entries: [String: [UInt8]?]

    init(_ directory: TemporaryDirectory) {
        var entries: [String: [UInt8]?] = [:]
        let root = directory.url.path
        let enumerator = FileManager.default.enumerator(atPath: root)
        while let relative = enumerator?.nextObject() as? String {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: root + "/" + relative, isDirectory: &isDirectory)
            entries[relative] = isDirectory.boolValue ? .some(nil) : directory.contents(of: relative)
        }
        self.entries = entries
    }

    /// The paths whose presence or bytes differ.
    func differences(from other: DirectorySnapshot) -> [String] {
        Set(entries.keys).union(other.entries.keys).filter { entries[$0] != other.entries[$0] }.sorted()
    }
}

/// A journal written through the engine, closed, and ready to be damaged by hand.
struct RecoveryFixture {
    let directory: TemporaryDirectory
    let options: JournalOptions
    let appended: [AppendedRecord]
    let segments: [SegmentInfo]

    /// Appends `count` JSON records of about `size` bytes, one request each, then closes.
    static func make(options: JournalOptions, count: Int, size: Int = 100) async throws -> RecoveryFixture {
        let directory = TemporaryDirectory("stele-recovery")
        let journal = try await Journal.open(at: directory.path, options: options)
        let appended = try await Fixtures.fill(journal, count: count, size: size)
        let segments = journal.segments
        await journal.close()
        return RecoveryFixture(directory: directory, options: options, appended: appended, segments: segments)
    }

    /// Appends the given records, one request each, then closes.
    static func make(options: JournalOptions, records: [AppendRecord]) async throws -> RecoveryFixture {
        let directory = TemporaryDirectory("stele-recovery")
        let journal = try await Journal.open(at: directory.path, options: options)
        var appended: [AppendedRecord] = []
        for record in records { appended.append(try await journal.append(record)) }
        let segments = journal.segments
        await journal.close()
        return RecoveryFixture(directory: directory, options: options, appended: appended, segments: segments)
    }

    var newest: SegmentInfo { segments[segments.count - 1] }
    var end: UInt64 { appended.last?.next ?? 0 }

    /// `segments/NAME`, relative to the data directory.
    func file(_ segment: SegmentInfo) -> String { "segments/\(segment.name)" }

    func segment(holding offset: UInt64) -> SegmentInfo {
        segments.last { $0.base <= offset }!
    }

    func records(in segment: SegmentInfo) -> [AppendedRecord] {
        appended.filter { $0.offset >= segment.base && $0.offset < segment.end }
    }

    /// The record's file and its byte position in that file.
    func location(of record: AppendedRecord) -> (file: String, position: Int) {
        let segment = segment(holding: record.offset)
        return (file(segment), Self.position(of: record.offset, in: segment.base))
    }

    func bytes(of record: AppendedRecord) -> [UInt8] {
        let (file, position) = location(of: record)
        return Array(directory.contents(of: file)[position..<position + Int(record.next - record.offset)])
    }

    /// A segment file's position of global `offset`: the 32-byte header, then records.
    static func position(of offset: UInt64, in base: UInt64) -> Int { Int(offset - base) + 32 }

    /// Reads, edits and writes back a file of the data directory.
    func modify(_ relative: String, _ edit: (inout [UInt8]) -> Void) {
        var bytes = directory.contents(of: relative)
        edit(&bytes)
        directory.write(bytes, to: relative)
    }

    func verify() throws -> JournalVerifier.Verdict {
        try JournalVerifier.verify(directory.path, unsyncedWindow: options.unsyncedWindow)
    }

    func open() async throws -> Journal {
        try await Journal.open(at: directory.path, options: options)
    }

    /// Asserts the damage is refused the DESIGN way: `verify` says corrupt
    /// (exit 3), opening throws `.corruption` with the same finding, and
    /// neither changes one byte of the data directory. Returns the finding.
    @discardableResult
    func expectRefusal(sourceLocation: SourceLocation = #_sourceLocation) async -> Corruption? {
        let before = DirectorySnapshot(directory)
        var verified: Corruption?
        do {
            let verdict = try verify()
            #expect(verdict.exitCode == 3, "verify: \(verdict)", sourceLocation: sourceLocation)
            if case .corrupt(let corruption) = verdict { verified = corruption }
        } catch {
            Issue.record("verify threw \(error)", sourceLocation: sourceLocation)
        }
        let afterVerify = DirectorySnapshot(directory)
        #expect(afterVerify.differences(from: before) == [], "verify changed files", sourceLocation: sourceLocation)

        var refused: Corruption?
        do throws(JournalError) {
            let journal = try await Journal.open(at: directory.path, options: options)
            Issue.record(
                "opened despite the damage; report actions: \(journal.recoveryReport.actions)",
                sourceLocation: sourceLocation)
            await journal.close()
        } catch .corruption(let corruption) {
            refused = corruption
        } catch {
            Issue.record("open threw \(error), expected .corruption", sourceLocation: sourceLocation)
        }
        if refused != nil {
            let after = DirectorySnapshot(directory)
            #expect(after.differences(from: before) == [], "a refused open changed files", sourceLocation: sourceLocation)
        }
        if let verified, let refused {
            #expect(verified == refused, "verify and open disagree", sourceLocation: sourceLocation)
        }
        return refused
    }

    /// Asserts a refusal that names `file` and the damaged record's `offset`,
    /// both in the structured finding and in its description.
    func expectRefusal(
        naming file: String, offset: UInt64?, sourceLocation: SourceLocation = #_sourceLocation
    ) async {
        guard let corruption = await expectRefusal(sourceLocation: sourceLocation) else { return }
        #expect(corruption.file == file, "\(corruption)", sourceLocation: sourceLocation)
        #expect(corruption.offset == offset, "\(corruption)", sourceLocation: sourceLocation)
        #expect(corruption.description.contains(file), "\(corruption)", sourceLocation: sourceLocation)
        if let offset {
            #expect(corruption.description.contains("offset \(offset)"), "\(corruption)", sourceLocation: sourceLocation)
        }
    }
}

/// Hand-made bytes for damaging files.
enum Damage {
    /// A segment header with any field chosen; the CRC is computed over the
    /// first 28 bytes unless one is given.
    static func header(
        magic: [UInt8] = Array("STELEWAL".utf8), version: UInt32 = 2, headerSize: UInt32 = 32,
        base: UInt64, reserved: UInt32 = 0, crc: UInt32? = nil
    ) -> [UInt8] {
        var bytes = magic
        bytes += littleEndian(version) + littleEndian(headerSize) + littleEndian(base) + littleEndian(reserved)
        bytes += littleEndian(crc ?? CRC32C.checksum(bytes[0..<28]))
        return bytes
    }

    static func littleEndian<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
        withUnsafeBytes(of: value.littleEndian) { Array($0) }
    }

    /// `count` pseudo-random bytes whose last byte is not zero (so their extent is exact).
    static func garbage(_ count: Int, seed: UInt64 = 7) -> [UInt8] {
        var generator = SplitMix64(seed: seed)
        var bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
        if bytes.last == 0 { bytes[count - 1] = 0xA5 }
        return bytes
    }

    /// The `{base:016x}-{offset:016x}.torn` name DESIGN.md gives a cut torn tail.
    static func tornTailName(base: UInt64, offset: UInt64) -> String {
        "\(hex16(base))-\(hex16(offset)).torn"
    }

    static func segmentName(base: UInt64) -> String { "\(hex16(base)).wal" }

    static func hex16(_ value: UInt64) -> String {
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}

extension RecoveryReport.Action {
    var isTornTailCut: Bool { if case .truncatedTornTail = self { true } else { false } }
    var isRecreation: Bool { if case .recreatedSegment = self { true } else { false } }
}
