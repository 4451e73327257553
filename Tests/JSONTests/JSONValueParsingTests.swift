import JSON
import Testing

/// Reading request bodies into ``JSONValue``.
@Suite struct JSONValueParsingTests {
    private func parse(_ text: String) throws(JSONValidation.Failure) -> JSONValue {
        try JSONValue.parse(Array(text.utf8))
    }

    @Test func parse_integerMember_isAnInteger() throws {
        let body = try parse(#"{"offset": 123}"#)
        #expect(body["offset"] == .integer(123))
        #expect(body["offset"]?.integerValue == 123)
    }

    @Test func parse_negativeInteger_staysNegative() throws {
        #expect(try parse(#"{"offset": -1}"#)["offset"] == .integer(-1))
    }

    @Test func parse_fraction_isAReal_notAnInteger() throws {
        let offset = try parse(#"{"offset": 1.5}"#)["offset"]
        #expect(offset == .real(1.5))
        #expect(offset?.integerValue == nil)
    }

    @Test func parse_integralRealSpelling_isStillAReal() throws {
        #expect(try parse("1.0") == .real(1))
        #expect(try parse("1e2") == .real(100))
    }

    @Test func parse_quotedNumber_isAString() throws {
        let offset = try parse(#"{"offset": "5"}"#)["offset"]
        #expect(offset == .string("5"))
        #expect(offset?.integerValue == nil && offset?.stringValue == "5")
    }

    @Test func parse_integerBeyondInt64_failsWithNumberOutOfRange() {
        #expect {
            try parse(#"{"offset": 99999999999999999999}"#)
        } throws: { error in
            (error as? JSONValidation.Failure)?.reason == .numberOutOfRange
        }
    }

    @Test func parse_int64Extremes_areExact() throws {
        #expect(try parse("[9223372036854775807,-9223372036854775808]") == .array([.integer(.max), .integer(.min)]))
    }

    @Test func parse_scalarsAtTopLevel() throws {
        #expect(try parse("null") == .null)
        #expect(try parse("true") == .bool(true))
        #expect(try parse(" false ") == .bool(false))
        #expect(try parse(#""x""#) == .string("x"))
        #expect(try parse("-0") == .integer(0))
    }

    @Test func parse_keepsObjectKeysInDocumentOrder() throws {
        let value = try parse(#"{"zeta":1,"alpha":2,"mid":3}"#)
        guard case .object(let members) = value else {
            Issue.record("not an object: \(value)")
            return
        }
        #expect(members.map(\.key) == ["zeta", "alpha", "mid"])
    }

    @Test func parse_nestedDocument() throws {
        let value = try parse(#"{"segments":[{"first":0,"sealed":true},{"first":4096,"sealed":false}],"next":null}"#)
        let expected: JSONValue = [
            "segments": [["first": 0, "sealed": true], ["first": 4096, "sealed": false]],
            "next": nil,
        ]
        #expect(value == expected)
        #expect(value["segments"]?.arrayValue?.count == 2)
    }

    @Test func parse_decodesEscapes() throws {
        #expect(try parse(#""a\"b\\c\/d\n\t\u00e9""#) == .string("a\"b\\c/d\n\té"))
    }

    @Test func parse_decodesAstralCharactersFromSurrogatePairs() throws {
        #expect(try parse(#""\ud83d\ude00 \uD834\uDD1E""#) == .string("\u{1F600} \u{1D11E}"))
    }

    @Test func parse_keepsRawUTF8() throws {
        #expect(try parse("{\"名前\":\"Grüße 😀\"}") == ["名前": "Grüße 😀"])
    }

    @Test func parse_fromARawBuffer() throws {
        let bytes = Array("[1,2]".utf8)
        let value = try bytes.withUnsafeBytes { raw throws(JSONValidation.Failure) in try JSONValue.parse(raw) }
        #expect(value == [1, 2])
    }

    @Test func parse_bigArray() throws {
        let text = "[" + (0..<50_000).map(String.init).joined(separator: ",") + "]"
        let value = try parse(text)
        #expect(value.arrayValue?.count == 50_000)
        #expect(value.arrayValue?.last == .integer(49_999))
    }

    @Test func accessors_returnNilForOtherKinds() {
        let value: JSONValue = ["a": 1]
        #expect(value["missing"] == nil)
        #expect(JSONValue.array([1])["a"] == nil)
        #expect(value.integerValue == nil && value.stringValue == nil && value.boolValue == nil)
        #expect(JSONValue.bool(true).boolValue == true)
        #expect(JSONValue.integer(1).boolValue == nil)
    }

    @Test func equality_distinguishesIntegerFromRealAndMemberOrder() {
        #expect(JSONValue.integer(1) != .real(1))
        #expect(JSONValue(dictionaryLiteral: ("a", 1), ("b", 2)) != ["b": 2, "a": 1])
        #expect(JSONValue.object([]) != .array([]))
    }
}
