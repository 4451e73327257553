/// What the bridge keeps for one request between libmicrohttpd's calls:
/// the head, the body as it arrives, and the exchange once it is handled.
/// Only the polling thread that owns the connection touches it.
final class RequestState {
    var request: HTTPRequest
    var maximumBodyBytes = 0
    /// A response was queued before the body was complete (refused):
    /// whatever else arrives is dropped.
    var answered = false
    /// Bytes of a chunked body read and dropped after it passed its limit
    /// (nil while the body is within it).
    var discarded: Int?
    var exchange: HTTPExchange?
    let started = ContinuousClock.now

    init(request: HTTPRequest) {
        self.request = request
    }
}
