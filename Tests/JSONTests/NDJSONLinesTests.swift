import JSON
import Testing

/// Splitting and validating `application/x-ndjson` batches.
@Suite struct NDJSONLinesTests {
    /// The text of each range of `body`.
    private func lines(_ body: String) -> [String] {
        let bytes = Array(body.utf8)
        return NDJSONLines.ranges(in: bytes).map { String(decoding: bytes[$0], as: UTF8.self) }
    }

    @Test func ranges_splitAtNewlines() {
        #expect(lines("{\"a\":1}\n[2]\n3\n") == [#"{"a":1}"#, "[2]", "3"])
        #expect(NDJSONLines.ranges(in: Array("ab\ncd\n".utf8)) == [0..<2, 3..<5])
    }

    @Test func ranges_lastLineNeedsNoNewline() {
        #expect(lines("1\n2") == ["1", "2"])
        #expect(lines("1") == ["1"])
    }

    @Test func ranges_dropCarriageReturnBeforeNewline() {
        #expect(lines("1\r\n2\r\n") == ["1", "2"])
        #expect(lines("1\r") == ["1"])
    }

    @Test func ranges_keepCarriageReturnNotBeforeNewline() {
        #expect(lines("1\r2\n") == ["1\r2"])
    }

    @Test func ranges_skipEmptyLines() {
        #expect(lines("\n\n1\n\n\r\n2\n\n") == ["1", "2"])
        #expect(lines("") == [])
        #expect(lines("\n\r\n\n") == [])
    }

    @Test func ranges_keepWhitespaceOnlyLines() {
        #expect(lines("1\n  \n\t\n2") == ["1", "  ", "\t", "2"])
        #expect(lines("\r\r\n") == ["\r"])
    }

    @Test func validate_acceptsABatchOfValidLines() throws {
        let body = Array("{\"a\":1}\r\n\n[1,2]\n\"s\"\nnull".utf8)
        #expect(NDJSONLines.validate(body) == nil)
        #expect(try NDJSONLines.validatedRanges(in: body) == NDJSONLines.ranges(in: body))
    }

    @Test func validate_acceptsAnEmptyBatch() throws {
        #expect(NDJSONLines.validate([]) == nil)
        #expect(try NDJSONLines.validatedRanges(in: Array("\n\n".utf8)) == [])
    }

    @Test func validate_reportsTheFirstBadLineWithItsLineNumberAndIndex() throws {
        let body = Array("{}\n\n[1]\n{\"a\":}\n{\"dup\":1,\"dup\":2}\n".utf8)
        let failure = try #require(NDJSONLines.validate(body))
        #expect(failure.line == 4)  // the blank second line counts as a line
        #expect(failure.index == 2)  // but not as a record
        #expect(failure.failure.reason == .syntax)
        #expect(failure.failure.line == 1 && failure.failure.column == 6)  // within the line
        #expect(failure.description.hasPrefix("line 4: invalid JSON (syntax)"))
    }

    @Test func validate_refusesAWhitespaceOnlyLineAsEmpty() throws {
        let failure = try #require(NDJSONLines.validate(Array("1\n   \n2\n".utf8)))
        #expect(failure.line == 2 && failure.failure.reason == .empty)
    }

    @Test func validate_refusesTwoValuesOnOneLine() throws {
        let failure = try #require(NDJSONLines.validate(Array("1\n{} {}\n".utf8)))
        #expect(failure.line == 2 && failure.failure.reason == .trailingData)
    }

    @Test func validate_appliesTheDepthLimitPerLine() throws {
        let body = Array("[[1]]\n[[[1]]]\n".utf8)
        #expect(NDJSONLines.validate(body, maximumDepth: 3) == nil)
        let failure = try #require(NDJSONLines.validate(body, maximumDepth: 2))
        #expect(failure.line == 2 && failure.failure.reason == .tooDeep)
    }

    @Test func validate_refusesAValueSplitAcrossLines() throws {
        let failure = try #require(NDJSONLines.validate(Array("{\"a\":\n1}\n".utf8)))
        #expect(failure.line == 1 && failure.failure.reason == .truncated)
    }

    @Test func validatedRanges_throwsTheSameFailure() throws {
        let body = Array("1\n\u{FF}\n".utf8) + [0xFF]
        let expected = try #require(NDJSONLines.validate(body))
        #expect(throws: expected) { try NDJSONLines.validatedRanges(in: body) }
    }

    @Test func validate_readsFromARawBuffer() {
        let body = Array("1\n2\nx\n".utf8)
        let failure = body.withUnsafeBytes { NDJSONLines.validate($0) }
        #expect(failure?.line == 3)
    }

    @Test func validate_manyLines() throws {
        let record = #"{"id":"0f8e","kind":"order.created","amount":1299,"tags":["a","b"],"ok":true}"#
        let body = Array(String(repeating: record + "\n", count: 10_000).utf8)
        #expect(try NDJSONLines.validatedRanges(in: body).count == 10_000)
    }

    @Test func split_givesEachNonEmptyLineWithItsNumber() {
        let split = NDJSONLines.split(Array("a\n\nbc\r\n\r\nd".utf8), maximumLines: 10, maximumLineBytes: 10)
        #expect(split == .success([
            NDJSONLines.Line(range: 0..<1, number: 1), NDJSONLines.Line(range: 3..<5, number: 3),
            NDJSONLines.Line(range: 9..<10, number: 5),
        ]))
        #expect(split.map { $0.map(\.range) } == .success(NDJSONLines.ranges(in: Array("a\n\nbc\r\n\r\nd".utf8))))
    }

    @Test func split_refusesOneLineMoreThanAllowed_butNotEmptyLines() {
        let three = Array("1\n\n2\n\n3\n\n".utf8)
        #expect((try? NDJSONLines.split(three, maximumLines: 3, maximumLineBytes: 10).get())?.count == 3)
        #expect(NDJSONLines.split(three, maximumLines: 2, maximumLineBytes: 10) == .failure(.tooManyLines))
    }

    @Test func split_namesTheFirstLineTooLong_beforeCountingIt() {
        let body = Array("12\n\n12345\n123456\n".utf8)
        #expect(NDJSONLines.split(body, maximumLines: 10, maximumLineBytes: 4) == .failure(.lineTooLong(line: 3, bytes: 5)))
        // A line both too long and one too many is refused for its length, as before any count.
        #expect(NDJSONLines.split(body, maximumLines: 1, maximumLineBytes: 4) == .failure(.lineTooLong(line: 3, bytes: 5)))
    }

    @Test func firstInvalid_isTheFailureValidateFinds() throws {
        for text in ["{}\n\n[1]\n{\"a\":}\n2\n", "1\n   \n2\n", "1\n{} {}\n", "[[[1]]]\n", "1\n2\n"] {
            let body = Array(text.utf8)
            let lines = try NDJSONLines.split(body, maximumLines: 100, maximumLineBytes: 100).get()
            #expect(NDJSONLines.firstInvalid(lines, in: body, maximumDepth: 2) == NDJSONLines.validate(body, maximumDepth: 2), "\(text)")
        }
    }
}
