#!/usr/bin/env python3
"""Holds recorded HTTP exchanges to openapi.yaml.

    python3 Tests/OpenAPI/check_exchanges.py [--spec openapi.yaml] [--coverage] EXCHANGES.jsonl...

Each line of an exchanges file is one JSON object:
    {"method": "GET", "path": "/v1/records/40?x=1", "status": 200,
     "headers": {"content-type": "...", ...}, "body_base64": "..."}
with the raw request target in "path" and lower-cased header names.

For each exchange: the operation serving it (or the shared 404/405/414/431
problem responses for paths and methods no operation serves), the status
documented for it, the content type documented for that status, the body
against its schema, the documented headers (required ones present, values
matching their schemas), the problem document's own consistency, and a few
cross-field checks on successful bodies (semantic_checks.py). Responses
libmicrohttpd produced itself (text/html on 400/413/414/431) are counted as
library responses. Exit status 1 when any exchange fails or none was read.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import json
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable
from urllib.parse import parse_qs, urlsplit

from jsonschema.exceptions import relevance

import semantic_checks
from openapi_model import (
    DEFAULT_SPEC,
    MediaType,
    Operation,
    Route,
    Spec,
    escape_pointer,
    path_variants,
    strict_json,
)

LIBRARY_STATUSES = {400, 413, 414, 431}
PROBLEM_TYPE_BASE = "https://stele.dev/problems/"
UNKNOWN_PATH = "(unknown path)"
WRONG_METHOD = "(method not allowed)"
LIBRARY = "(libmicrohttpd)"
# Requests no operation serves get the shared problem responses of these names.
UNKNOWN_PATH_RESPONSES = {
    "400": "BadRequestHead", "404": "NotFound", "405": "MethodNotAllowed", "414": "UriTooLong", "431": "HeadersTooLarge"}
WRONG_METHOD_RESPONSES = {"400": "BadRequestHead", "405": "MethodNotAllowed", "414": "UriTooLong", "431": "HeadersTooLarge"}


@dataclass
class Exchange:
    """One recorded request and its response."""

    method: str
    target: str
    status: int
    headers: dict[str, str]
    body: bytes

    @classmethod
    def from_json(cls, record: Any) -> "Exchange":
        if not isinstance(record, dict):
            raise ValueError("not a JSON object")
        method, target, status = record.get("method"), record.get("path"), record.get("status")
        if not isinstance(method, str) or not isinstance(target, str) or not isinstance(status, int):
            raise ValueError('"method" and "path" must be strings and "status" an integer')
        headers: dict[str, str] = {}
        for name, value in (record.get("headers") or {}).items():
            headers[name.lower()] = ", ".join(value) if isinstance(value, list) else str(value)
        try:
            body = base64.b64decode(record.get("body_base64") or "", validate=True)
        except binascii.Error as error:
            raise ValueError(f"body_base64 is not base64: {error}") from error
        return cls(method.upper(), target, status, headers, body)

    @property
    def path(self) -> str:
        if self.target.startswith(("http://", "https://")):
            return urlsplit(self.target).path or "/"
        return self.target.split("?", 1)[0]

    @property
    def query(self) -> dict[str, list[str]]:
        _, _, query = self.target.partition("?")
        return parse_qs(query, keep_blank_values=True)

    @property
    def carries_body(self) -> bool:
        return self.method != "HEAD" and self.status not in (204, 304)

    def describe(self) -> str:
        return f"{self.method} {self.target} -> {self.status}"


@dataclass
class Verdict:
    """What checking one exchange found."""

    key: str
    errors: list[str] = field(default_factory=list)
    problem: tuple[str, str] | None = None  # (code, title) of a problem body

    @property
    def library(self) -> bool:
        return self.key == LIBRARY


def is_library_response(exchange: Exchange) -> bool:
    """libmicrohttpd answers some bad requests itself, with a short HTML page."""
    if exchange.status not in LIBRARY_STATUSES:
        return False
    content_type = exchange.headers.get("content-type")
    if content_type is not None:
        return MediaType.parse(content_type).essence == "text/html"
    return exchange.body.lstrip()[:5].lower() == b"<html"


def check(spec: Spec, exchange: Exchange) -> Verdict:
    """Checks one exchange. A target that can be read two ways (percent-decoded
    or not; a weak template match or an unknown path) passes when either
    reading conforms; otherwise every reading's errors are reported."""
    if is_library_response(exchange):
        return Verdict(LIBRARY)
    readings: list[tuple[Operation, Route | None]] = []
    for path in path_variants(exchange.path):
        operation, route = spec.resolve(exchange.method, path)
        if operation is not None:
            readings.append((operation, route))
        elif route is not None:
            readings.append((spec.unrouted(WRONG_METHOD, WRONG_METHOD_RESPONSES), route))
        if route is None or route.weak:
            readings.append((spec.unrouted(UNKNOWN_PATH, UNKNOWN_PATH_RESPONSES), None))
    verdicts = []
    for operation, route in readings:
        verdict = check_reading(spec, exchange, operation, route)
        if not verdict.errors:
            return verdict
        verdicts.append(verdict)
    if len(verdicts) > 1:
        merged = [f"[as {verdict.key}] {error}" for verdict in verdicts for error in verdict.errors]
        return Verdict(verdicts[0].key, merged, verdicts[0].problem)
    return verdicts[0]


