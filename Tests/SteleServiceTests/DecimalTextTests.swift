import Testing

@testable import SteleService

@Suite("Offsets are written as decimal digits straight into the response")
struct DecimalTextTests {
    @Test(arguments: [0, 7, 9, 10, 99, 100, 296, 1_271_912, UInt64(UInt32.max), UInt64.max - 1, UInt64.max])
    func theDigitsAreThoseOfSwiftsOwnDescription(value: UInt64) {
        var output: [UInt8] = Array("x:".utf8)
        DecimalText.append(value, to: &output)
        #expect(String(decoding: output, as: UTF8.self) == "x:\(value)")
    }

    @Test func randomValues_matchTheirDescription() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<10_000 {
            let value = UInt64.random(in: 0...UInt64.max, using: &generator) >> UInt64.random(in: 0...63, using: &generator)
            var output: [UInt8] = []
            DecimalText.append(value, to: &output)
            #expect(output == Array(String(value).utf8))
        }
    }
}
