"""The API fuzzer without a server: its generator covers every operation of
openapi.yaml, is deterministic for a seed, and draws valid values that satisfy
their schemas; its mutations apply; its oracles flag what they should; its
HTTP client reads keep-alive, chunked and malformed responses off a stub
socket server; and an exchange it records reads back in check_exchanges'
format."""

from __future__ import annotations

import argparse
import io
import json
import random
import re
import socket
import sys
import tempfile
import threading
import unittest
from pathlib import Path
from urllib.parse import parse_qs, unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))

import check_exchanges  # noqa: E402
import fuzz_api  # noqa: E402
from fuzz_generator import Generator, plans  # noqa: E402
from fuzz_http import Client, Request, Response  # noqa: E402
from fuzz_mutations import MUTATIONS, mutate  # noqa: E402
from fuzz_oracles import Oracles  # noqa: E402
from fuzz_values import State, pattern_string  # noqa: E402
from openapi_model import Spec, strict_json  # noqa: E402

SPEC = Spec.load()
LIMITS = fuzz_api.LIMITS
HASH = "af1349b9f5f9a1a6a0404dea36dcc9499bcb25c9adc112b7cc9a93cae41f3262"


def stocked_state() -> State:
    """A state as if some records were appended and cursors set."""
    state = State()
    offset = 0
    for index in range(40):
        following = offset + 40 + index
        state.remember(offset, HASH, following)
        offset = following
    state.start, state.end = 0, offset
    state.cursors = {"alpha": 0, "beta": 120, "g-1.x_": offset}
    return state


def generator(seed: int, state: State | None = None) -> Generator:
    return Generator(SPEC, random.Random(seed), state or stocked_state(), LIMITS)


def sequence(seed: int, count: int = 300) -> list[tuple]:
    """Requests as the runner draws them: an operation, a valid draft, a mutation half the time."""
    g = generator(seed)
    g.tokens = {"reader": ("r" * 24, {"read"}), "admin": ("a" * 24, {"admin"})}
    out = []
    for _ in range(count):
        draft = g.valid(g.rng.choice(g.plans))
        g.authorize(draft)
        kind = "valid" if g.rng.random() < 0.5 else mutate(g, draft)
        request = draft.request(kind)
        out.append((kind, request.method, request.target, tuple(request.headers), request.body, request.version,
                    request.host))
    return out


