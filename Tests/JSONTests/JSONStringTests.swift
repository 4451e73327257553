import JSON
import Testing

/// The hand-written string escaper for hot response paths.
@Suite struct JSONStringTests {
    private func quoted(_ string: some StringProtocol) -> String {
        String(decoding: JSONString.quoted(string), as: UTF8.self)
    }

    @Test func appendQuoted_wrapsPlainTextInQuotes() {
        #expect(quoted("hello") == #""hello""#)
        #expect(quoted("") == #""""#)
    }

    @Test func appendQuoted_escapesQuoteAndBackslash() {
        #expect(quoted(#"a"b\c"#) == #""a\"b\\c""#)
    }

    @Test func appendQuoted_usesShortEscapesForCommonControlCharacters() {
        #expect(quoted("\u{8}\u{C}\n\r\t") == #""\b\f\n\r\t""#)
    }

    @Test func appendQuoted_usesHexEscapesForOtherControlCharacters() {
        #expect(quoted("\u{0}\u{1}\u{B}\u{1A}\u{1F}") == #""\u0000\u0001\u000b\u001a\u001f""#)
    }

    @Test func appendQuoted_copiesEverythingElseAsUTF8() {
        let text = "/ \u{7F} é 東京 😀 \u{2028}"
        #expect(JSONString.quoted(text) == [0x22] + Array(text.utf8) + [0x22])
    }

    @Test func appendQuoted_appendsToWhatIsAlreadyThere() {
        var output = Array(#"{"detail":"#.utf8)
        JSONString.appendQuoted("x\ny", to: &output)
        output.append(UInt8(ascii: "}"))
        #expect(String(decoding: output, as: UTF8.self) == #"{"detail":"x\ny"}"#)
    }

    @Test func appendQuoted_acceptsSubstrings() {
        let line = "key=va\"lue;"
        let value = line[line.index(after: line.firstIndex(of: "=")!)..<line.firstIndex(of: ";")!]
        #expect(quoted(value) == #""va\"lue""#)
    }

    @Test func appendQuoted_everyASCIICharacter_roundTripsThroughJansson() throws {
        let text = String(decoding: (1...0x7F).map { UInt8($0) }, as: UTF8.self)
        #expect(try JSONValue.parse(JSONString.quoted(text)) == .string(text))
    }

    /// Characters random strings are drawn from: every control character but
    /// NUL (which Stele's parser refuses), the two that must be escaped, and
    /// characters of each UTF-8 length, including combining marks.
    private static let alphabet: [Character] =
        (1..<0x20).map { Character(Unicode.Scalar(UInt8($0))) }
        + ["\"", "\\", "/", "a", "Z", " ", "\u{7F}", "é", "ß", "\u{301}", "\u{7FF}", "東", "\u{FFFD}", "\u{FFFF}",
           "\u{2028}", "😀", "𝄞", "\u{10FFFF}", "🇺🇳"]

    @Test func appendQuoted_randomStrings_roundTripThroughJansson() throws {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let length = Int.random(in: 0...40, using: &generator)
            let string = String((0..<length).map { _ in Self.alphabet.randomElement(using: &generator)! })
            let parsed = try JSONValue.parse(JSONString.quoted(string))
            #expect(parsed == .string(string), "escaping \(Array(string.unicodeScalars.map(\.value)))")
        }
    }

    @Test func appendQuoted_agreesWithJanssonOnTheDecodedString() throws {
        let string = "mixed \"\\\u{1}\u{1F}\n é 😀"
        #expect(try JSONValue.parse(JSONString.quoted(string)) == JSONValue.parse(JSONValue.string(string).serialized()))
    }
}
