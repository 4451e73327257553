/// Unsigned integers written as ASCII decimal digits straight into a byte
/// buffer, without making a `String` first (reads render 100 offsets a
/// response, and appends answer with two).
enum DecimalText {
    /// Appends the decimal digits of `value` to `output`.
    static func append(_ value: UInt64, to output: inout [UInt8]) {
        // UInt64.max has 20 digits.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var rest = value
            var first = 20
            repeat {
                first -= 1
                digits[first] = UInt8(ascii: "0") + UInt8(rest % 10)
                rest /= 10
            } while rest > 0
            output.append(contentsOf: UnsafeBufferPointer(rebasing: digits[first...]))
        }
    }
}
