import JSON
import Testing

/// The nesting limit: a scalar has depth 0, `[]` depth 1, and the limit is the
/// deepest nesting allowed.
@Suite struct ValidationDepthTests {
    @Test(arguments: 0...5)
    func validation_acceptsNestingExactlyAtTheLimit(_ limit: Int) {
        #expect(JSONValidation.validate(TestInput.nestedArrays(limit), maximumDepth: limit) == nil)
        #expect(JSONValidation.validate(TestInput.nestedObjects(limit), maximumDepth: limit) == nil)
    }

    @Test(arguments: 0...5)
    func validation_refusesNestingOneBeyondTheLimit(_ limit: Int) {
        #expect(JSONValidation.validate(TestInput.nestedArrays(limit + 1), maximumDepth: limit)?.reason == .tooDeep)
        #expect(JSONValidation.validate(TestInput.nestedObjects(limit + 1), maximumDepth: limit)?.reason == .tooDeep)
    }

    @Test func validation_withLimitZero_acceptsScalarsOnly() {
        #expect(JSONValidation.validate(Array(#""[{""#.utf8), maximumDepth: 0) == nil)
        #expect(JSONValidation.validate(Array("[]".utf8), maximumDepth: 0)?.reason == .tooDeep)
    }

    @Test func validation_countsDepthAlongOnePathNotAcrossSiblings() {
        let siblings = "[" + Array(repeating: "[[]]", count: 100).joined(separator: ",") + "]"
        #expect(JSONValidation.validate(Array(siblings.utf8), maximumDepth: 3) == nil)
        #expect(JSONValidation.validate(Array(siblings.utf8), maximumDepth: 2)?.reason == .tooDeep)
    }

    @Test func validation_reportsTheFirstBracketBeyondTheLimit() throws {
        let failure = try #require(JSONValidation.validate(TestInput.nestedArrays(10_000)))
        #expect(failure.reason == .tooDeep)
        #expect(failure.position == 65)
        #expect(failure.line == 1 && failure.column == 65)
    }

    @Test func validation_allowsDeepNestingWhenAsked() {
        #expect(JSONValidation.validate(TestInput.nestedArrays(2000), maximumDepth: 2000) == nil)
    }

    /// jansson stops at 2048 levels whatever the caller asks for.
    @Test func validation_refusesBeyondJanssonsOwnLimitEvenWhenAskedForMore() {
        #expect(JSONValidation.validate(TestInput.nestedArrays(3000), maximumDepth: 5000)?.reason == .tooDeep)
    }

    @Test func parse_convertsDeepButAllowedNesting() throws {
        var value = try JSONValue.parse(TestInput.nestedArrays(64))
        var depth = 0
        while case .array(let elements) = value, let first = elements.first {
            value = first
            depth += 1
        }
        #expect(depth == 64 && value == .integer(0))
    }
}
