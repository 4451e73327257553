"""The API fuzzer's generator: openapi.yaml walked into one plan per operation,
values drawn from the parameter and body schemas, and valid requests built
from them. A little journal state (offsets that exist, the journal's start and
end, cursor names) makes valid requests reach their 2xx paths; small hints
cover what a schema cannot say (NDJSON bodies, `wait_ms` kept short, `Accept`).
Mutations of these requests are in fuzz_mutations.py.

Everything random comes from one `random.Random`, so a seed replays a run."""

from __future__ import annotations

import random
import re
from dataclasses import dataclass, field
from typing import Any, Callable
from urllib.parse import quote, unquote

from fuzz_http import Request
from fuzz_values import State, Values, component, json_bytes, random_json, random_text
from openapi_model import Spec, escape_pointer


@dataclass
class Param:
    name: str
    location: str  # path, query or header
    required: bool
    schema: dict[str, Any]  # with its top-level $ref followed
    pointer: str  # the schema's JSON pointer in the document (for validators)
    component: str | None  # the components/schemas entry it refers to, if any


@dataclass
class BodyForm:
    media: str
    schema: Any
    pointer: str | None  # None when the media type has no schema
    component: str | None


@dataclass
class Plan:
    """One operation of the spec, as the generator uses it."""

    key: str
    method: str
    template: str
    params: list[Param]
    bodies: list[BodyForm]
    body_required: bool
    roles: list[str]  # bearer scopes needed when tokens are configured; [] when always open


def plans(spec: Spec) -> list[Plan]:
    """Every operation of the spec, in document order."""
    result = []
    default_security = spec.document.get("security", [])
    for operation in spec.operations():
        params = []
        for parameter, pointer in operation.parameters:
            raw = parameter.get("schema", {})
            schema, _ = spec.deref(raw, f"{pointer}/schema")
            params.append(Param(parameter["name"], parameter["in"], bool(parameter.get("required")),
                                schema, f"{pointer}/schema", component(raw)))
        bodies, required = [], False
        if "requestBody" in operation.operation:
            body, body_pointer = spec.deref(operation.operation["requestBody"], f"{operation.pointer}/requestBody")
            required = bool(body.get("required"))
            for media, content in (body.get("content") or {}).items():
                has = "schema" in content
                pointer = f"{body_pointer}/content/{escape_pointer(media)}/schema" if has else None
                bodies.append(BodyForm(media, content.get("schema", {}), pointer, component(content.get("schema"))))
        roles: list[str] = []
        for requirement in operation.operation.get("security", default_security):
            for scopes in requirement.values():
                roles += [scope for scope in scopes if scope not in roles]
        result.append(Plan(
            operation.key, operation.method.upper(), operation.template, params, bodies, required, roles))
    return result


def allows(scopes: set[str], needed: str) -> bool:
    """admin implies read and write."""
    return needed in scopes or "admin" in scopes


def needed_scope(operation: str, roles: list[str], force: str | None) -> str | None:
    """The scope a request needs when tokens are configured: the role of its
    bearerAuth requirement, `admin` for a cursor PUT with `force=true` (any
    other `force` but `false` is invalid: the checker holds a 2xx to it)."""
    if operation == "putCursor" and force == "true":
        return "admin"
    return roles[0] if roles else None


# -- requests ----------------------------------------------------------------


def encode_value(value: Any) -> str:
    """A parameter's value as it goes into a path segment or a query (form style)."""
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = str(value)
    return quote(text, safe="")


@dataclass
class Draft:
    """A request being built: parts a mutation can change before it is sent."""

    plan: Plan
    method: str
    path: dict[str, str]  # encoded path segments by variable
    query: list[tuple[str, str | None]]  # encoded names and values (None: no `=`)
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    content_type: str | None = None
    prefix: str = ""  # before the path, e.g. an absolute-form scheme and authority
    path_override: str | None = None
    notes: dict[str, Any] = field(default_factory=dict)

    def target(self) -> str:
        path = self.path_override
        if path is None:
            path = re.sub(r"\{([^}]+)\}", lambda match: self.path[match.group(1)], self.plan.template)
        query = "&".join(name if value is None else f"{name}={value}" for name, value in self.query)
        return self.prefix + path + ("?" + query if query or self.notes.get("empty_query") else "")

    def request(self, kind: str) -> Request:
        headers = list(self.headers)
        if self.content_type is not None:
            headers.insert(0, ("Content-Type", self.content_type))
        names = ("version", "host", "length", "expect_continue", "close", "token")
        options = {key: self.notes[key] for key in names if key in self.notes}
        return Request(
            self.plan.key, kind, self.method, self.target(), headers, self.body, notes=dict(self.notes), **options)

    def query_value(self, name: str) -> str | None:
        return next((value for key, value in self.query if key == name), None)


# Hints where the spec cannot say enough: (operationId, parameter) -> value.
VALUE_HINTS: dict[tuple[str, str], Callable[["Generator"], Any]] = {
    ("readRecords", "wait_ms"): lambda g: g.rng.choice([0, 0, 0, 1, 5, 20, 50]),
    ("readRecords", "limit"): lambda g: g.rng.choice([1, 2, 3, 10, 100, 1000]),
    ("readRecords", "max_bytes"): lambda g: g.rng.choice([1, 64, 4096, 1 << 20, 16 << 20]),
    ("readRecord", "If-None-Match"): lambda g: g.etag(),
    ("putCursor", "force"): lambda g: g.rng.random() < 0.3,
    ("cleanupSegments", "dry_run"): lambda g: g.rng.random() < 0.6,
}
# How often an optional parameter is sent.
PRESENCE_HINTS = {("readRecord", "If-None-Match"): 0.3, ("readRecords", "wait_ms"): 0.3}
ACCEPTS = [None, None, "application/json", "application/octet-stream", "*/*", "application/json, */*;q=0.1"]


