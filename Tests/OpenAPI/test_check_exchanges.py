"""The response checker against the real openapi.yaml: hand-written exchanges
of each shape pass, and each kind of mistake is caught."""

from __future__ import annotations

import base64
import io
import json
import os
import sys
import tempfile
import unittest
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_exchanges  # noqa: E402
from check_exchanges import LIBRARY, UNKNOWN_PATH, WRONG_METHOD, Exchange, check  # noqa: E402
from openapi_model import Spec  # noqa: E402

SPEC = Spec.load()
HASH = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"
OTHER_HASH = "0" * 64
JSON = "application/json"
PROBLEM = "application/problem+json"


def exchange(method: str, target: str, status: int, body: object = None, raw: bytes | None = None,
             content_type: str | None = None, **headers: str) -> Exchange:
    """An exchange as the integration tests record it; a `body` object is
    serialized as JSON with the JSON content type unless one is given."""
    data = raw if raw is not None else (b"" if body is None else json.dumps(body).encode())
    names = {name.replace("_", "-").lower(): value for name, value in headers.items()}
    if content_type is None and body is not None:
        content_type = PROBLEM if isinstance(body, dict) and "code" in body and status >= 400 else JSON
    if content_type is not None:
        names["content-type"] = content_type
    return Exchange.from_json({
        "method": method, "path": target, "status": status, "headers": names,
        "body_base64": base64.b64encode(data).decode(),
    })


def problem(code: str, status: int, path: str, **extra: object) -> dict:
    return {"type": f"https://stele.dev/problems/{code}", "title": code.replace("-", " "), "status": status,
            "detail": "what went wrong", "code": code, "instance": path, **extra}


