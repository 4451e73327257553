import CJansson

extension JSONValue {
    /// jansson's encoding flags: no whitespace, any value at the top level, members
    /// in the order given (jansson 2.14 keeps insertion order anyway), and no
    /// `JSON_ENSURE_ASCII`, so non-ASCII characters stay UTF-8.
    private static let encodingFlags = Int(JSON_COMPACT | JSON_ENCODE_ANY | JSON_PRESERVE_ORDER)

    /// The value as compact JSON text, encoded by jansson.
    ///
    /// Integers are written as integers; reals with jansson's round-trippable
    /// 17 significant digits (`0.1` becomes `0.10000000000000001`) and always with a
    /// fraction or exponent (`100.0`). Infinity and NaN, which JSON cannot express,
    /// are written as `null`. If an object repeats a key, the last value wins, at
    /// the first key's place.
    package func serialized() -> [UInt8] {
        let tree = makeJanssonTree()
        defer { json_decref_shim(tree) }
        let size = json_dumpb(tree, nil, 0, Self.encodingFlags)
        return [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
            let written = buffer.withMemoryRebound(to: CChar.self) { chars in
                json_dumpb(tree, chars.baseAddress, chars.count, Self.encodingFlags)
            }
            precondition(written == size, "jansson could not encode a JSON value (out of memory?)")
            initialized = written
        }
    }

    /// A new jansson tree holding this value; the caller owns the reference.
    private func makeJanssonTree() -> UnsafeMutablePointer<json_t> {
        let tree: UnsafeMutablePointer<json_t>?
        switch self {
        case .null:
            tree = json_null()
        case .bool(let value):
            tree = value ? json_true() : json_false()
        case .integer(let value):
            tree = json_integer(json_int_t(value))
        case .real(let value):
            tree = value.isFinite ? json_real(value) : json_null()
        case .string(var value):
            // Swift strings are valid UTF-8, so jansson's check would only cost time.
            tree = value.withUTF8 { utf8 in
                utf8.withMemoryRebound(to: CChar.self) { chars in
                    json_stringn_nocheck(chars.baseAddress ?? Self.emptyCString, chars.count)
                }
            }
        case .array(let elements):
            tree = json_array()
            if let tree {
                for element in elements {
                    json_array_append_new(tree, element.makeJanssonTree())
                }
            }
        case .object(let members):
            tree = json_object()
            if let tree {
                for member in members {
                    var key = member.key
                    _ = key.withUTF8 { utf8 in
                        utf8.withMemoryRebound(to: CChar.self) { chars in
                            json_object_setn_new_nocheck(
                                tree, chars.baseAddress ?? Self.emptyCString, chars.count,
                                member.value.makeJanssonTree())
                        }
                    }
                }
            }
        }
        guard let tree else { preconditionFailure("jansson could not allocate a JSON value") }
        return tree
    }

    /// A valid address for an empty string, should a string's UTF-8 buffer have none:
    /// jansson copies zero bytes from it, but `memcpy` wants a real pointer.
    private static var emptyCString: UnsafePointer<CChar> {
        UnsafeRawPointer(("" as StaticString).utf8Start).assumingMemoryBound(to: CChar.self)
    }
}