class Generator:
    """Valid requests for each plan, given the journal state and the server's limits."""

    def __init__(self, spec: Spec, rng: random.Random, state: State, limits: dict[str, int]):
        self.spec, self.rng, self.state, self.limits = spec, rng, state, limits
        self.values = Values(spec, rng, state)
        self.plans = plans(spec)
        self.tokens: dict[str, tuple[str, set[str]]] = {}  # name -> (token, scopes), in the auth phase

    def allowed(self, template: str) -> set[str]:
        return self.spec.allowed_methods(template)

    def authorize(self, draft: Draft) -> None:
        """With tokens configured: mostly a token with the scope the operation
        needs, sometimes any token, now and then none."""
        if not self.tokens:
            return
        needed = needed_scope(draft.plan.key, draft.plan.roles, draft.query_value("force"))
        fitting = sorted(name for name, (_, scopes) in self.tokens.items() if needed is None or allows(scopes, needed))
        roll = self.rng.random()
        name = None
        if roll < 0.8 and fitting:
            name = self.rng.choice(fitting)
        elif roll < 0.95:
            name = self.rng.choice(sorted(self.tokens))
        draft.notes["token"] = name
        if name is not None:
            draft.headers.append(("Authorization", f"Bearer {self.tokens[name][0]}"))

    def etag(self) -> str:
        if self.state.records and self.rng.random() < 0.7:
            return f'"{self.state.records[self.rng.choice(list(self.state.records))][0]}"'
        return self.rng.choice(['"0"', "*", 'W/"x"', '"' + "0" * 64 + '"'])

    def value(self, plan: Plan, param: Param) -> Any:
        hint = VALUE_HINTS.get((plan.key, param.name))
        if hint:
            return hint(self)
        if param.component is not None:  # so that a state provider answers for it
            return self.values.of({"$ref": f"#/components/schemas/{param.component}"})
        return self.values.of(param.schema)

    def valid(self, plan: Plan) -> Draft:
        rng = self.rng
        method = "HEAD" if plan.method == "GET" and rng.random() < 0.1 else plan.method
        draft = Draft(plan, method, {}, [])
        for param in plan.params:
            present = param.required or rng.random() < PRESENCE_HINTS.get((plan.key, param.name), 0.5)
            if not present:
                continue
            value = self.value(plan, param)
            if param.location == "path":
                draft.path[param.name] = encode_value(value)
            elif param.location == "query":
                draft.query.append((quote(param.name, safe=""), encode_value(value)))
            elif param.location == "header":
                draft.headers.append((param.name, str(value)))
        rng.shuffle(draft.query)
        if plan.key == "readRecord":
            accept = rng.choice(ACCEPTS)
            if accept:
                draft.headers.append(("Accept", accept))
        if plan.bodies:
            form = rng.choice(plan.bodies)
            draft.content_type = form.media
            if rng.random() < 0.15:
                draft.content_type += rng.choice(["; charset=utf-8", ";charset=UTF-8"])
            draft.body = self.body(plan, form, draft)
        return draft

    def body(self, plan: Plan, form: BodyForm, draft: Draft | None = None) -> bytes:
        """A valid body of this media type, small enough for the server's limits."""
        rng = self.rng
        record_limit = self.limits.get("record", 1 << 20)
        if plan.key == "putCursor" and form.component == "CursorUpdate":
            name = unquote(draft.path.get("name", "")) if draft else ""
            return json_bytes(rng, {"offset": self.cursor_target(name)})
        for _ in range(20):
            if form.media.endswith("ndjson"):
                lines = [json_bytes(rng, random_json(rng)).strip() for _ in range(rng.randint(1, 6))]
                separator = b"\r\n" if rng.random() < 0.1 else b"\n"
                blank = separator if rng.random() < 0.1 else b""
                data = (separator + blank).join(lines) + (separator if rng.random() < 0.7 else b"")
                if max(len(line) for line in lines) > record_limit // 2:
                    continue
            elif form.media == "application/octet-stream":
                data = rng.choice([
                    bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 512))),
                    json_bytes(rng, random_json(rng)), b"\x00" * rng.randint(1, 64), b"\xff\xfe\xfd",
                ])
            elif form.media.endswith("json"):
                value = self.values.of(form.schema) if form.pointer else random_json(rng)
                data = json_bytes(rng, value)
            else:
                data = random_text(rng).encode("utf-8") or b"x"
            if len(data) <= record_limit // 2:
                return data
        return b'"x"' if "json" in form.media else b"x"

    def cursor_target(self, name: str) -> int:
        """Mostly an offset at or past the cursor's own (so the PUT succeeds)."""
        current = max(self.state.cursors.get(name, 0), self.state.start)
        ahead = [offset for offset in self.state.records if offset >= current] + [self.state.end]
        return self.rng.choice(ahead) if self.rng.random() < 0.7 else self.values.offset()
