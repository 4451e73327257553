/// The lines of an `application/x-ndjson` body, each meant to be one JSON value.
///
/// A line ends at `\n`, or at the end of the body; a `\r` just before either is
/// not part of the line. Lines left empty are skipped (so blank lines and a final
/// newline are harmless), but a line of spaces is a line, and fails validation.
package enum NDJSONLines {
    /// The first line of a batch that is not acceptable JSON.
    package struct Failure: Error, Equatable, Sendable, CustomStringConvertible {
        /// The 1-based line number in the body, counting skipped empty lines.
        package let line: Int
        /// The 0-based position of the line among the non-empty ones: the index of
        /// the record the line would have become.
        package let index: Int
        /// What is wrong with the line; its line, column and position are within the line.
        package let failure: JSONValidation.Failure

        package var description: String { "line \(line): \(failure)" }
    }

    /// The byte ranges of the non-empty lines of `body`, in order, without their
    /// line endings.
    package static func ranges(in body: UnsafeRawBufferPointer) -> [Range<Int>] {
        var ranges: [Range<Int>] = []
        forEachLine(in: body) { range, _ in
            ranges.append(range)
            return true
        }
        return ranges
    }

    /// The byte ranges of the non-empty lines of `body`.
    package static func ranges(in body: [UInt8]) -> [Range<Int>] {
        body.withUnsafeBytes { ranges(in: $0) }
    }

    /// The first non-empty line of `body` that ``JSONValidation/validate(_:maximumDepth:)``
    /// refuses, or `nil` if every line is valid: a batch is all-or-nothing.
    package static func validate(
        _ body: UnsafeRawBufferPointer, maximumDepth: Int = JSONValidation.defaultMaximumDepth
    ) -> Failure? {
        switch splitAndValidate(body, maximumDepth: maximumDepth) {
        case .success: return nil
        case .failure(let failure): return failure
        }
    }

    /// The first non-empty line of `body` that is not acceptable JSON, or `nil`.
    package static func validate(_ body: [UInt8], maximumDepth: Int = JSONValidation.defaultMaximumDepth) -> Failure? {
        body.withUnsafeBytes { validate($0, maximumDepth: maximumDepth) }
    }

    /// The ranges of the non-empty lines of `body` if every one is acceptable JSON,
    /// in one pass; otherwise the first failure.
    package static func validatedRanges(
        in body: UnsafeRawBufferPointer, maximumDepth: Int = JSONValidation.defaultMaximumDepth
    ) throws(Failure) -> [Range<Int>] {
        try splitAndValidate(body, maximumDepth: maximumDepth).get()
    }

    /// The ranges of the non-empty lines of `body` if every one is acceptable JSON.
    package static func validatedRanges(
        in body: [UInt8], maximumDepth: Int = JSONValidation.defaultMaximumDepth
    ) throws(Failure) -> [Range<Int>] {
        try body.withUnsafeBytes { splitAndValidate($0, maximumDepth: maximumDepth) }.get()
    }

    private static func splitAndValidate(
        _ body: UnsafeRawBufferPointer, maximumDepth: Int
    ) -> Result<[Range<Int>], Failure> {
        var ranges: [Range<Int>] = []
        var failure: Failure?
        forEachLine(in: body) { range, line in
            let bytes = UnsafeRawBufferPointer(rebasing: body[range])
            if let problem = JSONValidation.validate(bytes, maximumDepth: maximumDepth) {
                failure = Failure(line: line, index: ranges.count, failure: problem)
                return false
            }
            ranges.append(range)
            return true
        }
        if let failure { return .failure(failure) }
        return .success(ranges)
    }

    /// How a batch is too big, found by splitting it alone, before any line is parsed.
    package enum Excess: Equatable, Sendable {
        /// More non-empty lines than allowed (counting stopped one past the limit).
        case tooManyLines
        /// A line longer than allowed: its 1-based number and its length in bytes.
        case lineTooLong(line: Int, bytes: Int)
    }

    /// The first way `body` holds more than `maximumLines` non-empty lines or a
    /// line of more than `maximumLineBytes`, or nil. It only looks for line
    /// ends, so a batch that is refused anyway costs no parsing.
    package static func excess(in body: [UInt8], maximumLines: Int, maximumLineBytes: Int) -> Excess? {
        body.withUnsafeBytes { bytes in
            var count = 0
            var found: Excess?
            forEachLine(in: bytes) { range, line in
                count += 1
                if range.count > maximumLineBytes {
                    found = .lineTooLong(line: line, bytes: range.count)
                } else if count > maximumLines {
                    found = .tooManyLines
                }
                return found == nil
            }
            return found
        }
    }

    /// Calls `visit` with the range and 1-based line number of each non-empty
    /// line, until it returns `false`.
    private static func forEachLine(in bytes: UnsafeRawBufferPointer, _ visit: (Range<Int>, Int) -> Bool) {
        var start = 0
        var line = 1
        while start < bytes.count {
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
            var end = newline
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end > start && !visit(start..<end, line) { return }
            start = newline + 1
            line += 1
        }
    }
}