class GoodExchangesPass(unittest.TestCase):
    """Each main shape of the contract, written by hand, conforms."""

    def assertConforms(self, ex: Exchange, key: str) -> None:
        verdict = check(SPEC, ex)
        self.assertEqual(verdict.errors, [], ex.describe())
        self.assertEqual(verdict.key, key)

    def test_append_single_json_record(self):
        self.assertConforms(exchange("POST", "/v1/records", 201, {"offset": 0, "next": 52, "blake3": HASH},
                                     location="/v1/records/0"), "appendRecords")

    def test_append_batch(self):
        body = {"records": [{"offset": 52, "blake3": HASH}, {"offset": 100, "blake3": OTHER_HASH}], "next": 150}
        self.assertConforms(exchange("POST", "/v1/records", 201, body, location="/v1/records/52"), "appendRecords")

    def test_read_records_json_and_binary(self):
        body = {"records": [{"offset": 0, "blake3": HASH, "payload": {"a": [1, None]}},
                            {"offset": 52, "blake3": OTHER_HASH, "payload_base64": "AAEC"},
                            {"offset": 100, "blake3": HASH, "payload": None}],
                "next": 150, "start": 0, "end": 150}
        self.assertConforms(exchange("GET", "/v1/records?from=0&limit=3&wait_ms=0", 200, body), "readRecords")

    def test_read_at_the_end_returns_no_records(self):
        body = {"records": [], "next": 150, "start": 0, "end": 150}
        self.assertConforms(exchange("GET", "/v1/records?from=150&wait_ms=10", 200, body), "readRecords")

    def test_read_one_record_as_json_and_raw(self):
        etag = f'"{HASH}"'
        body = {"offset": 40, "blake3": HASH, "payload": "text"}
        self.assertConforms(exchange("GET", "/v1/records/40?x=1", 200, body, etag=etag), "readRecord")
        self.assertConforms(exchange("GET", "/v1/records/40", 200, raw=b"\x00\x01",
                                     content_type="application/octet-stream", etag=etag), "readRecord")
        self.assertConforms(exchange("GET", "/v1/records/40", 304, etag=etag), "readRecord")

    def test_head_is_served_like_get_without_a_body(self):
        self.assertConforms(exchange("HEAD", "/v1/records/40", 200, content_type=JSON, etag=f'"{HASH}"'),
                            "readRecord")

    def test_cursors(self):
        self.assertConforms(exchange("GET", "/v1/cursors", 200,
                                     {"cursors": [{"name": "a", "offset": 0}, {"name": "b.c", "offset": 52}]}),
                            "listCursors")
        self.assertConforms(exchange("GET", "/v1/cursors/b.c", 200, {"name": "b.c", "offset": 52}), "getCursor")
        self.assertConforms(exchange("PUT", "/v1/cursors/b.c?force=true", 200, {"name": "b.c", "offset": 0}),
                            "putCursor")
        self.assertConforms(exchange("DELETE", "/v1/cursors/b.c", 204), "deleteCursor")

    def test_segments_and_cleanup(self):
        segments = {"segments": [
            {"base": 0, "end": 4096, "records": 10, "bytes": 4128, "name": "0000000000000000.wal", "sealed": True},
            {"base": 4096, "end": 5000, "records": 2, "bytes": 1048576, "name": "0000000000001000.wal",
             "sealed": False}], "start": 0, "end": 5000}
        self.assertConforms(exchange("GET", "/v1/segments", 200, segments), "listSegments")
        report = {"deleted": [{"base": 0, "end": 4096, "bytes": 4128}], "start": 4096, "held_by": "reader",
                  "dry_run": False}
        self.assertConforms(exchange("POST", "/v1/segments/cleanup", 200, report), "cleanupSegments")
        nothing = {"deleted": [], "start": 0, "held_by": None, "dry_run": True}
        self.assertConforms(exchange("POST", "/v1/segments/cleanup?dry_run=true", 200, nothing), "cleanupSegments")

    def test_journal_health_readiness_metrics(self):
        journal = {"start": 0, "end": 5000, "durability": "group", "state": "writable", "segments": 2,
                   "cursors": 1, "recovery": {"segments": 2, "records": 12, "bytes": 5000, "cursors": 1,
                                              "seconds": 0.004, "actions": []}}
        self.assertConforms(exchange("GET", "/v1/journal", 200, journal), "getJournal")
        self.assertConforms(exchange("GET", "/healthz", 200, {"status": "ok"}), "getHealth")
        self.assertConforms(exchange("GET", "/readyz", 200, {"status": "ready"}), "getReadiness")
        self.assertConforms(exchange("GET", "/readyz", 503, problem("not-ready", 503, "/readyz")), "getReadiness")
        self.assertConforms(exchange("GET", "/metrics", 200, raw=b"stele_up 1\n",
                                     content_type="text/plain; version=0.0.4; charset=utf-8"), "getMetrics")

    def test_problems_of_each_kind(self):
        self.assertConforms(exchange("POST", "/v1/records", 400,
                                     problem("malformed-json", 400, "/v1/records", line=3)), "appendRecords")
        self.assertConforms(exchange("GET", "/v1/records", 401, problem("unauthorized", 401, "/v1/records"),
                                     www_authenticate='Bearer realm="stele"'), "readRecords")
        self.assertConforms(exchange("POST", "/v1/records", 503, problem("overloaded", 503, "/v1/records",
                                                                         retry_after_seconds=1),
                                     retry_after="1"), "appendRecords")
        self.assertConforms(exchange("POST", "/v1/records", 503, problem("journal-failed", 503, "/v1/records")),
                            "appendRecords")
        self.assertConforms(exchange("POST", "/v1/records", 507, problem("no-space", 507, "/v1/records"),
                                     retry_after="5"), "appendRecords")
        self.assertConforms(exchange("GET", "/v1/records/7", 416,
                                     problem("offset-beyond-end", 416, "/v1/records/7", end=5)), "readRecord")
        self.assertConforms(exchange("GET", "/v1/records/abc", 400,
                                     problem("invalid-offset", 400, "/v1/records/abc")), "readRecord")

    def test_wrong_method_and_unknown_path(self):
        self.assertConforms(exchange("PATCH", "/v1/cursors/a", 405,
                                     problem("method-not-allowed", 405, "/v1/cursors/a"),
                                     allow="GET, HEAD, PUT, DELETE"), WRONG_METHOD)
        self.assertConforms(exchange("GET", "/v2/nothing", 404, problem("not-found", 404, "/v2/nothing")),
                            UNKNOWN_PATH)

    def test_percent_encoded_or_empty_segments_may_be_read_either_way(self):
        self.assertConforms(exchange("GET", "/v1/cursors/a%2Fb", 404, problem("not-found", 404, "/v1/cursors/a/b")),
                            UNKNOWN_PATH)
        self.assertConforms(exchange("GET", "/v1/cursors/", 404, problem("not-found", 404, "/v1/cursors/")),
                            UNKNOWN_PATH)
        self.assertConforms(exchange("GET", "/v1/cursors/", 400,
                                     problem("invalid-cursor-name", 400, "/v1/cursors/")), "getCursor")
        self.assertConforms(exchange("PUT", "/v1/cursors/a/b", 400,
                                     problem("invalid-cursor-name", 400, "/v1/cursors/a/b")), "putCursor")
        self.assertConforms(exchange("GET", "/v1/records/5/x", 404, problem("not-found", 404, "/v1/records/5/x")),
                            UNKNOWN_PATH)
        self.assertConforms(exchange("GET", "/v1/segments/cleanup", 405,
                                     problem("method-not-allowed", 405, "/v1/segments/cleanup"), allow="POST"),
                            WRONG_METHOD)

    def test_library_html_responses_are_counted_not_checked(self):
        page = b"<html><head><title>Request too big</title></head><body>too big</body></html>"
        verdict = check(SPEC, exchange("GET", "/v1/records?" + "x" * 9000, 414, raw=page, content_type="text/html"))
        self.assertEqual((verdict.key, verdict.errors), (LIBRARY, []))


