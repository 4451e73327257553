#!/usr/bin/env python3
"""OpenAPI-driven fuzzing of `stele serve`.

    python3 Tests/OpenAPI/fuzz_api.py --stele .build/debug/stele [--seed N]
        [--requests 3000] [--seconds 60] [--durability group|immediate]
        [--exchanges FILE] [--phases open,auth] [--coverage] [--keep-data]

Starts the server itself on 127.0.0.1 (port 0) in a fresh temporary data
directory, once per phase: `open` (no tokens, /metrics open) and `auth` (a
token file with read, write, admin and read+write tokens; /metrics protected).
Each phase sends requests generated from openapi.yaml, half valid (with the
journal state learned from responses, so that offsets and cursors exist) and
half mutated (fuzz_mutations.py), records every exchange as one JSON line in
check_exchanges.py's format and checks it with check_exchanges' own code, plus
the oracles of fuzz_oracles.py. After each phase the server is stopped with
SIGTERM and `stele verify` must find the data directory clean.

Stops after --requests requests or --seconds seconds, whichever comes first
(both split between the phases). The seed is always printed; the same seed,
budget and binary replay the same requests. Exit status 1 on any 5xx, contract
or oracle failure, request without a response, server crash, unclean exit or
verify, or a server that did not start."""

from __future__ import annotations

import argparse
import base64
import json
import random
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote

sys.path.insert(0, str(Path(__file__).resolve().parent))

from check_exchanges import Exchange, Report, check  # noqa: E402
from fuzz_generator import Generator  # noqa: E402
from fuzz_http import Client, ClientError, Request, Response, Server, ServerError  # noqa: E402
from fuzz_mutations import mutate  # noqa: E402
from fuzz_oracles import Oracles  # noqa: E402
from fuzz_values import State  # noqa: E402
from openapi_model import DEFAULT_SPEC, Spec, strict_json  # noqa: E402

REPOSITORY = Path(__file__).resolve().parents[2]
# Small limits, so that bodies over them, sealed segments and cleanups are cheap to reach.
# A batch may hold more than a segment: one request never spans two segments.
LIMITS = {"body": 128 << 10, "record": 4 << 10, "batch": 32}
SEGMENT_BYTES = 16 << 10
PHASES = {"open": 0.6, "auth": 0.4}  # name -> share of the budget
OPERATION_WEIGHTS = {"appendRecords": 3, "readRecords": 2, "readRecord": 2, "putCursor": 1.5}
VALID_SHARE = 0.5


class Failure:
    def __init__(self, phase: str, kind: str, message: str, request: Request | None = None, where: str = ""):
        self.phase, self.kind, self.message, self.request, self.where = phase, kind, message, request, where

    def show(self, out: TextIO) -> None:
        print(f"  [{self.phase}] {self.kind}{' at ' + self.where if self.where else ''}: {self.message}", file=out)
        if self.request is not None:
            print(f"    generated for {self.request.operation} ({self.request.kind}); "
                  f"request: {self.request.replay()}", file=out)


