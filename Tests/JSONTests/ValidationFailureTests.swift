import JSON
import Testing

/// What a failure tells the client: a stable reason, and where.
@Suite struct ValidationFailureTests {
    @Test func failure_carriesJanssonsLocationAndText() throws {
        let failure = try #require(JSONValidation.validate(Array(#"{"a":}"#.utf8)))
        #expect(failure.reason == .syntax)
        #expect(failure.line == 1 && failure.column == 6 && failure.position == 6)
        #expect(failure.text.contains("unexpected token"))
    }

    @Test func failure_countsLinesAndCharactersOfOwnFindings() throws {
        // The NUL is the third character, but the fourth byte, of line 3.
        let bytes = Array("[\n1,\n\"é".utf8) + [0x00, 0x22, 0x5D]
        let failure = try #require(JSONValidation.validate(bytes))
        #expect(failure.reason == .nulCharacter)
        #expect(failure.line == 3 && failure.column == 3 && failure.position == 9)
    }

    @Test func failure_ofEmptyInput_isAtTheStart() throws {
        let failure = try #require(JSONValidation.validate([]))
        #expect(failure.reason == .empty)
        #expect(failure.line == 1 && failure.column == 0 && failure.position == 0)
    }

    @Test func failure_describesReasonLineAndColumn() throws {
        let failure = try #require(JSONValidation.validate(Array("[1,".utf8)))
        #expect(failure.description.hasPrefix("invalid JSON (truncated) at line 1, column"))
    }

    @Test func reason_rawValuesAreStable() {
        #expect(JSONValidation.Failure.Reason.allCases.map(\.rawValue) == [
            "empty", "truncated", "syntax", "trailingData", "invalidUTF8", "loneSurrogate", "nulCharacter",
            "tooDeep", "numberOutOfRange", "duplicateKey", "outOfMemory",
        ])
    }
}