def check_reading(spec: Spec, exchange: Exchange, operation: Operation, route: Route | None) -> Verdict:
    verdict = Verdict(operation.key)
    status = str(exchange.status)
    if status not in operation.responses:
        documented = ", ".join(operation.responses)
        verdict.errors.append(f"status {status} is not documented for {operation.key} (documented: {documented})")
        return verdict
    response, pointer = spec.deref(operation.responses[status], f"{operation.pointer}/responses/{status}")

    media_key, body, schema_ok = check_content(spec, exchange, response, pointer, verdict)
    is_problem = media_key is not None and MediaType.parse(media_key).essence == "application/problem+json"
    code = body.get("code") if is_problem and isinstance(body, dict) else None
    verdict.errors += check_headers(spec, exchange, response, pointer, code)
    if is_problem and isinstance(body, dict):
        verdict.errors += check_problem(exchange, body)
        if isinstance(body.get("code"), str) and isinstance(body.get("title"), str):
            verdict.problem = (body["code"], body["title"])
    if operation.key == WRONG_METHOD and route is not None:
        verdict.errors += check_allow(spec, exchange, route)
    if 200 <= exchange.status < 300 and route is not None and operation.key not in (WRONG_METHOD, UNKNOWN_PATH):
        verdict.errors += check_parameters(spec, exchange, operation, route)
        if schema_ok:
            verdict.errors += semantic_checks.check(operation.key, exchange, body, route, exchange.query)
    return verdict


def check_content(
    spec: Spec, exchange: Exchange, response: dict[str, Any], pointer: str, verdict: Verdict
) -> tuple[str | None, Any, bool]:
    """Content type and body. Returns the documented media type matched, the
    parsed JSON body (None when there is none) and whether it met its schema."""
    content: dict[str, Any] = response.get("content") or {}
    content_type = exchange.headers.get("content-type")
    if not content:
        if exchange.carries_body and exchange.body:
            verdict.errors.append(f"a {len(exchange.body)}-byte body where status {exchange.status} documents none")
        return None, None, False
    if content_type is None:
        if exchange.carries_body:
            verdict.errors.append(f"no Content-Type header (documented: {', '.join(content)})")
        return None, None, False
    media = MediaType.parse(content_type)
    matches = [key for key in content if media.satisfies(MediaType.parse(key))]
    if not matches:
        verdict.errors.append(
            f"Content-Type {content_type!r} is not documented for status {exchange.status} "
            f"(documented: {', '.join(content)})"
        )
        return None, None, False
    media_key = matches[0]
    if not exchange.carries_body or not media.is_json:
        return media_key, None, False
    try:
        body = strict_json(exchange.body)
    except (UnicodeDecodeError, ValueError) as error:
        verdict.errors.append(f"the body is not valid JSON: {error}")
        return media_key, None, False
    if "schema" not in content[media_key]:
        return media_key, body, True
    schema_pointer = f"{pointer}/content/{escape_pointer(media_key)}/schema"
    errors = schema_errors(spec, schema_pointer, body)
    verdict.errors += errors
    return media_key, body, not errors


def schema_errors(spec: Spec, schema_pointer: str, instance: Any) -> list[str]:
    """The most relevant schema errors, each with where in the body it is."""
    errors = sorted(spec.validator(schema_pointer).iter_errors(instance), key=relevance)
    messages = []
    for error in errors[:3]:
        where = "/" + "/".join(str(part) for part in error.absolute_path)
        message = error.message if len(error.message) < 300 else error.message[:300] + "..."
        detail = ""
        if error.context:
            deepest = sorted(error.context, key=relevance)[0]
            detail = f" (e.g. at /{'/'.join(str(p) for p in deepest.absolute_path)}: {deepest.message[:200]})"
        messages.append(f"schema: at {where}: {message}{detail}")
    return messages


