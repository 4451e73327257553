import Testing

/// `/v1/cursors` and `/v1/cursors/{name}`: create, advance, read, list and
/// delete, 409 on going backwards unless forced, and the documented refusals.
@Suite struct CursorEndpointTests {
    @Test func putCursor_createsIt_andGetReturnsIt() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(3)
            let created = try await client.putCursor("billing-v1", offset: appended[1].offset)
            #expect(created.status == 200)
            let object = try created.json()
            #expect(object["name"] as? String == "billing-v1")
            #expect(object["offset"] as? UInt64 == appended[1].offset)
            let read = try await client.jsonObject("/v1/cursors/billing-v1")
            #expect(read["name"] as? String == "billing-v1")
            #expect(read["offset"] as? UInt64 == appended[1].offset)
            #expect(try await client.jsonObject("/v1/journal")["cursors"] as? Int == 1)
        }
    }

    @Test func putCursor_forward_movesIt_andAtTheEndIsAllowed() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(3)
            #expect(try await client.putCursor("c", offset: 0).status == 200)
            #expect(try await client.putCursor("c", offset: appended[2].offset).status == 200)
            #expect(try await client.putCursor("c", offset: appended[2].next).status == 200)
            #expect(try await client.putCursor("c", offset: appended[2].next).status == 200, "the same offset again")
            #expect(try await client.jsonObject("/v1/cursors/c")["offset"] as? UInt64 == appended[2].next)
        }
    }

    @Test func putCursor_backwards_is409_unlessForced() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(3)
            #expect(try await client.putCursor("c", offset: appended[2].offset).status == 200)
            let backwards = try await client.putCursor("c", offset: appended[0].offset)
            #expect(backwards.status == 409)
            #expect(backwards.problemCode == "cursor-backwards")
            #expect(try await client.jsonObject("/v1/cursors/c")["offset"] as? UInt64 == appended[2].offset)
            let forced = try await client.putCursor("c", offset: appended[0].offset, query: "?force=true")
            #expect(forced.status == 200)
            #expect(try await client.jsonObject("/v1/cursors/c")["offset"] as? UInt64 == appended[0].offset)
        }
    }

    @Test func listCursors_returnsEveryCursorSortedByName() async throws {
        try await withServer { server in
            let client = server.client()
            let appended = try await client.appendRecords(2)
            #expect((try await client.jsonObject("/v1/cursors")["cursors"] as? [Any])?.isEmpty == true)
            for (name, offset) in [("zeta", appended[1].offset), ("alpha", 0), ("Mid.dle_1", appended[1].next)] {
                #expect(try await client.putCursor(name, offset: offset).status == 200)
            }
            let list = try await client.jsonObject("/v1/cursors")
            let cursors = try #require(list["cursors"] as? [[String: Any]])
            #expect(cursors.compactMap { $0["name"] as? String } == ["Mid.dle_1", "alpha", "zeta"])
            #expect(cursors.compactMap { $0["offset"] as? UInt64 } == [appended[1].next, 0, appended[1].offset])
        }
    }

    @Test func deleteCursor_is204_thenTheCursorIsGone() async throws {
        try await withServer { server in
            let client = server.client()
            #expect(try await client.putCursor("gone", offset: 0).status == 200)
            let deleted = try await client.request("DELETE", "/v1/cursors/gone")
            #expect(deleted.status == 204)
            #expect(deleted.body.isEmpty)
            let read = try await client.request("GET", "/v1/cursors/gone")
            #expect(read.status == 404)
            #expect(read.problemCode == "cursor-not-found")
            let again = try await client.request("DELETE", "/v1/cursors/gone")
            #expect(again.status == 404)
            #expect(again.problemCode == "cursor-not-found")
        }
    }

    @Test func putCursor_beyondTheEnd_is400OffsetBeyondEnd() async throws {
        try await withServer { server in
            let client = server.client()
            let last = try await client.appendRecords(2).last!
            let response = try await client.putCursor("c", offset: last.next + 40)
            #expect(response.status == 400)
            #expect(response.problemCode == "offset-beyond-end")
            #expect(try await client.request("GET", "/v1/cursors/c").status == 404)
        }
    }

    @Test func putCursor_insideARecord_is400NotRecordBoundary() async throws {
        try await withServer { server in
            let client = server.client()
            let first = try await client.appendRecords(2)[0]
            let response = try await client.putCursor("c", offset: first.offset + 5)
            #expect(response.status == 400)
            #expect(response.problemCode == "not-record-boundary")
        }
    }

    @Test func putCursor_belowTheStart_is410() async throws {
        try await withServer(["--segment-max-bytes", "4096"]) { server in
            let client = server.client()
            _ = try await client.journalWithCleanedStart()
            let response = try await client.putCursor("late", offset: 0)
            #expect(response.status == 410)
            #expect(response.problemCode == "offset-below-start")
        }
    }

    @Test(arguments: ["maybe", "yes", "TRUE"])
    func putCursor_withAForceThatIsNoBoolean_is400InvalidParameter(force: String) async throws {
        try await withServer { server in
            let client = server.client()
            let response = try await client.putCursor("c", offset: 0, query: "?force=\(force)")
            #expect(response.status == 400)
            #expect(response.problemCode == "invalid-parameter")
            #expect(try await client.request("GET", "/v1/cursors/c").status == 404)
        }
    }

    @Test func getCursor_thatDoesNotExist_is404CursorNotFound() async throws {
        try await withServer { server in
            let response = try await server.client().request("GET", "/v1/cursors/never-set")
            #expect(response.status == 404)
            #expect(response.problemCode == "cursor-not-found")
        }
    }
}
