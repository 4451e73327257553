import JSON
import Testing

/// Writing response bodies from ``JSONValue``.
@Suite struct JSONValueSerializationTests {
    private func text(_ value: JSONValue) -> String {
        String(decoding: value.serialized(), as: UTF8.self)
    }

    @Test func serialized_isCompact() {
        let value: JSONValue = ["a": [1, 2.5, "x", true, false, nil], "b": [:]]
        #expect(text(value) == #"{"a":[1,2.5,"x",true,false,null],"b":{}}"#)
    }

    @Test func serialized_keepsMemberOrder() {
        #expect(text(["zeta": 1, "alpha": 2, "mid": 3]) == #"{"zeta":1,"alpha":2,"mid":3}"#)
    }

    @Test func serialized_writesIntegersAsIntegers() {
        #expect(text([.integer(.max), .integer(.min), 0, -1]) == "[9223372036854775807,-9223372036854775808,0,-1]")
    }

    @Test func serialized_writesIntegralRealsWithAFraction() {
        #expect(text(.real(100)) == "100.0")
        #expect(text(.real(-0.0)) == "-0.0")
        #expect(text(.real(1.5)) == "1.5")
    }

    @Test func serialized_writesNonFiniteRealsAsNull() {
        #expect(text([.real(.infinity), .real(-.infinity), .real(.nan)]) == "[null,null,null]")
    }

    @Test func serialized_writesScalarsAtTopLevel() {
        #expect(text(nil) == "null")
        #expect(text(true) == "true")
        #expect(text(42) == "42")
        #expect(text("x") == #""x""#)
        #expect(text("") == #""""#)
        #expect(text([]) == "[]")
    }

    @Test func serialized_keepsNonASCIIAsUTF8() {
        let value: JSONValue = ["名前": "Grüße 😀"]
        #expect(value.serialized() == Array("{\"名前\":\"Grüße 😀\"}".utf8))
    }

    @Test func serialized_escapesQuotesBackslashesAndControlCharacters() throws {
        let detail: JSONValue = ["detail": "say \"hi\"\\\n\t\u{1}\u{1F}\u{7F}/"]
        let written = text(detail)
        #expect(written.hasPrefix(#"{"detail":"say \"hi\"\\\n\t"#))
        #expect(!written.contains("\n") && !written.contains("\t") && !written.contains("\u{1}"))
        #expect(try JSONValue.parse(detail.serialized()) == detail)
    }

    @Test func serialized_escapesNULInStringsAndKeys() {
        #expect(text(.string("a\u{0}b")) == #""a\u0000b""#)
        #expect(text(["k\u{0}": 1]) == #"{"k\u0000":1}"#)
    }

    @Test func serialized_duplicateKeys_lastValueWinsAtTheFirstPlace() {
        let value: JSONValue = .object([(key: "a", value: 1), (key: "b", value: 2), (key: "a", value: 3)])
        #expect(text(value) == #"{"a":3,"b":2}"#)
    }

    static let roundTrips: [JSONValue] = [
        nil, true, false, 0, -1, .integer(.max), .integer(.min), 0.1, 1e-300, 1.7976931348623157e308, -2.5e-7,
        "", "plain", "tab\there", "😀 astral", "\u{7F}\u{80}\u{7FF}\u{800}\u{FFFF}\u{10000}\u{10FFFF}",
        [], [:], [[[[]]]], ["a": ["b": ["c": [1, 2, [3]]]]],
        ["type": "about:blank", "title": "Not Found", "status": 404, "detail": "segment \"x\" is gone"],
    ]

    @Test(arguments: roundTrips)
    func serialized_parsesBackToTheSameValue(_ value: JSONValue) throws {
        #expect(try JSONValue.parse(value.serialized()) == value)
    }

    @Test func serialized_largeArray_roundTrips() throws {
        let value = JSONValue.array((0..<20_000).map { .object([(key: "offset", value: .integer(Int64($0) * 4096))]) })
        #expect(try JSONValue.parse(value.serialized()) == value)
    }
}
