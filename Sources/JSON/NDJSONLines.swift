#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#endif

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
        allLines(of: body).map(\.range)
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
        let lines = allLines(of: body)
        if let failure = firstInvalid(lines, in: body, maximumDepth: maximumDepth) { return .failure(failure) }
        return .success(lines.map(\.range))
    }

    /// Every non-empty line of `body`, with no limit.
    private static func allLines(of body: UnsafeRawBufferPointer) -> [Line] {
        var lines: [Line] = []
        forEachLine(in: body) { range, number in
            lines.append(Line(range: range, number: number))
            return true
        }
        return lines
    }

    /// How a batch is too big, found by splitting it alone, before any line is parsed.
    package enum Excess: Error, Equatable, Sendable {
        /// More non-empty lines than allowed (counting stopped one past the limit).
        case tooManyLines
        /// A line longer than allowed: its 1-based number and its length in bytes.
        case lineTooLong(line: Int, bytes: Int)
    }

    /// A non-empty line: its byte range in the body, without its line
    /// ending, and its 1-based number (counting skipped empty lines).
    package struct Line: Equatable, Sendable {
        package let range: Range<Int>
        package let number: Int

        package init(range: Range<Int>, number: Int) {
            self.range = range
            self.number = number
        }
    }

    /// The non-empty lines of `body`, or the first way it holds more than
    /// `maximumLines` of them or a line of more than `maximumLineBytes`. It
    /// only looks for line ends, so a batch that is refused anyway costs no
    /// parsing; ``firstInvalid(_:in:maximumDepth:)`` then parses the lines.
    package static func split(_ body: [UInt8], maximumLines: Int, maximumLineBytes: Int) -> Result<[Line], Excess> {
        body.withUnsafeBytes { bytes in
            var lines: [Line] = []
            var found: Excess?
            forEachLine(in: bytes) { range, number in
                if range.count > maximumLineBytes {
                    found = .lineTooLong(line: number, bytes: range.count)
                } else if lines.count == maximumLines {
                    found = .tooManyLines
                } else {
                    lines.append(Line(range: range, number: number))
                }
                return found == nil
            }
            if let found { return .failure(found) }
            return .success(lines)
        }
    }

    /// The first of `lines` (from ``split(_:maximumLines:maximumLineBytes:)``
    /// of `body`) that ``JSONValidation/validate(_:maximumDepth:)`` refuses, or nil.
    package static func firstInvalid(
        _ lines: [Line], in body: [UInt8], maximumDepth: Int = JSONValidation.defaultMaximumDepth
    ) -> Failure? {
        body.withUnsafeBytes { firstInvalid(lines, in: $0, maximumDepth: maximumDepth) }
    }

    private static func firstInvalid(_ lines: [Line], in body: UnsafeRawBufferPointer, maximumDepth: Int) -> Failure? {
        for (index, line) in lines.enumerated() {
            if let problem = JSONValidation.validate(UnsafeRawBufferPointer(rebasing: body[line.range]), maximumDepth: maximumDepth) {
                return Failure(line: line.number, index: index, failure: problem)
            }
        }
        return nil
    }

    /// Calls `visit` with the range and 1-based line number of each non-empty
    /// line, until it returns `false`.
    private static func forEachLine(in bytes: UnsafeRawBufferPointer, _ visit: (Range<Int>, Int) -> Bool) {
        var start = 0
        var line = 1
        guard let base = bytes.baseAddress else { return }
        while start < bytes.count {
            // memchr: the C library's vectorised search, several times faster than a byte loop.
            let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start)
                .map { UnsafeRawPointer($0) - base } ?? bytes.count
            var end = newline
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if end > start && !visit(start..<end, line) { return }
            start = newline + 1
            line += 1
        }
    }
}
