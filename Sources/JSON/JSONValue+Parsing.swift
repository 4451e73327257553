import CJansson

extension JSONValue {
    /// Parses one JSON value of any type under the rules of
    /// ``JSONValidation/validate(_:maximumDepth:)``.
    package static func parse(
        _ bytes: UnsafeRawBufferPointer, maximumDepth: Int = JSONValidation.defaultMaximumDepth
    ) throws(JSONValidation.Failure) -> JSONValue {
        try JSONValidation.withTree(of: bytes, maximumDepth: maximumDepth) { JSONValue(converting: $0) }.get()
    }

    /// Parses one JSON value of any type under the rules of
    /// ``JSONValidation/validate(_:maximumDepth:)``.
    package static func parse(
        _ bytes: [UInt8], maximumDepth: Int = JSONValidation.defaultMaximumDepth
    ) throws(JSONValidation.Failure) -> JSONValue {
        try bytes.withUnsafeBytes { raw in
            JSONValidation.withTree(of: raw, maximumDepth: maximumDepth) { JSONValue(converting: $0) }
        }.get()
    }

    /// Copies a jansson tree. Recursion is bounded by the depth limit checked
    /// before jansson parsed it (and by jansson's own 2048).
    private init(converting json: UnsafeMutablePointer<json_t>) {
        switch json_typeof_shim(json) {
        case JSON_OBJECT:
            var members: [(key: String, value: JSONValue)] = []
            members.reserveCapacity(json_object_size(json))
            var iterator = json_object_iter(json)
            while let current = iterator {
                let key = String(
                    decoding: UnsafeRawBufferPointer(
                        start: json_object_iter_key(current), count: json_object_iter_key_len(current)),
                    as: UTF8.self)
                members.append((key: key, value: JSONValue(converting: json_object_iter_value(current))))
                iterator = json_object_iter_next(json, current)
            }
            self = .object(members)
        case JSON_ARRAY:
            let count = json_array_size(json)
            var elements: [JSONValue] = []
            elements.reserveCapacity(count)
            for index in 0..<count {
                elements.append(JSONValue(converting: json_array_get(json, index)))
            }
            self = .array(elements)
        case JSON_STRING:
            self = .string(
                String(
                    decoding: UnsafeRawBufferPointer(start: json_string_value(json), count: json_string_length(json)),
                    as: UTF8.self))
        case JSON_INTEGER:
            self = .integer(Int64(json_integer_value(json)))
        case JSON_REAL:
            self = .real(json_real_value(json))
        case JSON_TRUE:
            self = .bool(true)
        case JSON_FALSE:
            self = .bool(false)
        default:
            self = .null
        }
    }
}
