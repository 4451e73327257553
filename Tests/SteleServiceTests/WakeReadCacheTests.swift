import HTTPServer
import Testing

@testable import SteleService

/// Long-polls woken by one append share one rendered answer, sent as one
/// libmicrohttpd response object; anything else gets its own.
@Suite struct WakeReadCacheTests {
    static let key = WakeReadCache.Key(from: 100, limit: 100, maxBytes: 1 << 20, start: 0, end: 200, followsStart: false)

    @Test func readersWithTheSameQuestion_shareOneResponseObject() {
        let cache = WakeReadCache()
        var renders = 0
        let render = { () -> (response: HTTPResponse, end: UInt64?) in
            renders += 1
            return (HTTPResponse(status: 200, headers: [("Content-Type", "application/json")], body: Array("{}".utf8)), 200)
        }
        let first = cache.response(for: Self.key, render: render)
        let second = cache.response(for: Self.key, render: render)
        #expect(renders == 1)
        #expect(first.shared != nil)
        #expect(second.shared === first.shared)
        #expect(second.body == first.body && second.status == 200)
    }

    @Test func aNewEnd_rendersAndSharesAFreshAnswer() {
        let cache = WakeReadCache()
        let first = cache.response(for: Self.key) { (HTTPResponse(status: 200, body: [1]), 200) }
        let later = WakeReadCache.Key(from: 100, limit: 100, maxBytes: 1 << 20, start: 0, end: 300, followsStart: false)
        let second = cache.response(for: later) { (HTTPResponse(status: 200, body: [2]), 300) }
        #expect(second.body == [2])
        #expect(second.shared != nil && second.shared !== first.shared)
    }

    /// A render that saw another end than the key's answers only its own
    /// reader: it is neither kept nor marked to be shared.
    @Test func anAnswerForAnotherEnd_isNeitherKeptNorShared() {
        let cache = WakeReadCache()
        let moved = cache.response(for: Self.key) { (HTTPResponse(status: 200, body: [1]), 250) }
        #expect(moved.shared == nil)
        let next = cache.response(for: Self.key) { (HTTPResponse(status: 200, body: [2]), 200) }
        #expect(next.body == [2])
    }

    @Test func changingASharedCopy_dropsTheMarkFromThatCopyOnly() {
        let original = HTTPResponse(status: 200, headers: [], body: [1]).sharedOnce()
        var changedBody = original
        changedBody.body.append(2)
        var changedStatus = original
        changedStatus.status = 201
        var changedHeaders = original
        changedHeaders.headers.append(("ETag", "\"x\""))
        #expect(original.shared != nil)
        #expect(changedBody.shared == nil && changedStatus.shared == nil && changedHeaders.shared == nil)
    }
}
