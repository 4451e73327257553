/// What the service does with requests. Every method runs on one of the
/// server's polling threads and must not block: a handler that has to wait
/// (for an fsync, for records) answers through its ``HTTPExchange`` later,
/// from any thread, while the connection is suspended.
package protocol HTTPHandler: Sendable {
    /// Called as soon as the request line and headers are in, before any of
    /// the body is read: refuse the request now (wrong method or path, no
    /// authorization, unsupported content type, declared body too large), or
    /// accept it with the largest body it may carry.
    func accept(_ head: HTTPRequest) -> HTTPAdmission

    /// The response for a body that grew past `limit` while it was read
    /// (chunked bodies declare no length up front).
    func bodyTooLarge(_ head: HTTPRequest, limit: Int) -> HTTPResponse

    /// Handles a request whose whole body has arrived. Answer through
    /// `exchange`, now or later.
    func handle(_ request: HTTPRequest, exchange: HTTPExchange)

    /// Called once a response has been queued for a request, with the time
    /// since its head arrived: for metrics and request logs.
    func responded(method: String, path: String, status: Int, duration: Duration)
}

/// The answer to a request's head: read its body (up to a limit) or refuse it.
package enum HTTPAdmission: Sendable {
    case accept(maximumBodyBytes: Int)
    case refuse(HTTPResponse)
}
