"""openapi.yaml as the checker sees it: operations, routing of a request target,
references followed, and JSON Schema validators for the schemas inside it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator
from urllib.parse import unquote

import yaml
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DEFAULT_SPEC = Path(__file__).resolve().parents[2] / "openapi.yaml"
DOCUMENT_URI = "urn:stele:openapi"
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


def escape_pointer(token: str) -> str:
    return token.replace("~", "~0").replace("/", "~1")


def unescape_pointer(token: str) -> str:
    return token.replace("~1", "/").replace("~0", "~")


@dataclass(frozen=True)
class MediaType:
    """A parsed Content-Type value: `type/subtype` and its parameters, lower-cased."""

    essence: str
    parameters: tuple[tuple[str, str], ...] = ()

    @classmethod
    def parse(cls, value: str) -> "MediaType":
        parts = value.split(";")
        parameters = []
        for part in parts[1:]:
            name, _, raw = part.partition("=")
            if name.strip():
                parameters.append((name.strip().lower(), raw.strip().strip('"').lower()))
        return cls(parts[0].strip().lower(), tuple(parameters))

    @property
    def is_json(self) -> bool:
        return self.essence == "application/json" or self.essence.endswith("+json")

    def satisfies(self, documented: "MediaType") -> bool:
        """True when a response of this type is one the documented key allows:
        the same essence (or a documented wildcard) and every documented parameter."""
        kind, _, subtype = documented.essence.partition("/")
        own_kind, _, own_subtype = self.essence.partition("/")
        if kind != "*" and (kind != own_kind or (subtype != "*" and subtype != own_subtype)):
            return False
        own = dict(self.parameters)
        return all(own.get(name) == value for name, value in documented.parameters)


@dataclass
class Operation:
    """One documented operation, or one of the two pseudo-operations the checker
    uses for requests no operation serves (their `operation` has only responses)."""

    key: str
    template: str | None
    method: str
    operation: dict[str, Any]
    pointer: str
    parameters: list[tuple[dict[str, Any], str]] = field(default_factory=list)

    @property
    def responses(self) -> dict[str, Any]:
        return self.operation.get("responses", {})


@dataclass
class Route:
    """A request target matched to a path template."""

    template: str
    path_params: dict[str, str]
    weak: bool  # a variable matched an empty segment, or the rest of a longer path


class Spec:
    """The loaded document with the questions the checker asks of it."""

    def __init__(self, document: dict[str, Any]):
        self.document = document
        self._registry = Registry().with_resource(
            DOCUMENT_URI, Resource(contents=document, specification=DRAFT202012)
        )
        self._validators: dict[str, Draft202012Validator] = {}

    @classmethod
    def load(cls, path: Path | str = DEFAULT_SPEC) -> "Spec":
        with open(path, encoding="utf-8") as handle:
            return cls(yaml.safe_load(handle))

    # -- references ---------------------------------------------------------

    def lookup(self, pointer: str) -> Any:
        """The value at a local JSON pointer (`#/a/b` or `/a/b`)."""
        node: Any = self.document
        for token in pointer.lstrip("#").split("/")[1:]:
            token = unescape_pointer(token)
            node = node[int(token)] if isinstance(node, list) else node[token]
        return node

    def deref(self, node: Any, pointer: str) -> tuple[Any, str]:
        """Follows `$ref`s to the object they name; `summary` and `description`
        written beside a `$ref` override the referenced ones (OpenAPI 3.1)."""
        overrides: dict[str, Any] = {}
        hops = 0
        while isinstance(node, dict) and "$ref" in node:
            for key in ("summary", "description"):
                if key in node and key not in overrides:
                    overrides[key] = node[key]
            reference = node["$ref"]
            if not reference.startswith("#/"):
                raise ValueError(f"{pointer}: only local references are supported, not {reference}")
            pointer = reference[1:]
            node = self.lookup(pointer)
            hops += 1
            if hops > 32:
                raise ValueError(f"{pointer}: reference cycle")
        if overrides and isinstance(node, dict):
            node = {**node, **overrides}
        return node, pointer

    def validator(self, schema_pointer: str) -> Draft202012Validator:
        """A Draft 2020-12 validator for the schema at a pointer into the document;
        its `$ref`s resolve against the whole document."""
        if schema_pointer not in self._validators:
            schema = {"$ref": f"{DOCUMENT_URI}#{schema_pointer}"}
            self._validators[schema_pointer] = Draft202012Validator(schema, registry=self._registry)
        return self._validators[schema_pointer]

    # -- operations and routing ---------------------------------------------

    def operations(self) -> Iterator[Operation]:
        for template, item in self.document.get("paths", {}).items():
            for method in METHODS:
                if method in item:
                    yield self._operation(template, method)

    def _operation(self, template: str, method: str) -> Operation:
        item = self.document["paths"][template]
        pointer = f"/paths/{escape_pointer(template)}/{method}"
        operation = item[method]
        parameters: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
        for base, owner in ((f"/paths/{escape_pointer(template)}", item), (pointer, operation)):
            for index, raw in enumerate(owner.get("parameters", [])):
                parameter, where = self.deref(raw, f"{base}/parameters/{index}")
                parameters[(parameter["name"], parameter["in"])] = (parameter, where)
        return Operation(
            key=operation.get("operationId", f"{method.upper()} {template}"),
            template=template,
            method=method,
            operation=operation,
            pointer=pointer,
            parameters=list(parameters.values()),
        )

    def allowed_methods(self, template: str) -> set[str]:
        item = self.document["paths"][template]
        allowed = {method.upper() for method in METHODS if method in item}
        if "GET" in allowed:
            allowed.add("HEAD")
        return allowed

    def route(self, path: str) -> Route | None:
        """The template a path matches; literal segments beat variables. When
        none matches exactly, a template ending in a variable may take the rest
        of the path, slashes included, as a weak match: `/v1/cursors/a/b` is
        either an unknown path or the cursor named `a/b` (an invalid name)."""
        segments = path.split("/")
        best: tuple[tuple[bool, int], Route] | None = None
        for template in self.document.get("paths", {}):
            pattern = template.split("/")
            greedy = len(segments) > len(pattern) and pattern[-1].startswith("{")
            if len(pattern) != len(segments) and not greedy:
                continue
            params: dict[str, str] = {}
            literals = 0
            for index, expected in enumerate(pattern):
                actual = "/".join(segments[index:]) if greedy and index == len(pattern) - 1 else segments[index]
                variable = re.fullmatch(r"\{([^}]+)\}", expected)
                if variable:
                    params[variable.group(1)] = actual
                elif expected == actual:
                    literals += 1
                else:
                    break
            else:
                weak = greedy or any(value == "" for value in params.values())
                rank = (not weak, literals)
                if best is None or rank > best[0]:
                    best = (rank, Route(template, params, weak))
        return best[1] if best else None

    def resolve(self, method: str, path: str) -> tuple[Operation | None, Route | None]:
        """The operation serving `method path` (HEAD is served by GET), or None
        with the route when the path exists but the method does not."""
        route = self.route(path)
        if route is None:
            return None, None
        item = self.document["paths"][route.template]
        name = method.lower()
        if name in item:
            return self._operation(route.template, name), route
        if name == "head" and "get" in item:
            return self._operation(route.template, "get"), route
        return None, route

    def unrouted(self, key: str, statuses: dict[str, str]) -> Operation:
        """A pseudo-operation whose responses are shared `components/responses`."""
        responses = {status: {"$ref": f"#/components/responses/{name}"} for status, name in statuses.items()}
        return Operation(key=key, template=None, method="", operation={"responses": responses}, pointer="")

    def documented_pairs(self) -> list[tuple[str, str]]:
        return [(op.key, status) for op in self.operations() for status in op.responses]

    def problem_codes(self) -> list[str]:
        return list(self.lookup("/components/schemas/Problem/properties/code/enum"))


def path_variants(path: str) -> list[str]:
    """The raw path and, when it differs, its percent-decoded form: the server
    may route on either (libmicrohttpd decodes the path before the handler)."""
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return [path]
    return [path] if decoded == path else [path, decoded]


def strict_json(data: bytes) -> Any:
    """Parses UTF-8 JSON, refusing duplicate keys and NaN/Infinity."""

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        result: dict[str, Any] = {}
        for key, value in items:
            if key in result:
                raise ValueError(f"duplicate key {key!r}")
            result[key] = value
        return result

    def constant(name: str) -> Any:
        raise ValueError(f"{name} is not JSON")

    return json.loads(data.decode("utf-8"), object_pairs_hook=pairs, parse_constant=constant)
