import HTTPServer

extension JournalAPI {
    /// Bodies of requests that are not appends (cursor updates) stay small.
    static let smallBodyBytes = 64 << 10

    /// Checks a request's head before its body is read: size of the target
    /// and headers, route and method, authorization, availability and
    /// content type. Returns the body limit, or the problem to answer with.
    func admit(_ head: HTTPRequest) -> Result<Int, Problem> {
        let targetBytes = head.path.utf8.count + head.query.reduce(0) { $0 + $1.name.utf8.count + ($1.value?.utf8.count ?? 0) + 2 }
        if targetBytes > limits.maximumTargetBytes {
            return .failure(Problem(.uriTooLong, "the request target is longer than \(limits.maximumTargetBytes) bytes"))
        }
        let headerBytes = head.headers.reduce(0) { $0 + $1.name.utf8.count + $1.value.utf8.count + 4 }
        if headerBytes > limits.maximumHeaderBytes {
            return .failure(Problem(.headersTooLarge, "the request headers are larger than \(limits.maximumHeaderBytes) bytes"))
        }
        let hosts = head.headerValues("host")
        if hosts.count > 1 {
            return .failure(Problem(.missingHost, "a request may carry only one Host header (RFC 9112, section 3.2)"))
        }
        if head.version == "HTTP/1.1", hosts.isEmpty {
            return .failure(Problem(.missingHost, "an HTTP/1.1 request must carry a Host header (RFC 9112, section 3.2)"))
        }
        // Whatever the method: a GET's body is ignored here, but a proxy in front
        // that frames it otherwise would read the rest as another request.
        if let framing = Self.ambiguousFraming(head) { return .failure(Problem(.invalidBody, framing)) }
        let operation: Operation
        switch Router.resolve(method: head.method, path: head.path) {
        case .success(let resolved): operation = resolved
        case .failure(let problem): return .failure(problem)
        }
        if let refusal = authorize(operation, head) { return .failure(refusal) }
        if operation.needsJournal {
            let phase = currentPhase
            if case .serving = phase {} else { return .failure(Self.unavailable(in: phase)) }
        }
        switch operation {
        case .appendRecords:
            guard MediaType(of: head) != nil else {
                return .failure(Problem(
                    .unsupportedMediaType,
                    "appends take application/json, application/x-ndjson or application/octet-stream, not \(head.header("content-type") ?? "no Content-Type")"))
            }
            return .success(limits.maximumBodyBytes)
        case .setCursor:
            guard case .json = MediaType(of: head) else {
                return .failure(Problem(.unsupportedMediaType, "a cursor update is application/json: {\"offset\": n}"))
            }
            return .success(Self.smallBodyBytes)
        default:
            return .success(Self.smallBodyBytes)
        }
    }

    /// Why a body's length is ambiguous (request smuggling's raw material), or nil.
    private static func ambiguousFraming(_ head: HTTPRequest) -> String? {
        // libmicrohttpd keeps "Transfer-Encoding :" as a field of its own name
        // and frames the body without it; a proxy may not (RFC 9112, 5.1: 400).
        if let name = head.headers.first(where: { !isToken($0.name) })?.name {
            return "header field name \"\(name.prefix(64))\" is not a token (no whitespace before the colon, RFC 9112 section 5.1)"
        }
        let lengths = head.headerValues("content-length")
        if lengths.count > 1, Set(lengths).count > 1 { return "the request carries conflicting Content-Length headers" }
        let codings = head.headerValues("transfer-encoding")
        if !lengths.isEmpty, !codings.isEmpty {
            return "a request may not carry both Content-Length and Transfer-Encoding"
        }
        // Any other coding leaves the body's end unknown: libmicrohttpd would read until the connection closes.
        if !codings.isEmpty, codings.count > 1 || !ASCIIText.equalIgnoringCase(ASCIIText.trimmed(codings[0][...]), "chunked") {
            return "the only transfer coding accepted is a single chunked"
        }
        return nil
    }

    /// Whether `name` is an RFC 9110 token (section 5.6.2), as a field name must be.
    private static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                "!#$%&'*+-.^_`|~".utf8.contains(byte)
            }
        }
    }

    /// The problem when the request's bearer token does not allow `operation`, else nil.
    private func authorize(_ operation: Operation, _ head: HTTPRequest) -> Problem? {
        guard let tokens else { return nil }
        // The handler's own reading: a `force` it would refuse (400) forces nothing here.
        let force = (try? QueryParameters(request: head).flag("force").get()) ?? false
        guard let needed = operation.requiredScope(force: force, metricsNeedRead: metricsNeedRead) else { return nil }
        guard let authorization = head.header("authorization"), let scopes = tokens.scopes(authorization: authorization) else {
            return Problem(
                .unauthorized, "this request needs a bearer token with the \(needed.rawValue) scope",
                headers: [("WWW-Authenticate", #"Bearer realm="stele""#)])
        }
        guard AccessTokens.allows(scopes, needed) else {
            return Problem(.forbidden, "this token lacks the \(needed.rawValue) scope this request needs")
        }
        return nil
    }
}