class Generation(unittest.TestCase):
    def test_every_operation_of_the_spec_has_a_plan(self):
        keys = {plan.key for plan in plans(SPEC)}
        self.assertEqual(keys, {operation.key for operation in SPEC.operations()})
        self.assertGreaterEqual(len(keys), 13)

    def test_every_operation_is_generated_and_routes_to_itself(self):
        g = generator(7)
        seen = set()
        for _ in range(400):
            plan = g.rng.choice(g.plans)
            request = g.valid(plan).request("valid")
            operation, route = SPEC.resolve(request.method, request.target.split("?")[0])
            self.assertIsNotNone(operation, request.target)
            self.assertEqual(operation.key, plan.key, request.target)
            seen.add(plan.key)
        self.assertEqual(seen, {plan.key for plan in g.plans})

    def test_deterministic_for_a_seed(self):
        self.assertEqual(sequence(1234), sequence(1234))
        self.assertNotEqual(sequence(1234), sequence(1235))

    def test_valid_parameter_values_satisfy_their_schemas(self):
        for state in (State(), stocked_state()):
            g = generator(11, state)
            for plan in g.plans:
                for param in plan.params:
                    validator = SPEC.validator(param.pointer)
                    for _ in range(150):
                        value = g.value(plan, param)
                        errors = [error.message for error in validator.iter_errors(value)]
                        self.assertEqual(errors, [], f"{plan.key} {param.name}={value!r}")

    def test_valid_requests_carry_parameters_the_checker_accepts(self):
        g = generator(12)
        for _ in range(600):
            plan = g.rng.choice(g.plans)
            request = g.valid(plan).request("valid")
            self.assertTrue(request.target.isascii() and len(request.target) < 2048, request.target)
            query = parse_qs(request.target.partition("?")[2], keep_blank_values=True)
            route = SPEC.route(request.target.split("?")[0])
            for param in plan.params:
                if param.location == "query" and param.name in query:
                    raw = query[param.name][0]
                elif param.location == "path":
                    raw = unquote(route.path_params[param.name])
                else:
                    continue
                value = check_exchanges.coerce(raw, param.schema.get("type"))
                self.assertIsNotNone(value, f"{plan.key}: {param.name}={raw!r}")
                errors = list(SPEC.validator(param.pointer).iter_errors(value))
                self.assertEqual(errors, [], f"{plan.key}: {param.name}={raw!r}")

    def test_valid_bodies_satisfy_their_schemas(self):
        g = generator(13)
        forms = 0
        for plan in g.plans:
            for form in plan.bodies:
                for _ in range(150):
                    body = g.body(plan, form)
                    self.assertTrue(body, f"{plan.key} {form.media}: an empty body")
                    self.assertLessEqual(len(body), LIMITS["record"], f"{plan.key} {form.media}")
                    if form.media.endswith("ndjson"):
                        text = body.decode("utf-8")
                        lines = [line for line in re.split(r"\r?\n", text) if line]
                        self.assertTrue(lines)
                        for line in lines:
                            strict_json(line.encode())
                        instance = text
                    elif "json" in form.media:
                        instance = strict_json(body)
                    else:
                        continue
                    if form.pointer:
                        errors = [error.message for error in SPEC.validator(form.pointer).iter_errors(instance)]
                        self.assertEqual(errors, [], f"{plan.key} {form.media}: {body[:200]!r}")
                forms += 1
        self.assertGreaterEqual(forms, 4)

    def test_cursor_names_match_the_pattern(self):
        pattern = SPEC.lookup("/components/schemas/CursorName")["pattern"]
        rng = random.Random(5)
        lengths = set()
        for _ in range(500):
            name = pattern_string(pattern, rng, None)
            self.assertRegex(name, pattern)
            lengths.add(len(name))
        self.assertIn(128, lengths)  # the longest shows up now and then

    def test_every_mutation_applies_somewhere_and_changes_the_request(self):
        for name, _, function in MUTATIONS:
            g = generator(21)
            g.tokens = {"writer": ("w" * 24, {"write"})}
            applied = 0
            for _ in range(200):
                draft = g.valid(g.rng.choice(g.plans))
                before = draft.request("valid").encode("h")
                if function(g, draft):
                    applied += 1
                    after = draft.request(name)
                    after.encode("h")
                    if name != "bad-credentials":
                        self.assertNotEqual(after.encode("h"), before, name)
            self.assertGreater(applied, 0, name)


class OracleChecks(unittest.TestCase):
    def setUp(self):
        self.state = stocked_state()
        tokens = {"writer": ("w" * 24, {"write"}), "admin": ("a" * 24, {"admin"})}
        self.oracles = Oracles(plans(SPEC), self.state, tokens, metrics_auth=True)

    def put(self, target: str, token: str, offset: int, kind: str = "valid") -> list[str]:
        request = Request("putCursor", kind, "PUT", target, token=token)
        response = Response(200, [("Content-Type", "application/json")], b"", False)
        route = SPEC.route(target.split("?")[0])
        return self.oracles.check(request, response, "putCursor", route, {"name": "beta", "offset": offset})

    def test_scope_and_backwards_cursor(self):
        self.assertEqual(self.put("/v1/cursors/beta", "writer", 200), [])
        self.assertEqual(self.put("/v1/cursors/beta?force=true", "admin", 0), [])
        errors = self.put("/v1/cursors/beta?force=true", "writer", 200)
        self.assertTrue(any("needs the admin scope" in error for error in errors), errors)
        errors = self.put("/v1/cursors/beta?force", "writer", 0, kind="bad-value")
        self.assertTrue(any("without force=true" in e for e in errors), errors)
        self.assertTrue(any("without the admin scope" in e for e in errors), errors)

    def test_refused_valid_request_and_extra_bytes(self):
        request = Request("appendRecords", "valid", "POST", "/v1/records", token="writer")
        response = Response(400, [], b"", True, extra=b"HTTP/1.1 400")
        problem = {"code": "malformed-json", "detail": "NUL"}
        errors = self.oracles.check(request, response, "appendRecords", SPEC.route("/v1/records"), problem)
        self.assertEqual(len(errors), 2, errors)
        request.kind = "bad-body"
        self.assertEqual(len(self.oracles.check(request, response, "appendRecords", None, problem)), 1)

    def test_a_record_read_back_must_match_its_append(self):
        request = Request("readRecord", "valid", "GET", "/v1/records/0", token="admin")
        good = Response(200, [("ETag", f'"{HASH}"')], b"", False)
        bad = Response(200, [("ETag", '"' + "0" * 64 + '"')], b"", False)
        route = SPEC.route("/v1/records/0")
        self.assertEqual(self.oracles.check(request, good, "readRecord", route, None), [])
        self.assertEqual(len(self.oracles.check(request, bad, "readRecord", route, None)), 1)