class MistakesAreCaught(unittest.TestCase):
    """Each exchange carries one mistake the checker must name."""

    def assertFails(self, ex: Exchange, fragment: str) -> None:
        errors = check(SPEC, ex).errors
        self.assertTrue(any(fragment in error for error in errors), f"{fragment!r} not in {errors}")

    def test_201_without_location(self):
        self.assertFails(exchange("POST", "/v1/records", 201, {"offset": 0, "next": 52, "blake3": HASH}),
                         "required header Location is missing")

    def test_location_naming_another_record(self):
        self.assertFails(exchange("POST", "/v1/records", 201, {"offset": 0, "next": 52, "blake3": HASH},
                                  location="/v1/records/52"), "does not name the (first) appended record")

    def test_record_with_both_payload_and_payload_base64(self):
        record = {"offset": 0, "blake3": HASH, "payload": 1, "payload_base64": "AQ=="}
        body = {"records": [record], "next": 52, "start": 0, "end": 52}
        self.assertFails(exchange("GET", "/v1/records", 200, body), "schema: at /records/0")
        self.assertFails(exchange("GET", "/v1/records/0", 200, record, etag=f'"{HASH}"'), "schema: at /")

    def test_undocumented_status(self):
        self.assertFails(exchange("GET", "/v1/cursors/a", 418, problem("not-found", 418, "/v1/cursors/a")),
                         "status 418 is not documented for getCursor")
        self.assertFails(exchange("POST", "/v1/segments/cleanup", 201, {}), "status 201 is not documented")

    def test_problem_with_an_unknown_code(self):
        self.assertFails(exchange("POST", "/v1/records", 400, problem("bad-thing", 400, "/v1/records")),
                         "schema: at /code")

    def test_problem_code_of_another_status(self):
        self.assertFails(exchange("GET", "/v1/records/9", 404, problem("cursor-not-found", 404, "/v1/records/9")),
                         "schema: at /code")

    def test_wrong_content_type(self):
        self.assertFails(exchange("GET", "/v1/cursors", 200, {"cursors": []}, content_type="text/plain"),
                         "Content-Type 'text/plain' is not documented")
        self.assertFails(exchange("GET", "/v1/cursors/x", 404, problem("cursor-not-found", 404, "/v1/cursors/x"),
                                  content_type=JSON), "Content-Type 'application/json' is not documented")

    def test_missing_content_type(self):
        self.assertFails(exchange("GET", "/v1/cursors", 200, raw=b'{"cursors": []}'), "no Content-Type header")

    def test_overloaded_without_retry_after(self):
        self.assertFails(exchange("POST", "/v1/records", 503, problem("overloaded", 503, "/v1/records")),
                         "header Retry-After is missing; it is required with code overloaded")

    def test_405_allow_must_list_the_paths_methods(self):
        self.assertFails(exchange("DELETE", "/v1/records", 405, problem("method-not-allowed", 405, "/v1/records")),
                         "required header Allow is missing")
        self.assertFails(exchange("DELETE", "/v1/records", 405, problem("method-not-allowed", 405, "/v1/records"),
                                  allow="GET, POST"), "should list GET, HEAD, POST")

    def test_weak_readings_still_refuse_success(self):
        self.assertFails(exchange("GET", "/v1/cursors/a/b", 200, {"name": "a/b", "offset": 0}),
                         "path parameter name='a/b' breaks")

    def test_unknown_path_needs_a_not_found_problem(self):
        self.assertFails(exchange("GET", "/nope", 200, {"status": "ok"}), "status 200 is not documented")
        self.assertFails(exchange("GET", "/nope", 404, raw=b"not here", content_type="text/plain"),
                         "is not documented for status 404")

    def test_problem_disagreeing_with_its_response(self):
        body = problem("cursor-not-found", 404, "/v1/cursors/x")
        body["status"] = 400
        self.assertFails(exchange("GET", "/v1/cursors/x", 404, body), "differs from the HTTP status 404")
        body = problem("cursor-not-found", 404, "/v1/cursors/y")
        self.assertFails(exchange("GET", "/v1/cursors/x", 404, body), "is not the request path")
        body = problem("cursor-not-found", 404, "/v1/cursors/x", type="https://stele.dev/problems/other")
        self.assertFails(exchange("GET", "/v1/cursors/x", 404, body), "problem type")

    def test_success_for_a_request_the_server_should_have_refused(self):
        body = {"records": [], "next": 0, "start": 0, "end": 0}
        self.assertFails(exchange("GET", "/v1/records?limit=0", 200, body), "query parameter limit='0' breaks")
        self.assertFails(exchange("GET", "/v1/records?from=-1", 200, body), "is not a valid integer")
        self.assertFails(exchange("PUT", "/v1/cursors/..", 200, {"name": "..", "offset": 0}),
                         "path parameter name='..' breaks")
        self.assertFails(exchange("GET", "/v1/records?limit=5&limit=5", 200, body), "limit is given 2 times")
        self.assertFails(exchange("PUT", "/v1/cursors/c?force=true&force=true", 200, {"name": "c", "offset": 0}),
                         "force is given 2 times")
        # An unknown parameter repeated is no parameter of the operation's.
        self.assertEqual(check(SPEC, exchange("GET", "/v1/records?x=1&x=2", 200, body)).errors, [])

    def test_inconsistent_successful_bodies(self):
        body = {"records": [{"offset": 52, "blake3": HASH, "payload": 1}, {"offset": 0, "blake3": HASH,
                                                                          "payload": 2}],
                "next": 60, "start": 0, "end": 60}
        self.assertFails(exchange("GET", "/v1/records?from=52", 200, body), "not strictly ascending")
        self.assertFails(exchange("GET", "/v1/records/0", 200, {"offset": 0, "blake3": HASH, "payload": 1},
                                  etag=f'"{OTHER_HASH}"'), "is not the record's blake3")
        self.assertFails(exchange("GET", "/v1/cursors/a", 200, {"name": "b", "offset": 0}), "is not the requested")

    def test_body_that_is_not_strict_json(self):
        self.assertFails(exchange("GET", "/healthz", 200, raw=b'{"status": "ok", "status": "ok"}', content_type=JSON),
                         "duplicate key")
        self.assertFails(exchange("GET", "/v1/cursors", 200, raw=b"\xff", content_type=JSON), "not valid JSON")

    def test_extra_member_on_the_services_own_objects(self):
        self.assertFails(exchange("GET", "/v1/cursors/a", 200, {"name": "a", "offset": 0, "extra": 1}),
                         "Additional properties are not allowed")

    def test_html_on_a_status_libmicrohttpd_never_produces(self):
        self.assertFails(exchange("GET", "/v1/cursors/a", 404, raw=b"<html></html>", content_type="text/html"),
                         "is not documented for status 404")


