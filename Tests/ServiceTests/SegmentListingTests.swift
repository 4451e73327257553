import Foundation
import Synchronization
import Testing

/// `GET /v1/segments` agrees with itself under appends and rotations: its
/// `start` is the first segment's base and its `end` the last one's end.
@Suite("Segment listing under appends", .serialized)
struct SegmentListingTests {
    @Test func segmentListing_agreesWithItsOwnBounds_underAppends() async throws {
        try await withServer(["--segment-max-bytes", "65536"]) { server in
            let stop = Atomic<Bool>(false)
            let writer = server.client()
            writer.logsExchanges = false
            let appender = Task {
                var index = 0
                while !stop.load(ordering: .relaxed) {
                    _ = try? await writer.appendJSON(#"{"n":\#(index)}"#)
                    index += 1
                }
            }
            let reader = server.client()
            reader.logsExchanges = false
            var contradictions: [String] = []
            for _ in 0..<200 where contradictions.count < 3 {
                let listing = try await reader.jsonObject("/v1/segments")
                let segments = try #require(listing["segments"] as? [[String: Any]])
                let start = listing["start"] as? Int, end = listing["end"] as? Int
                let first = segments.first?["base"] as? Int, last = segments.last?["end"] as? Int
                if start != first || end != last {
                    contradictions.append("start \(start ?? -1) end \(end ?? -1), segments from \(first ?? -1) to \(last ?? -1)")
                }
            }
            stop.store(true, ordering: .relaxed)
            await appender.value
            #expect(contradictions.isEmpty, "\(contradictions)")
        }
    }
}