def check_headers(
    spec: Spec, exchange: Exchange, response: dict[str, Any], pointer: str, code: str | None
) -> list[str]:
    errors = []
    for name, raw in (response.get("headers") or {}).items():
        if name.lower() == "content-type":
            continue  # OpenAPI ignores a Content-Type header definition
        header, header_pointer = spec.deref(raw, f"{pointer}/headers/{escape_pointer(name)}")
        value = exchange.headers.get(name.lower())
        required_for = header.get("x-stele-required-for-codes") or []
        if value is None:
            if header.get("required"):
                errors.append(f"required header {name} is missing")
            elif code in required_for:
                errors.append(f"header {name} is missing; it is required with code {code}")
            continue
        if "schema" in header:
            for error in spec.validator(f"{header_pointer}/schema").iter_errors(value):
                errors.append(f"header {name}: {error.message}")
    return errors


def check_problem(exchange: Exchange, body: dict[str, Any]) -> list[str]:
    """A problem document agrees with its response and request."""
    errors = []
    if isinstance(body.get("status"), int) and body["status"] != exchange.status:
        errors.append(f"problem status {body['status']} differs from the HTTP status {exchange.status}")
    code, kind = body.get("code"), body.get("type")
    if isinstance(code, str) and isinstance(kind, str) and kind != PROBLEM_TYPE_BASE + code:
        errors.append(f"problem type {kind!r} is not {PROBLEM_TYPE_BASE + str(code)!r}")
    instance = body.get("instance")
    # A 414's target may be too long for the service to have kept whole.
    if isinstance(instance, str) and exchange.status != 414 and instance not in path_variants(exchange.path):
        errors.append(f"problem instance {instance!r} is not the request path {exchange.path!r}")
    return errors


def check_allow(spec: Spec, exchange: Exchange, route: Route) -> list[str]:
    value = exchange.headers.get("allow")
    if value is None:
        return []  # reported as a missing required header
    listed = {method.strip().upper() for method in value.split(",") if method.strip()}
    expected = spec.allowed_methods(route.template)
    if listed != expected:
        return [f"Allow {value!r} for {route.template} should list {', '.join(sorted(expected))}"]
    return []


def check_parameters(spec: Spec, exchange: Exchange, operation: Operation, route: Route) -> list[str]:
    """A successful response to a request whose parameters break the spec means
    the server accepted what it should have refused with 400."""
    errors = []
    query = exchange.query
    for parameter, pointer in operation.parameters:
        name, location = parameter["name"], parameter["in"]
        if location == "path":
            raw = route.path_params.get(name)
        elif location == "query" and len(query.get(name, [])) > 1:
            # openapi.yaml: a parameter an operation reads is given at most once.
            errors.append(f"query parameter {name} is given {len(query[name])} times, yet the server answered "
                          f"{exchange.status}")
            continue
        elif location == "query" and len(query.get(name, [])) == 1:
            raw = query[name][0]
        else:
            continue
        if raw is None or "schema" not in parameter:
            continue
        schema, _ = spec.deref(parameter["schema"], f"{pointer}/schema")
        value = coerce(raw, schema.get("type"))
        where = f"{location} parameter {name}={raw!r}"
        if value is None:
            errors.append(f"{where} is not a valid {schema.get('type')}, yet the server answered {exchange.status}")
            continue
        for error in spec.validator(f"{pointer}/schema").iter_errors(value):
            errors.append(f"{where} breaks its schema ({error.message}), yet the server answered {exchange.status}")
    return errors


def coerce(raw: str, kind: str | None) -> Any:
    """A parameter's text as the type its schema names; None when it is not one."""
    if kind == "integer":
        return int(raw) if raw.isascii() and raw.isdigit() else None
    if kind == "boolean":
        return {"true": True, "false": False}.get(raw)
    return raw