class CommandLine(unittest.TestCase):
    """The script's summary, coverage listing and exit status."""

    def run_main(self, lines: list[str], *flags: str) -> tuple[int, str]:
        with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False) as handle:
            handle.write("\n".join(lines) + "\n")
        self.addCleanup(os.unlink, handle.name)
        out = io.StringIO()
        with redirect_stdout(out), redirect_stderr(out):
            status = check_exchanges.main([*flags, handle.name])
        return status, out.getvalue()

    @staticmethod
    def line(method: str, path: str, status: int, body: object, **headers: str) -> str:
        data = json.dumps(body).encode()
        return json.dumps({"method": method, "path": path, "status": status,
                           "headers": {"content-type": JSON, **headers},
                           "body_base64": base64.b64encode(data).decode()})

    def test_conforming_file_exits_zero_and_lists_unseen_pairs(self):
        status, out = self.run_main([self.line("GET", "/healthz", 200, {"status": "ok"})], "--coverage")
        self.assertEqual(status, 0, out)
        self.assertIn("getHealth", out)
        self.assertIn("never seen:", out)
        self.assertIn("appendRecords", out)

    def test_any_failure_exits_one_and_names_the_line(self):
        status, out = self.run_main([self.line("GET", "/healthz", 200, {"status": "ok"}),
                                     self.line("POST", "/v1/records", 201, {"offset": 0, "next": 1, "blake3": HASH})])
        self.assertEqual(status, 1)
        self.assertIn(".jsonl:2: POST /v1/records -> 201", out)
        self.assertIn("required header Location is missing", out)

    def test_a_title_must_stay_the_same_for_a_code(self):
        first = problem("cursor-not-found", 404, "/v1/cursors/a")
        second = dict(problem("cursor-not-found", 404, "/v1/cursors/b"), title="Something else")
        status, out = self.run_main([self.line("GET", "/v1/cursors/a", 404, first, **{"content-type": PROBLEM}),
                                     self.line("GET", "/v1/cursors/b", 404, second, **{"content-type": PROBLEM})])
        self.assertEqual(status, 1)
        self.assertIn("differs from the 'cursor not found' seen before", out)

    def test_unreadable_or_empty_input_fails(self):
        status, out = self.run_main(["{not json"])
        self.assertEqual(status, 1)
        self.assertIn("not an exchange", out)
        status, out = self.run_main([""])
        self.assertEqual(status, 1)
        self.assertIn("no exchanges were read", out)


if __name__ == "__main__":
    unittest.main()
