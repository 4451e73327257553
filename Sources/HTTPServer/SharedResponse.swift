import CMicroHTTPD
import Synchronization

/// One libmicrohttpd response object made once and queued on many
/// connections: what a thousand long-polls woken by the same append are sent.
/// libmicrohttpd counts the connections a response is queued on and keeps it
/// until the last has sent it, so the object is made on first use (its body
/// copied once, its header fields added once) and destroyed when this box
/// goes, whatever connections still hold it.
///
/// A response's header fields must not change once it is queued: the box is
/// made from a finished ``HTTPResponse`` and only ever read.
package final class SharedResponse: Sendable {
    /// The response object, crossing threads inside the lock: libmicrohttpd
    /// locks a response itself while queueing it.
    private struct Made: @unchecked Sendable {
        let pointer: OpaquePointer
    }

    private let made = Mutex<Made?>(nil)

    package init() {}

    /// The response object for `response`, made on the first call; nil when
    /// libmicrohttpd could not make it (out of memory).
    func object(for response: HTTPResponse) -> OpaquePointer? {
        made.withLock { made in
            if let made { return made.pointer }
            guard let object = makeResponseObject(response) else { return nil }
            made = Made(pointer: object)
            return object
        }
    }

    deinit {
        if let object = made.withLock({ $0 }) { MHD_destroy_response(object.pointer) }
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
