import CMicroHTTPD

/// One libmicrohttpd response object made once and queued on many
/// connections: what a thousand long-polls woken by the same append are sent.
/// The body is copied and the header fields added when the box is made;
/// libmicrohttpd counts the connections the object is queued on and keeps it
/// until the last has sent it, so the box destroys it when it goes, whatever
/// connections still hold it. Never changed after it is made.
package final class SharedResponse: Sendable {
    /// Only read after `init`; libmicrohttpd locks a response itself while queueing it.
    nonisolated(unsafe) let object: OpaquePointer

    /// Nil when libmicrohttpd cannot make the object (out of memory).
    init?(_ response: HTTPResponse) {
        guard let object = makeResponseObject(response) else { return nil }
        self.object = object
    }

    deinit {
        MHD_destroy_response(object)
    }
}

/// A libmicrohttpd response holding a copy of `response`'s body and its
/// header fields; the caller destroys it.
func makeResponseObject(_ response: HTTPResponse) -> OpaquePointer? {
    let made = response.body.withUnsafeBytes { body in
        MHD_create_response_from_buffer(body.count, UnsafeMutableRawPointer(mutating: body.baseAddress), .RESPMEM_MUST_COPY)
    }
    guard let made else { return nil }
    for header in response.headers { _ = MHD_add_response_header(made, header.name, header.value) }
    return made
}