class Fuzz:
    def __init__(
        self, arguments: argparse.Namespace, spec: Spec, workdir: Path, exchanges: TextIO, exchanges_path: Path
    ):
        self.arguments, self.spec, self.workdir = arguments, spec, workdir
        self.exchanges, self.exchanges_path = exchanges, exchanges_path
        self.report = Report()
        self.failures: list[Failure] = []
        self.by_operation: Counter = Counter()  # (routed operation, status)
        self.by_kind: Counter = Counter()
        self.server_5xx = 0
        self.known_defects: Counter = Counter()  # libmicrohttpd's own, counted apart
        self.lines = 0
        self.phase_lines: list[str] = []

    # -- one phase -------------------------------------------------------------

    def phase(self, name: str, budget: int, seconds: float) -> None:
        rng = random.Random(f"{self.arguments.seed}:{name}")
        state = State()
        generator = Generator(self.spec, rng, state, LIMITS)
        flags = [
            "--durability", self.arguments.durability, "--segment-max-bytes", str(SEGMENT_BYTES),
            "--max-record-bytes", str(LIMITS["record"]), "--max-body-bytes", str(LIMITS["body"]),
            "--max-batch-records", str(LIMITS["batch"]), "--max-wait-ms", "50",
        ]
        metrics_auth = name == "auth"
        server = Server(self.arguments.stele, self.workdir, name, flags)
        if name == "auth":
            alphabet = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
            scopes = {"reader": {"read"}, "writer": {"write"}, "admin": {"admin"}, "readwriter": {"read", "write"}}
            generator.tokens = {
                key: ("".join(rng.choice(alphabet) for _ in range(24)), value) for key, value in scopes.items()}
            server.directory.mkdir(parents=True, exist_ok=True)
            token_file = server.directory / "tokens"
            token_file.write_text("# fuzz_api.py's tokens\n" + "".join(
                f"{token} {','.join(sorted(granted))}\n" for token, granted in generator.tokens.values()))
            server.flags += ["--token-file", str(token_file), "--metrics-auth", "true"]
        oracles = Oracles(generator.plans, state, generator.tokens, metrics_auth)
        weights = [OPERATION_WEIGHTS.get(plan.key, 1) for plan in generator.plans]
        started = time.monotonic()
        sent = 0
        try:
            server.start()
        except (ServerError, OSError) as error:
            server.stop()
            self.failures.append(Failure(name, "server did not start", f"{error}\n{server.log_tail()}"))
            self.phase_lines.append(f"phase {name}: the server did not start")
            return
        except BaseException:
            server.stop()
            raise
        client = Client(server.port, timeout=self.arguments.timeout)
        try:
            deadline = started + seconds
            while sent < budget and time.monotonic() < deadline:
                plan = rng.choices(generator.plans, weights)[0]
                draft = generator.valid(plan)
                generator.authorize(draft)
                kind = "valid" if rng.random() < VALID_SHARE else mutate(generator, draft)
                request = draft.request(kind)
                if rng.random() < 0.02:
                    client.close()  # a fresh connection now and then
                sent += 1
                self.exchange(name, client, request, state, oracles)
                if not server.alive():
                    break
        finally:
            client.close()
            self.finish(name, server, sent, time.monotonic() - started)

    def exchange(self, phase: str, client: Client, request: Request, state: State, oracles: Oracles) -> None:
        """Sends one request, records the exchange and checks it."""
        self.by_kind[request.kind] += 1
        try:
            response = client.send(request)
        except (ClientError, OSError) as error:
            self.by_operation[(request.operation, "no response")] += 1
            self.failures.append(Failure(phase, "no response", str(error), request))
            return
        defect = known_library_defect(request, response)
        if defect is not None:
            # Not the service's answer: libmicrohttpd's, malformed, before the service saw the request.
            self.known_defects[defect] += 1
            self.by_operation[(request.operation, f"{response.status} ({defect})")] += 1
            client.close()
            return
        self.lines += 1
        where = f"{self.exchanges_path}:{self.lines}"
        record = {
            "method": request.method, "path": request.target, "status": response.status,
            "headers": response.header_map(), "body_base64": base64.b64encode(response.body).decode(),
        }
        self.exchanges.write(json.dumps(record) + "\n")
        exchange = Exchange.from_json(record)
        verdict = check(self.spec, exchange)
        before = len(self.report.failures)
        self.report.add(where, exchange, verdict)
        for _, description, errors in self.report.failures[before:]:
            message = description + "".join(f"\n    - {error}" for error in errors)
            self.failures.append(Failure(phase, "contract", message, request, where))
        self.by_operation[(verdict.key, str(response.status))] += 1
        if response.status >= 500:
            self.server_5xx += 1
            self.failures.append(Failure(phase, "5xx", f"{response.status} {response.body[:300]!r}", request, where))
        body = self.json_body(response)
        route = self.spec.route(exchange.path)
        errors = oracles.check(request, response, verdict.key, route, body)
        for error in errors:
            self.failures.append(Failure(phase, "oracle", error, request, where))
        state.learn(verdict.key, request, response.status, body)
        if verdict.key == "deleteCursor" and response.status == 204 and route is not None:
            state.forget_cursor(unquote(route.path_params.get("name", "")))

    @staticmethod
    def json_body(response: Response) -> Any:
        if not response.body or "json" not in (response.header("content-type") or ""):
            return None
        try:
            return strict_json(response.body)
        except (UnicodeDecodeError, ValueError):
            return None

    def finish(self, name: str, server: Server, sent: int, elapsed: float) -> None:
        crashed = server.process is not None and server.process.poll() is not None
        code = server.stop()
        if crashed and code == 0:
            self.failures.append(Failure(name, "server stopped", "stele serve shut down gracefully while serving "
                                         f"(a SIGTERM or SIGINT the fuzzer did not send?)\n{server.log_tail()}"))
        elif crashed:
            self.failures.append(Failure(
                name, "server crash", f"stele serve exited with {code} while serving\n{server.log_tail()}"))
        elif code != 0:
            detail = f"exited with {code} after SIGTERM"
            if server.killed:
                detail = "killed after not stopping within 30 s of SIGTERM"
            self.failures.append(Failure(name, "server stop", f"{detail}\n{server.log_tail()}"))
        verify_code, output = server.verify()
        if verify_code != 0:
            self.failures.append(Failure(name, "verify", f"stele verify exited with {verify_code}: {output}"))
        lines = output.splitlines()
        summary = "; ".join(lines[:1] + lines[1:][-1:])
        self.phase_lines.append(
            f"phase {name}: {sent} requests in {elapsed:.1f} s; server exit {code}; "
            f"verify exit {verify_code} ({summary})")

    # -- the summary -----------------------------------------------------------

    def print(self, out: TextIO, duration: float) -> None:
        arguments = self.arguments
        print(f"seed {arguments.seed}  (replay: fuzz_api.py --seed {arguments.seed} --requests {arguments.requests} "
              f"--seconds {arguments.seconds:g} --durability {arguments.durability} --phases {arguments.phases})",
              file=out)
        for line in self.phase_lines:
            print(line, file=out)
        operations: dict[str, Counter] = {}
        for (key, status), count in self.by_operation.items():
            operations.setdefault(key, Counter())[status] += count
        print("\nresponses per operation (as routed) and status:", file=out)
        width = max((len(key) for key in operations), default=10)
        for key in sorted(operations):
            statuses = ", ".join(f"{status} x{count}" for status, count in sorted(operations[key].items()))
            print(f"  {key:<{width}}  {sum(operations[key].values()):>6}  {statuses}", file=out)
        kinds = ", ".join(f"{kind} {count}" for kind, count in sorted(self.by_kind.items(), key=lambda item: -item[1]))
        print(f"\nrequests per kind: {kinds}", file=out)
        library = ", ".join(f"{status} x{count}" for status, count in sorted(self.report.library.items())) or "none"
        print(f"responses from libmicrohttpd itself: {sum(self.report.library.values())} ({library})", file=out)
        defects = ", ".join(f"{name} x{count}" for name, count in sorted(self.known_defects.items())) or "none"
        print(f"known libmicrohttpd {MICROHTTPD_DEFECTS_VERSION} defects (not failures): {defects}", file=out)
        if arguments.coverage:
            self.report.print_coverage(self.spec, out)
        kinds_failed = Counter(failure.kind for failure in self.failures)
        print(f"\n{self.report.total} exchanges checked against {arguments.spec.name}: "
              f"{self.report.conforming} conform, {len(self.report.failures)} contract failures", file=out)
        print(f"5xx responses: {self.server_5xx}", file=out)
        others = ", ".join(f"{kind} {count}" for kind, count in sorted(kinds_failed.items()) if kind != "contract")
        others = others or "none"
        print(f"other failures: {others}", file=out)
        kept = "" if self.arguments.exchanges or self.failures else " (removed: nothing failed)"
        print(f"exchanges: {self.exchanges_path}{kept}", file=out)
        if self.failures:
            shown = self.failures[: self.arguments.show]
            print(f"\nFAILURES (first {len(shown)} of {len(self.failures)}):", file=out)
            for failure in shown:
                failure.show(out)
        verdict = "FAIL" if self.failures else "PASS"
        print(f"\n{verdict}: {sum(self.by_kind.values())} requests in {duration:.1f} s", file=out)