class StubServer:
    """Answers each request on 127.0.0.1 with `answer(head bytes) -> (response bytes, close)`."""

    def __init__(self, answer):
        self.answer = answer
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.connections = 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                connection, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.handle, args=(connection,), daemon=True).start()

    def handle(self, connection):
        buffer = b""
        with connection:
            while True:
                while b"\r\n\r\n" not in buffer:
                    chunk = connection.recv(65536)
                    if not chunk:
                        return
                    buffer += chunk
                head, buffer = buffer.split(b"\r\n\r\n", 1)
                length = re.search(rb"(?i)content-length: (\d+)", head)
                while length and len(buffer) < int(length.group(1)):
                    buffer += connection.recv(65536)
                buffer = buffer[int(length.group(1)):] if length else buffer
                data, close = self.answer(head)
                connection.sendall(data)
                if close:
                    return

    def close(self):
        self.listener.close()


def http(status: str, body: bytes, *headers: str) -> bytes:
    lines = [f"HTTP/1.1 {status}", *headers, f"Content-Length: {len(body)}"]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class ClientChecks(unittest.TestCase):
    def test_keep_alive_chunked_interim_and_extra_bytes(self):
        def answer(head: bytes):
            target = head.split(b" ")[1]
            if target == b"/chunked":
                interim = b"HTTP/1.1 100 Continue\r\n\r\n"
                chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"
                return interim + chunked, False
            if target == b"/twice":
                single = http("400 Bad Request", b"<html>x</html>", "Connection: close")
                return single.split(b"\r\n\r\n")[0] + b"\r\n\r\n" + single, True
            response = http("200 OK", b'{"status":"ok"}', "Content-Type: application/json")
            return (response[: response.index(b"\r\n\r\n") + 4] if head.startswith(b"HEAD ") else response), False

        stub = StubServer(answer)
        client = Client(stub.port, timeout=5)
        try:
            first = client.send(Request("getHealth", "valid", "GET", "/healthz"))
            second = client.send(Request("getHealth", "valid", "HEAD", "/healthz"))
            third = client.send(Request("getHealth", "valid", "GET", "/chunked"))
            self.assertEqual((first.status, first.body), (200, b'{"status":"ok"}'))
            self.assertEqual((second.status, second.body), (200, b""))
            self.assertEqual((third.status, third.body), (200, b"abcde"))
            self.assertEqual(stub.connections, 1)
            twice = client.send(Request("getHealth", "framing", "GET", "/twice"))
            self.assertEqual(twice.status, 400)
            self.assertTrue(twice.close)
            self.assertTrue(twice.extra, "the second copy is reported as bytes after the response")
        finally:
            client.close()
            stub.close()

    def test_an_exchange_is_recorded_in_the_checkers_format(self):
        stub = StubServer(lambda head: (http("200 OK", b'{"status":"ok"}', "Content-Type: application/json"), False))
        arguments = argparse.Namespace(spec=Path("openapi.yaml"), seed=1)
        with tempfile.TemporaryDirectory() as directory:
            path = Path(directory) / "exchanges.jsonl"
            with open(path, "w") as handle:
                fuzz = fuzz_api.Fuzz(arguments, SPEC, Path(directory), handle, path)
                client = Client(stub.port, timeout=5)
                state = State()
                request = Request("getHealth", "valid", "GET", "/healthz")
                fuzz.exchange("test", client, request, state, Oracles(plans(SPEC), state, {}, False))
                client.close()
            stub.close()
            record = json.loads(path.read_text())
            self.assertEqual(set(record), {"method", "path", "status", "headers", "body_base64"})
            self.assertEqual(record["headers"]["content-type"], "application/json")
            report = check_exchanges.check_files(SPEC, [path])
            report.print(SPEC, False, out=io.StringIO())
            self.assertEqual((report.total, report.conforming, fuzz.failures), (1, 1, []))


if __name__ == "__main__":
    unittest.main()
