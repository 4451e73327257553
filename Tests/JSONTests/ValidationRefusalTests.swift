import JSON
import Testing

/// Every kind of payload Stele refuses, with the reason it is refused for.
@Suite struct ValidationRefusalTests {
    static let malformed: [TestInput] = [
        TestInput("missing value", #"{"a":}"#, .syntax),
        TestInput("trailing comma", "[1,]", .syntax),
        TestInput("single quotes", "{'a':1}", .syntax),
        TestInput("unquoted key", "{a:1}", .syntax),
        TestInput("NaN", "NaN", .syntax),
        TestInput("Infinity", "-Infinity", .syntax),
        TestInput("leading zero", "01", .syntax),
        TestInput("leading plus", "+1", .syntax),
        TestInput("bare word", "nul", .syntax),
        TestInput("byte-order mark", [0xEF, 0xBB, 0xBF] + Array("1".utf8), .syntax),
        TestInput("raw tab in string", "\"a\tb\"", .syntax),
        TestInput("raw newline in string", "\"a\nb\"", .syntax),
        TestInput("unknown escape", #""\x""#, .syntax),
        TestInput("bad hex in escape", #""\u12G4""#, .syntax),
    ]

    static let truncatedOrEmpty: [TestInput] = [
        TestInput("empty", "", .empty),
        TestInput("spaces only", "   ", .empty),
        TestInput("all JSON whitespace", " \t\r\n ", .empty),
        TestInput("unclosed object", #"{"a":1"#, .truncated),
        TestInput("unclosed array", "[1,2", .truncated),
        TestInput("unclosed string", #""abc"#, .truncated),
        TestInput("key without value", #"{"a""#, .truncated),
        TestInput("escape at end", #""\"#, .syntax),  // jansson: "invalid escape"
    ]

    static let trailing: [TestInput] = [
        TestInput("two objects", "{} {}", .trailingData),
        TestInput("two numbers", "1 2", .trailingData),
        TestInput("garbage after array", "[]x", .trailingData),
        TestInput("two strings", #""a""b""#, .trailingData),
        TestInput("second value on next line", "{}\n{}", .trailingData),
        TestInput("comment after the value", "[1] // no", .trailingData),
    ]

    static let invalidUTF8: [TestInput] = [
        TestInput("overlong slash (C0 AF)", [0x22, 0xC0, 0xAF, 0x22], .invalidUTF8),
        TestInput("overlong three bytes (E0 80 AF)", [0x22, 0xE0, 0x80, 0xAF, 0x22], .invalidUTF8),
        TestInput("overlong NUL (C0 80)", [0x22, 0xC0, 0x80, 0x22], .invalidUTF8),
        TestInput("byte FF", [0x22, 0xFF, 0x22], .invalidUTF8),
        TestInput("byte FE", [0x22, 0xFE, 0x22], .invalidUTF8),
        TestInput("truncated euro sign (E2 82)", [0x22, 0xE2, 0x82, 0x22], .invalidUTF8),
        TestInput("truncated at end of input", [0x22, 0xF0, 0x9F, 0x98], .invalidUTF8),
        TestInput("lone continuation byte", [0x22, 0x80, 0x22], .invalidUTF8),
        TestInput("UTF-16 high surrogate in UTF-8 (ED A0 80)", [0x22, 0xED, 0xA0, 0x80, 0x22], .invalidUTF8),
        TestInput("UTF-16 low surrogate in UTF-8 (ED B0 80)", [0x22, 0xED, 0xB0, 0x80, 0x22], .invalidUTF8),
        TestInput("beyond U+10FFFF (F4 90 80 80)", [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], .invalidUTF8),
        TestInput("invalid byte in key", [0x7B, 0x22, 0xFF, 0x22, 0x3A, 0x31, 0x7D], .invalidUTF8),
        TestInput("invalid byte outside strings", [0xFF], .invalidUTF8),
    ]

    static let loneSurrogates: [TestInput] = [
        TestInput("high alone", #""\ud800""#, .loneSurrogate),
        TestInput("high alone, upper case", #""\uDBFF""#, .loneSurrogate),
        TestInput("low alone", #""\udc00""#, .loneSurrogate),
        TestInput("high followed by a non-surrogate escape", #""\ud800\u0041""#, .loneSurrogate),
        TestInput("high followed by a plain character", #""\ud800x""#, .loneSurrogate),
        TestInput("high followed by high", #""\ud800\ud800""#, .loneSurrogate),
        TestInput("low then high", #""\udc00\ud800""#, .loneSurrogate),
        TestInput("in a key", #"{"\ud800":1}"#, .loneSurrogate),
        TestInput("after a valid pair and escapes", #"["\"\ud83d\ude00\n", "\udfff"]"#, .loneSurrogate),
    ]

    static let tooDeep: [TestInput] = [
        TestInput("65 arrays", TestInput.nestedArrays(65), .tooDeep),
        TestInput("65 objects", TestInput.nestedObjects(65), .tooDeep),
        TestInput("10,000 arrays", TestInput.nestedArrays(10_000), .tooDeep),
        TestInput("10,000 objects", TestInput.nestedObjects(10_000), .tooDeep),
        TestInput("10,000 unclosed arrays", Array(repeating: UInt8(ascii: "["), count: 10_000), .tooDeep),
        TestInput("deep inside a wide array", Array("[1,2,".utf8) + TestInput.nestedArrays(70) + [UInt8(ascii: "]")], .tooDeep),
    ]

    static let outOfRange: [TestInput] = [
        TestInput("20-digit integer", "99999999999999999999", .numberOutOfRange),
        TestInput("Int64.max + 1", "9223372036854775808", .numberOutOfRange),
        TestInput("Int64.min - 1", "-9223372036854775809", .numberOutOfRange),
        TestInput("1e400", "1e400", .numberOutOfRange),
        TestInput("-1e400", "-1e400", .numberOutOfRange),
        TestInput("just past Double.greatestFiniteMagnitude", "1.8e308", .numberOutOfRange),
        TestInput("huge integer in an object", #"{"offset": 99999999999999999999}"#, .numberOutOfRange),
    ]

    static let duplicates: [TestInput] = [
        TestInput("same key twice", #"{"a":1,"a":2}"#, .duplicateKey),
        TestInput("same key apart", #"{"a":1,"b":2,"a":3}"#, .duplicateKey),
        TestInput("same key in a nested object", #"{"x":{"b":1,"b":1}}"#, .duplicateKey),
        TestInput("same key spelled with an escape", #"{"a":1,"\u0061":2}"#, .duplicateKey),
    ]

    static let nul: [TestInput] = [
        TestInput(#"\u0000 in a string"#, #""a\u0000b""#, .nulCharacter),
        TestInput(#"\u0000 alone"#, #""\u0000""#, .nulCharacter),
        TestInput(#"\u0000 in a key"#, #"{"a\u0000":1}"#, .nulCharacter),
        TestInput("raw NUL in a string", [0x22, 0x61, 0x00, 0x62, 0x22], .nulCharacter),
        TestInput("raw NUL after the value", [0x31, 0x00], .nulCharacter),
        TestInput("raw NUL before the value", [0x20, 0x00, 0x31], .nulCharacter),
        TestInput("raw NUL between values", [0x7B, 0x7D, 0x00, 0x7B, 0x7D], .nulCharacter),
        TestInput("raw NUL after a backslash", [0x22, 0x5C, 0x00, 0x22], .nulCharacter),
        TestInput("raw NUL only", [0x00], .nulCharacter),
    ]

    @Test(arguments: malformed + truncatedOrEmpty + trailing)
    func validation_refusesMalformedTruncatedEmptyAndTrailingInput(_ input: TestInput) {
        expectRefusal(input)
    }

    @Test(arguments: invalidUTF8)
    func validation_refusesInvalidUTF8(_ input: TestInput) {
        expectRefusal(input)
    }

    @Test(arguments: loneSurrogates)
    func validation_refusesLoneSurrogate(_ input: TestInput) {
        expectRefusal(input)
    }

    @Test(arguments: tooDeep)
    func validation_refusesNestingDeeperThanTheLimit(_ input: TestInput) {
        expectRefusal(input)
    }

    @Test(arguments: outOfRange)
    func validation_refusesNumbersOutsideInt64AndDouble(_ input: TestInput) {
        expectRefusal(input)
    }

    @Test(arguments: duplicates)
    func validation_refusesDuplicateKeys(_ input: TestInput) {
        expectRefusal(input)
    }

    @Test(arguments: nul)
    func validation_refusesNULBytesAndEscapedNUL(_ input: TestInput) {
        expectRefusal(input)
    }

    /// Parsing applies exactly the same rules, and reports the same failure.
    @Test(arguments: malformed + truncatedOrEmpty + trailing + invalidUTF8 + loneSurrogates + tooDeep + outOfRange
        + duplicates + nul)
    func parse_throwsTheFailureValidationReports(_ input: TestInput) {
        let expected = JSONValidation.validate(input.bytes)
        #expect(expected != nil)
        if let expected {
            #expect(throws: expected) { try JSONValue.parse(input.bytes) }
        }
    }

    private func expectRefusal(_ input: TestInput, sourceLocation: SourceLocation = #_sourceLocation) {
        let failure = JSONValidation.validate(input.bytes)
        #expect(failure?.reason == input.reason, "\(failure.map(String.init(describing:)) ?? "accepted")",
            sourceLocation: sourceLocation)
    }
}
