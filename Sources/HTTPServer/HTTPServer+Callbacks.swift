import CMicroHTTPD

// libmicrohttpd's callbacks. Each recovers its context with `Unmanaged`, does
// no waiting, and hands work on: a handler that must wait suspends the
// connection through its exchange.

/// libmicrohttpd calls this for the head of a request (first call), for each
/// piece of its body, once more when the body is complete, and once after
/// every resume of a suspended connection.
let accessHandler: MHD_AccessHandlerCallback = {
    context, connection, url, method, version, uploadData, uploadDataSize, requestContext in
    guard let context, let connection, let url, let method, let uploadDataSize, let requestContext else { return .NO }
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()

    guard let stored = requestContext.pointee else {
        let head = HTTPRequest(
            method: String(cString: method), path: HTTPRequest.path(ofTarget: String(cString: url)),
            query: values(of: connection, kind: .GET_ARGUMENT_KIND).map {
                (name: PercentDecoding.decodedQueryText($0.name), value: $0.value.map(PercentDecoding.decodedQueryText))
            },
            headers: values(of: connection, kind: .HEADER_KIND).map { (name: $0.name, value: $0.value ?? "") },
            version: version.map { String(cString: $0) } ?? "HTTP/1.1")
        let state = RequestState(request: head)
        requestContext.pointee = Unmanaged.passRetained(state).toOpaque()
        server.inFlight.add(1, ordering: .relaxed)
        server.deadlines?.headersArrived(stele_mhd_connection_socket(connection))
        switch server.handler.accept(head) {
        case .refuse(let response):
            state.answered = true
            return server.send(response, for: state, on: connection)
        case .accept(let limit):
            state.maximumBodyBytes = limit
            if let declared = head.contentLength, declared > limit {
                state.answered = true
                return server.send(server.handler.bodyTooLarge(head, limit: limit), for: state, on: connection)
            }
            // At most 1 MiB before any of it has come: a client that only
            // declares 8 MiB bodies holds no more than that per connection.
            if let declared = head.contentLength, declared > 0 { state.request.body.reserveCapacity(min(declared, 1 << 20)) }
            return .YES
        }
    }
    let state = Unmanaged<RequestState>.fromOpaque(stored).takeUnretainedValue()

    let size = uploadDataSize.pointee
    if size > 0 {
        uploadDataSize.pointee = 0
        if state.answered { return .YES }
        // A body that trickles in is closed by a deadline, not only by the idle timeout.
        if let deadline = server.requestDeadline, ContinuousClock.now - state.started > deadline { return .NO }
        // A body without a declared length (chunked) that grows past its
        // limit: libmicrohttpd 0.9.75 accepts a response only before the body
        // or after all of it, so the rest is read and dropped, then answered
        // 413 — unless it goes on for as many bytes again as the limit (or
        // 1 MiB), which closes the connection: a client may not stream without end.
        if let discarded = state.discarded {
            state.discarded = discarded + size
            let tolerated = state.maximumBodyBytes + max(state.maximumBodyBytes, 1 << 20)
            return discarded + size > tolerated ? .NO : .YES
        }
        if state.request.body.count + size > state.maximumBodyBytes {
            state.discarded = state.request.body.count + size
            state.request.body = []
            return .YES
        }
        guard let uploadData else { return .NO }
        uploadData.withMemoryRebound(to: UInt8.self, capacity: size) { bytes in
            state.request.body.append(contentsOf: UnsafeBufferPointer(start: bytes, count: size))
        }
        return .YES
    }
    if state.answered { return .YES }
    if state.discarded != nil {
        state.answered = true
        return server.send(server.handler.bodyTooLarge(state.request, limit: state.maximumBodyBytes), for: state, on: connection)
    }

    if let exchange = state.exchange {
        // Resumed: the answer has arrived.
        guard let outcome = exchange.takeOutcome(), let response = exchange.response(for: outcome) else { return .YES }
        state.answered = true
        return server.send(response, for: state, on: connection)
    }
    let exchange = HTTPExchange(connection: connection, gate: server.resumeGate, departures: server.departures)
    state.exchange = exchange
    server.handler.handle(state.request, exchange: exchange)
    state.request.body = []
    guard let outcome = exchange.outcomeOrSuspend(), let response = exchange.response(for: outcome) else { return .YES }
    state.answered = true
    return server.send(response, for: state, on: connection)
}

/// Called when libmicrohttpd is done with a request (answered, or the
/// connection closed): releases the request's state.
let requestCompleted: MHD_RequestCompletedCallback = { context, connection, requestContext, _ in
    guard let context, let requestContext, let stored = requestContext.pointee else { return }
    requestContext.pointee = nil
    let state = Unmanaged<RequestState>.fromOpaque(stored)
    // Not answered when the client left first: break the exchange's cycle with its answer.
    state.takeUnretainedValue().exchange?.abandon()
    state.release()
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()
    server.inFlight.subtract(1, ordering: .relaxed)
    if let connection { server.deadlines?.requestCompleted(stele_mhd_connection_socket(connection)) }
}

/// Called when a connection opens and when it closes (before its socket is
/// closed): the acceptor's count and the request deadlines follow it.
let connectionNotified: MHD_NotifyConnectionCallback = { context, connection, _, event in
    guard let context, let connection else { return }
    let server = Unmanaged<HTTPServer>.fromOpaque(context).takeUnretainedValue()
    if event == .CONNECTION_NOTIFY_CLOSED { server.acceptor.connectionClosed(connection) }
    guard let deadlines = server.deadlines else { return }
    let socket = stele_mhd_connection_socket(connection)
    switch event {
    case .CONNECTION_NOTIFY_STARTED: deadlines.opened(socket)
    case .CONNECTION_NOTIFY_CLOSED: deadlines.closed(socket)
    default: break
    }
}

extension HTTPServer {
    /// Sends `response` for the request in `state` and tells the handler.
    fileprivate func send(_ response: HTTPResponse, for state: RequestState, on connection: OpaquePointer) -> MHD_Result {
        let result = queue(response, on: connection)
        handler.responded(
            method: state.request.method, path: state.request.path, status: response.status,
            duration: ContinuousClock.now - state.started)
        return result
    }
}

/// Sends `response` on `connection`; libmicrohttpd copies the body (once
/// for all the connections a shared response goes to).
private func queue(_ response: HTTPResponse, on connection: OpaquePointer) -> MHD_Result {
    if let shared = response.shared { return MHD_queue_response(connection, UInt32(response.status), shared.object) }
    guard let made = makeResponseObject(response) else { return .NO }
    let result = MHD_queue_response(connection, UInt32(response.status), made)
    MHD_destroy_response(made)
    return result
}

/// Header fields or query arguments of `connection`, in order.
private func values(of connection: OpaquePointer, kind: MHD_ValueKind) -> [(name: String, value: String?)] {
    let collector = ValueCollector()
    withExtendedLifetime(collector) {
        _ = MHD_get_connection_values(
            connection, kind,
            { context, _, key, value in
                guard let context, let key else { return .YES }
                let collector = Unmanaged<ValueCollector>.fromOpaque(context).takeUnretainedValue()
                collector.values.append((name: String(cString: key), value: value.map { String(cString: $0) }))
                return .YES
            },
            Unmanaged.passUnretained(collector).toOpaque())
    }
    return collector.values
}

/// Gathers what `MHD_get_connection_values` iterates over.
private final class ValueCollector {
    var values: [(name: String, value: String?)] = []
}
