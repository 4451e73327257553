import Checksums
import Journal
import JSON
import SteleService

/// Feeds arbitrary bytes to the JSON request decoder — the validation every
/// JSON or NDJSON append goes through, the parse of a cursor's body — and
/// holds what it accepts to properties it must keep:
///
/// - `validate` and `parse` agree, and a refusal says where, inside the input;
/// - what is accepted is UTF-8 without NUL, no deeper than the limit, and
///   reads back the same after jansson writes it out again;
/// - spliced into a read response as it is (the way reads serve stored JSON
///   records, on one line or not), it leaves that response valid JSON holding
///   the same value;
/// - an NDJSON batch is accepted only when each of its lines is, and refused
///   at its first bad line, which is the line it names;
/// - a string quoted by the service's own escaper reads back as itself.
///
/// The first byte chooses the mode: bits 0–1 the depth limit, bit 2 NDJSON,
/// bit 3 one-line rendering.
enum JSONFuzzing {
    static let depthLimits = [JSONValidation.defaultMaximumDepth, 0, 3, 500]

    static func run(_ input: UnsafeRawBufferPointer) {
        guard let mode = input.first else { return }
        let bytes = Array(input.dropFirst())
        let depth = depthLimits[Int(mode & 3)]
        if mode & 4 != 0 {
            checkBatch(bytes, depth: depth)
        } else {
            checkValue(bytes, depth: depth, singleLine: mode & 8 != 0)
        }
        checkQuoting(bytes)
    }

    /// One JSON value, as `POST /v1/records` with `application/json` takes it.
    static func checkValue(_ bytes: [UInt8], depth: Int, singleLine: Bool) {
        let failure = JSONValidation.validate(bytes, maximumDepth: depth)
        let parsed = Result { () throws(JSONValidation.Failure) in try JSONValue.parse(bytes, maximumDepth: depth) }
        switch parsed {
        case .failure(let refusal):
            require(failure == refusal, "parse and validate disagree: \(String(describing: failure)) / \(refusal)")
            require(refusal.line >= 1 && refusal.column >= 0, "a refusal at line \(refusal.line), column \(refusal.column)")
            require(refusal.position >= 0 && refusal.position <= bytes.count + 1,
                    "a refusal at position \(refusal.position) of \(bytes.count) bytes")
        case .success(let value):
            require(failure == nil, "parse accepted what validate refused: \(String(describing: failure))")
            require(!bytes.contains(0), "accepted a NUL byte")
            require(String(validating: bytes, as: UTF8.self) != nil, "accepted bytes that are not UTF-8")
            require(nesting(of: value) <= depth, "accepted \(nesting(of: value)) levels under a limit of \(depth)")
            let written = value.serialized()
            let reread = Result { () throws(JSONValidation.Failure) in try JSONValue.parse(written, maximumDepth: depth) }
            require((try? reread.get()) == value, "jansson's own output does not read back as the same value")
            checkSplicing(bytes, value: value, depth: depth, singleLine: singleLine)
        }
    }

    /// A read response around the record's bytes, spliced in as they are.
    static func checkSplicing(_ bytes: [UInt8], value: JSONValue, depth: Int, singleLine: Bool) {
        let record = StoredRecord(offset: 40, isJSON: true, digest: BLAKE3Hasher.hash(bytes), payload: bytes[...])
        var response = Array(#"{"records":["#.utf8)
        RecordRendering.append(record, to: &response, singleLine: singleLine)
        response.append(contentsOf: #"],"next":1}"#.utf8)
        if singleLine { require(!response.contains(0x0A) && !response.contains(0x0D), "a line break in a one-line record") }
        let document = Result { () throws(JSONValidation.Failure) in try JSONValue.parse(response, maximumDepth: depth + 3) }
        guard case .success(let read) = document else {
            fail("a read response around an accepted record is not valid JSON: \(document)")
        }
        let payload = read["records"]?.arrayValue?.first?["payload"]
        require(payload == value, "the read response holds another value than the record")
    }

    /// An NDJSON batch, as `POST /v1/records` with `application/x-ndjson` takes it.
    static func checkBatch(_ bytes: [UInt8], depth: Int) {
        let lines = NDJSONLines.ranges(in: bytes)
        var previousEnd = -1
        for range in lines {
            require(!range.isEmpty && range.lowerBound > previousEnd && range.upperBound <= bytes.count, "line \(range)")
            require(!bytes[range].contains(0x0A), "a line break inside line \(range)")
            previousEnd = range.upperBound
        }
        let refusals = lines.map { JSONValidation.validate(Array(bytes[$0]), maximumDepth: depth) }
        let firstBad = refusals.firstIndex { $0 != nil }
        let validated = Result { () throws(NDJSONLines.Failure) in try NDJSONLines.validatedRanges(in: bytes, maximumDepth: depth) }
        switch validated {
        case .success(let ranges):
            require(firstBad == nil, "a batch accepted with a bad line \(firstBad ?? -1)")
            require(ranges == lines, "accepted lines differ from the batch's lines")
            require(NDJSONLines.validate(bytes, maximumDepth: depth) == nil, "validate refused an accepted batch")
        case .failure(let refusal):
            require(refusal.index == firstBad, "refused at line index \(refusal.index), first bad is \(String(describing: firstBad))")
            require(refusal.failure == refusals[refusal.index], "the refusal is not the line's own")
            require(refusal.line >= refusal.index + 1, "line \(refusal.line) for index \(refusal.index)")
            require(NDJSONLines.validate(bytes, maximumDepth: depth) == refusal, "validate and validatedRanges disagree")
        }
        // The service's path: split with limits, then parse the lines.
        let longest = lines.map(\.count).max() ?? 0
        switch NDJSONLines.split(bytes, maximumLines: lines.count, maximumLineBytes: max(longest, 1)) {
        case .success(let split):
            require(split.map(\.range) == lines, "split's lines differ from the batch's lines")
            require(NDJSONLines.firstInvalid(split, in: bytes, maximumDepth: depth) == NDJSONLines.validate(bytes, maximumDepth: depth),
                    "firstInvalid and validate disagree")
        case .failure(let excess):
            fail("a batch split within its own limits was refused: \(excess)")
        }
        if !lines.isEmpty {
            let fewer = NDJSONLines.split(bytes, maximumLines: lines.count - 1, maximumLineBytes: max(longest, 1))
            require(fewer == .failure(.tooManyLines), "one line more than allowed: \(fewer)")
        }
    }

    /// The escaper that writes strings into responses (problem details, cursor names).
    static func checkQuoting(_ bytes: [UInt8]) {
        guard let text = String(validating: bytes, as: UTF8.self), !bytes.contains(0) else { return }
        let quoted = JSONString.quoted(text)
        let parsed = Result { () throws(JSONValidation.Failure) in try JSONValue.parse(quoted) }
        require((try? parsed.get()) == .string(text), "a quoted string does not read back as itself: \(parsed)")
    }

    /// Levels of arrays and objects: a scalar has 0.
    static func nesting(of value: JSONValue) -> Int {
        switch value {
        case .array(let elements): 1 + (elements.map(nesting).max() ?? 0)
        case .object(let members): 1 + (members.map { nesting(of: $0.value) }.max() ?? 0)
        default: 0
        }
    }

    static func require(_ condition: Bool, _ message: @autoclosure () -> String) {
        if !condition { fail(message()) }
    }

    static func fail(_ message: String) -> Never {
        // fatalError keeps its message in optimized builds, where a precondition's is dropped.
        fatalError("JSON decoder property broken: \(message)")
    }
}
