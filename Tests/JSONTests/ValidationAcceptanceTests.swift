import JSON
import Testing

/// Payloads Stele must accept, including the edges of each refusal rule.
@Suite struct ValidationAcceptanceTests {
    static let scalars: [TestInput] = [
        TestInput("zero", "0"),
        TestInput("negative zero", "-0"),
        TestInput("real", "1.5"),
        TestInput("small negative real with exponent", "-1.25e-5"),
        TestInput("upper-case exponent", "1E5"),
        TestInput("true", "true"),
        TestInput("false", "false"),
        TestInput("null", "null"),
        TestInput("string", #""x""#),
        TestInput("empty string", #""""#),
        TestInput("Int64.max", "9223372036854775807"),
        TestInput("Int64.min", "-9223372036854775808"),
        TestInput("Double.greatestFiniteMagnitude", "1.7976931348623157e308"),
        TestInput("real that underflows to zero", "1e-400"),
        TestInput("whitespace around the value", " \n\t{\"a\":1}\r\n "),
    ]

    static let strings: [TestInput] = [
        TestInput("astral character as a surrogate pair", #""\ud83d\ude00""#),
        TestInput("surrogate pair in upper case", #""\uD834\uDD1E""#),
        TestInput("last pair (U+10FFFF)", #""\udbff\udfff""#),
        TestInput("astral character as raw UTF-8", "\"\u{1F600}\""),
        TestInput("non-ASCII text", "\"Grüße, 東京\""),
        TestInput("U+FFFF as an escape", #""\uffff""#),
        TestInput("DEL unescaped", "\"\u{7F}\""),
        TestInput("every short escape", #""\"\\\/\b\f\n\r\t""#),
        TestInput("escaped control character", #""\u0001\u001f""#),
        TestInput("brackets inside strings do not nest", "\"" + String(repeating: "[{", count: 5000) + "\""),
        TestInput("escaped quote before brackets", #"["\"[[[[", "\\"]"#),
        TestInput("key that looks like an escape of a duplicate", #"{"a":1,"\\u0061":2}"#),
    ]

    static let containers: [TestInput] = [
        TestInput("empty array", "[]"),
        TestInput("empty object", "{}"),
        TestInput("64 arrays (the default limit)", TestInput.nestedArrays(64)),
        TestInput("64 objects (the default limit)", TestInput.nestedObjects(64)),
        TestInput("wide and shallow", "[" + Array(repeating: "[1,{\"a\":[]}]", count: 1000).joined(separator: ",") + "]"),
        TestInput("100,000-element array", "[" + Array(repeating: "1", count: 100_000).joined(separator: ",") + "]"),
        TestInput(
            "10,000-member object",
            "{" + (0..<10_000).map { "\"k\($0)\":\($0)" }.joined(separator: ",") + "}"),
        TestInput("typical record", #"{"id":"0f8e","kind":"order.created","amount":1299,"tags":["a","b"],"ok":true}"#),
    ]

    @Test(arguments: scalars)
    func validation_acceptsScalarsAtTopLevel(_ input: TestInput) {
        expectAcceptance(input)
    }

    @Test(arguments: strings)
    func validation_acceptsWellFormedStringsAndEscapes(_ input: TestInput) {
        expectAcceptance(input)
    }

    @Test(arguments: containers)
    func validation_acceptsContainersUpToTheLimit(_ input: TestInput) {
        expectAcceptance(input)
    }

    @Test func validation_readsFromARawBuffer() {
        let bytes = Array(#"{"a":[1,2,3]}"#.utf8)
        let failure = bytes.withUnsafeBytes { JSONValidation.validate($0) }
        #expect(failure == nil)
    }

    @Test func validation_readsOnlyTheGivenSliceOfALargerBuffer() {
        let bytes = Array("[1][2]".utf8)
        bytes.withUnsafeBytes { raw in
            #expect(JSONValidation.validate(UnsafeRawBufferPointer(rebasing: raw[0..<3])) == nil)
            #expect(JSONValidation.validate(raw)?.reason == .trailingData)
        }
    }

    @Test func validationAndParsing_workFromManyTasksAtOnce() async {
        let good = Array(#"{"a":[1,2,{"b":"c"}],"d":1.5}"#.utf8)
        let bad = Array(#"{"a":1,"a":2}"#.utf8)
        let results = await withTaskGroup(of: Bool.self) { group in
            for task in 0..<8 {
                group.addTask {
                    (0..<2_000).allSatisfy { round in
                        let accepted = JSONValidation.validate(good) == nil && (try? JSONValue.parse(good)) != nil
                        let refused = JSONValidation.validate(bad)?.reason == .duplicateKey
                        return accepted && refused && (task + round >= 0)
                    }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(results == Array(repeating: true, count: 8))
    }

    private func expectAcceptance(_ input: TestInput, sourceLocation: SourceLocation = #_sourceLocation) {
        let failure = JSONValidation.validate(input.bytes)
        #expect(failure == nil, "\(failure.map(String.init(describing:)) ?? "")", sourceLocation: sourceLocation)
    }
}
