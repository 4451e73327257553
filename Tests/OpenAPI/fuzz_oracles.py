"""What the API fuzzer checks beyond check_exchanges.py: facts a single
exchange cannot show against the spec, but the fuzzer knows from what it sent
and what it learned before.

- a request generated valid is not refused as malformed or too large;
- with tokens configured, nothing is served without the scope the spec's
  `bearerAuth` role names (`admin` for a cursor PUT with `force`), and a
  valid request with a token of that scope is not refused 401/403;
- a cursor never moves backwards without `force=true`;
- a record read back has the blake3 its append returned;
- no bytes follow a response the server said was complete."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qsl, unquote

from fuzz_generator import Plan, allows, needed_scope
from fuzz_http import Request, Response
from fuzz_values import State

# Codes that say the request itself was malformed, unsupported or too large:
# none of them may answer a request the generator built as valid.
REFUSAL_CODES = {
    "malformed-json", "empty-payload", "empty-batch", "invalid-parameter", "invalid-offset", "invalid-body",
    "invalid-cursor-name", "unsupported-media-type", "not-acceptable", "payload-too-large", "record-too-large",
    "too-many-records", "missing-host", "uri-too-long", "headers-too-large", "not-found", "method-not-allowed",
}


def raw_query(target: str) -> list[tuple[str, str]]:
    _, _, query = target.partition("?")
    return parse_qsl(query, keep_blank_values=True)


def first(query: list[tuple[str, str]], name: str) -> str | None:
    return next((value for key, value in query if key == name), None)


class Oracles:
    def __init__(self, plans: list[Plan], state: State, tokens: dict[str, tuple[str, set[str]]], metrics_auth: bool):
        self.roles = {plan.key: plan.roles for plan in plans}
        self.state, self.tokens, self.metrics_auth = state, tokens, metrics_auth

    def check(self, request: Request, response: Response, key: str, route: Any, body: Any) -> list[str]:
        """Errors for one exchange; call before the state learns from it."""
        errors: list[str] = []
        if response.extra:
            errors.append(f"{len(response.extra)} bytes followed the response: {response.extra[:160]!r}")
        problem = body if isinstance(body, dict) and response.status >= 400 else {}
        if request.kind == "valid" and problem.get("code") in REFUSAL_CODES:
            errors.append(f"a request generated valid was refused: {problem.get('code')}: {problem.get('detail')}")
        if key in self.roles:
            if self.tokens:
                errors += self._scope(request, response, key)
            errors += self._cursor(request, response, key, body)
            errors += self._records(response, key, route, body)
        return errors

    def _scope(self, request: Request, response: Response, key: str) -> list[str]:
        if request.notes.get("auth_ambiguous"):
            return []
        needed = needed_scope(key, self.roles[key], first(raw_query(request.target), "force"))
        if key == "getMetrics" and not self.metrics_auth:
            needed = None
        granted = self.tokens[request.token][1] if request.token in self.tokens else None
        holder = f"token {request.token!r} ({','.join(sorted(granted))})" if granted else "no valid token"
        if needed and 200 <= response.status < 400 and not (granted and allows(granted, needed)):
            return [f"{key} was served ({response.status}) to {holder}; it needs the {needed} scope"]
        entitled = needed is None or (granted and allows(granted, needed))
        if request.kind == "valid" and response.status in (401, 403) and entitled:
            return [f"{key} refused {response.status} to {holder}, which has the {needed or 'no'} scope it needs"]
        return []

    def _cursor(self, request: Request, response: Response, key: str, body: Any) -> list[str]:
        if key != "putCursor" or response.status != 200 or not isinstance(body, dict):
            return []
        before = self.state.cursors.get(body.get("name"))
        force = first(raw_query(request.target), "force")
        if not (isinstance(before, int) and isinstance(body.get("offset"), int) and body["offset"] < before):
            return []
        granted = self.tokens[request.token][1] if request.token in self.tokens else set()
        errors = []
        if force != "true":
            errors.append(f"cursor {body['name']!r} moved backwards from {before} to {body['offset']} "
                          f"without force=true (force={force!r})")
        if self.tokens and "admin" not in granted:
            errors.append(f"cursor {body['name']!r} moved backwards from {before} to {body['offset']} "
                          f"for token {request.token!r} without the admin scope (force={force!r})")
        return errors

    def _records(self, response: Response, key: str, route: Any, body: Any) -> list[str]:
        if response.status != 200:
            return []
        pairs: list[tuple[int, str]] = []
        if key == "readRecord" and route is not None:
            offset = unquote(route.path_params.get("offset", ""))
            etag = response.header("etag")
            if offset.isascii() and offset.isdigit() and etag:
                pairs.append((int(offset), etag.strip('"')))
        elif key == "readRecords" and isinstance(body, dict) and isinstance(body.get("records"), list):
            records = [record for record in body["records"] if isinstance(record, dict)]
            pairs += [(record.get("offset"), record.get("blake3")) for record in records]
        errors = []
        for offset, blake3 in pairs:
            known = self.state.records.get(offset)
            if known and known[0] != blake3:
                errors.append(f"the record at {offset} reads back with blake3 {blake3}, appended as {known[0]}")
        return errors