@dataclass
class Report:
    """Counts and failures over every exchange checked."""

    counts: Counter = field(default_factory=Counter)
    library: Counter = field(default_factory=Counter)
    failures: list[tuple[str, str, list[str]]] = field(default_factory=list)
    titles: dict[str, str] = field(default_factory=dict)
    codes_seen: set = field(default_factory=set)
    total: int = 0
    conforming: int = 0

    def add(self, where: str, exchange: Exchange, verdict: Verdict) -> None:
        self.total += 1
        if verdict.library:
            self.library[exchange.status] += 1
            return
        self.counts[(verdict.key, str(exchange.status))] += 1
        errors = list(verdict.errors)
        if verdict.problem is not None:
            code, title = verdict.problem
            self.codes_seen.add(code)
            known = self.titles.setdefault(code, title)
            if known != title:
                errors.append(f"title {title!r} for code {code} differs from the {known!r} seen before")
        if errors:
            self.failures.append((where, describe(exchange), errors))
        else:
            self.conforming += 1

    def fail(self, where: str, message: str) -> None:
        self.failures.append((where, "(unreadable line)", [message]))

    def print(self, spec: Spec, coverage: bool, out: Any = None) -> None:
        out = out or sys.stdout
        print(
            f"{self.total} exchanges: {self.conforming} conform, {sum(self.library.values())} library responses, "
            f"{len(self.failures)} failures",
            file=out,
        )
        if self.counts:
            width = max(len(key) for key, _ in self.counts)
            print("\nexchanges per operation and status:", file=out)
            for (key, status), count in sorted(self.counts.items()):
                print(f"  {key:<{width}}  {status}  {count}", file=out)
        if self.library:
            listed = ", ".join(f"{status} x{count}" for status, count in sorted(self.library.items()))
            print(f"\nlibrary responses (libmicrohttpd's own HTML pages, not checked): {listed}", file=out)
        if coverage:
            self.print_coverage(spec, out)
        if self.failures:
            print(f"\nFAILURES ({len(self.failures)}):", file=out)
            for where, description, errors in self.failures:
                print(f"  {where}: {description}", file=out)
                for error in errors:
                    print(f"    - {error}", file=out)

    def print_coverage(self, spec: Spec, out: Any) -> None:
        pairs = spec.documented_pairs()
        missing: dict[str, list[str]] = {}
        for key, status in pairs:
            if (key, status) not in self.counts:
                missing.setdefault(key, []).append(status)
        unseen = sum(len(statuses) for statuses in missing.values())
        print(f"\ncoverage: {len(pairs) - unseen} of {len(pairs)} documented (operation, status) pairs seen", file=out)
        if missing:
            print("never seen:", file=out)
            width = max(len(key) for key in missing)
            for key, statuses in missing.items():
                print(f"  {key:<{width}}  {' '.join(statuses)}", file=out)
        codes = [code for code in spec.problem_codes() if code not in self.codes_seen]
        if codes:
            print(f"problem codes never seen: {' '.join(codes)}", file=out)


def describe(exchange: Exchange) -> str:
    text = exchange.describe()
    content_type = exchange.headers.get("content-type")
    if content_type:
        text += f" [{content_type}]"
    if exchange.body and exchange.carries_body:
        excerpt = exchange.body[:240].decode("utf-8", errors="replace")
        text += f" {excerpt}{'...' if len(exchange.body) > 240 else ''}"
    return text


def check_files(spec: Spec, paths: Iterable[Path]) -> Report:
    report = Report()
    for path in paths:
        with open(path, encoding="utf-8") as handle:
            for number, line in enumerate(handle, start=1):
                if not line.strip():
                    continue
                where = f"{path}:{number}"
                try:
                    exchange = Exchange.from_json(json.loads(line))
                except ValueError as error:
                    report.fail(where, f"not an exchange: {error}")
                    continue
                report.add(where, exchange, check(spec, exchange))
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Check recorded HTTP exchanges against openapi.yaml.")
    parser.add_argument("exchanges", nargs="+", type=Path, help="JSON Lines files of exchanges")
    parser.add_argument("--spec", type=Path, default=DEFAULT_SPEC, help="the OpenAPI document (default: %(default)s)")
    parser.add_argument("--coverage", action="store_true", help="list documented (operation, status) pairs never seen")
    arguments = parser.parse_args(argv)
    spec = Spec.load(arguments.spec)
    report = check_files(spec, arguments.exchanges)
    report.print(spec, arguments.coverage)
    if report.total == 0:
        print("no exchanges were read: nothing was checked", file=sys.stderr)
        return 1
    return 1 if report.failures else 0


if __name__ == "__main__":
    sys.exit(main())
