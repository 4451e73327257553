extension SegmentFile {
    /// Why the file's header is not a valid header for its name, or nil when
    /// it is; `size` is the file's size in bytes.
    func headerDefect(size: Int64) throws(JournalError) -> String? {
        guard size >= Int64(SegmentHeader.size) else { return "file is \(size) bytes, shorter than its header" }
        var bytes = [UInt8](repeating: 0, count: SegmentHeader.size)
        let got: Int
        do {
            got = try fileSystem.read(handle, count: SegmentHeader.size, at: 0, into: &bytes)
        } catch {
            throw .io(operation: "read", path: path.string, errno: error)
        }
        guard got == SegmentHeader.size else { return "short header read" }
        switch bytes.withUnsafeBytes({ SegmentHeader.decode($0) }) {
        case .failure(let defect): return "\(defect)"
        case .success(let header) where header.baseOffset != base:
            return "header base \(header.baseOffset) does not match the file name"
        case .success: return nil
        }
    }
}