MICROHTTPD_DEFECTS_VERSION = "0.9.75"


def known_library_defect(request: Request, response: Response) -> str | None:
    """Names a known defect of libmicrohttpd 0.9.75 (Debian 12's) in its own
    answers, which the service never sees and the spec does not describe:

    - "doubled head": for a malformed or huge Content-Length it sends its 400
      or 413 head twice, so the second head (and its HTML) reads as the body;
    - "body on HEAD": its "request too big" 414/431 page is sent with a body
      in answer to HEAD.
    """
    second = response.extra if request.method == "HEAD" else response.body
    if response.status in (400, 413) and response.header("content-type") is None and second.startswith(b"HTTP/1."):
        return "doubled head"
    if request.method == "HEAD" and response.status in (414, 431) and response.extra.lstrip().startswith(b"<html"):
        return "body on HEAD"
    return None


def parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Fuzz `stele serve` with requests generated from openapi.yaml.")
    parser.add_argument("--stele", default=str(REPOSITORY / ".build/debug/stele"),
                        help="the stele binary (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=None, help="the run's seed (default: a random one, printed)")
    parser.add_argument("--requests", type=int, default=3000, help="requests in all phases (default: %(default)s)")
    parser.add_argument("--seconds", type=float, default=60,
                        help="seconds of requests in all phases (default: %(default)s)")
    parser.add_argument("--durability", choices=["group", "immediate"], default="group")
    parser.add_argument("--phases", default="open,auth", help="comma-separated, of: open, auth (default: %(default)s)")
    parser.add_argument("--exchanges", type=Path,
                        help="write the exchanges here (default: a temporary file, kept on failure)")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the OpenAPI document (default: %(default)s)")
    parser.add_argument("--timeout", type=float, default=10.0,
                        help="seconds to wait for one response (default: %(default)s)")
    parser.add_argument("--coverage", action="store_true", help="list documented (operation, status) pairs never seen")
    parser.add_argument("--show", type=int, default=8, help="failures to print in full (default: %(default)s)")
    parser.add_argument("--keep-data", action="store_true", help="keep the servers' temporary directory")
    arguments = parser.parse_args(argv)
    phases = [phase.strip() for phase in arguments.phases.split(",") if phase.strip()]
    if not phases or any(phase not in PHASES for phase in phases):
        parser.error(f"--phases takes a comma-separated list of {', '.join(PHASES)}")
    if arguments.requests < 1 or arguments.seconds <= 0:
        parser.error("--requests and --seconds must be positive")
    if arguments.seed is None:
        arguments.seed = random.SystemRandom().randrange(2**32)
    arguments.phase_list = phases
    return arguments


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(argv)
    if not Path(arguments.stele).is_file():
        print(f"fuzz_api.py: no stele binary at {arguments.stele}", file=sys.stderr)
        return 1
    spec = Spec.load(arguments.spec)
    print(f"fuzz_api.py: seed {arguments.seed}, {arguments.requests} requests / {arguments.seconds:g} s, "
          f"durability {arguments.durability}, phases {arguments.phases}, {arguments.stele}", flush=True)

    def interrupted(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt()

    signal.signal(signal.SIGTERM, interrupted)
    workdir = Path(tempfile.mkdtemp(prefix="stele-fuzz-"))
    temporary = arguments.exchanges is None
    exchanges_path = workdir.parent / f"{workdir.name}.jsonl" if temporary else arguments.exchanges
    started = time.monotonic()
    fuzz = None
    try:
        with open(exchanges_path, "w", encoding="utf-8") as exchanges:
            fuzz = Fuzz(arguments, spec, workdir, exchanges, exchanges_path)
            shares = sum(PHASES[phase] for phase in arguments.phase_list)
            sent_before, spent = 0, 0.0
            for index, phase in enumerate(arguments.phase_list):
                last = index == len(arguments.phase_list) - 1
                share = PHASES[phase] / shares
                budget = arguments.requests - sent_before if last else round(arguments.requests * share)
                seconds = arguments.seconds - spent if last else arguments.seconds * share
                phase_started = time.monotonic()
                fuzz.phase(phase, max(budget, 1), max(seconds, 1.0))
                sent_before = sum(fuzz.by_kind.values())
                spent += time.monotonic() - phase_started
    except KeyboardInterrupt:
        print("\nfuzz_api.py: interrupted; servers stopped", file=sys.stderr)
        if temporary:
            exchanges_path.unlink(missing_ok=True)
        return 130
    finally:
        if arguments.keep_data:
            print(f"data kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    assert fuzz is not None
    fuzz.print(sys.stdout, time.monotonic() - started)
    failed = bool(fuzz.failures) or fuzz.report.total == 0
    if temporary and not failed:
        exchanges_path.unlink(missing_ok=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
