"""The API fuzzer's values: the journal state learned from responses, values
drawn from JSON Schemas (with `Offset` and `CursorName` taken from that state
most of the time), and schema-free JSON, text and pattern-matching strings."""

from __future__ import annotations

import json
import random
import re
from typing import Any, Callable

from fuzz_http import Request
from openapi_model import Spec

COMPONENT = re.compile(r"^#/components/schemas/([^/]+)$")


def component(schema: Any) -> str | None:
    """The components/schemas entry a `$ref` schema names, if it is one."""
    if isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        match = COMPONENT.match(schema["$ref"])
        return match.group(1) if match else None
    return None


class State:
    """What the fuzzer knows of the journal, learned from responses only."""

    def __init__(self) -> None:
        self.records: dict[int, tuple[str, int | None]] = {}  # offset -> (blake3, next when known)
        self.start = 0
        self.end = 0
        self.cursors: dict[str, int] = {}

    def learn(self, operation: str, request: Request, status: int, body: Any) -> None:
        if not isinstance(body, dict):
            return
        try:
            self._learn(operation, request, status, body)
        except (KeyError, TypeError, ValueError):
            pass  # a body that breaks its schema: the checker reports it

    def _learn(self, operation: str, request: Request, status: int, body: dict[str, Any]) -> None:
        for name in ("start", "end"):  # problems carry them too
            if isinstance(body.get(name), int) and not (status == 200 and operation == "cleanupSegments"):
                setattr(self, name, body[name])
        if operation == "appendRecords" and status == 201:
            entries = body["records"] if "records" in body else [body]
            for entry, following in zip(entries, entries[1:] + [None]):
                self.remember(entry["offset"], entry["blake3"], following["offset"] if following else body["next"])
            self.end = max(self.end, body["next"])
        elif operation == "readRecords" and status == 200:
            records = body["records"]
            for entry, following in zip(records, records[1:] + [None]):
                self.remember(entry["offset"], entry["blake3"], following["offset"] if following else body["next"])
        elif operation == "readRecord" and status == 200 and "offset" in body:
            self.remember(body["offset"], body["blake3"], None)
        elif operation in ("putCursor", "getCursor") and status == 200:
            self.cursors[body["name"]] = body["offset"]
        elif operation == "listCursors" and status == 200:
            self.cursors = {cursor["name"]: cursor["offset"] for cursor in body["cursors"]}
        elif operation == "cleanupSegments" and status == 200 and not body["dry_run"]:
            self.start = body["start"]
            for offset in [offset for offset in self.records if offset < self.start]:
                del self.records[offset]

    def forget_cursor(self, name: str) -> None:
        self.cursors.pop(name, None)

    def remember(self, offset: int, blake3: str, following: int | None) -> None:
        known = self.records.get(offset)
        self.records[offset] = (blake3, following if following is not None else (known[1] if known else None))
        if len(self.records) > 4000:  # keep the newest, so memory stays bounded
            for old in sorted(self.records)[:1000]:
                del self.records[old]


class Values:
    """Values drawn from schemas; `Offset` and `CursorName` come from the state
    most of the time, so that they name records and cursors that exist."""

    def __init__(self, spec: Spec, rng: random.Random, state: State):
        self.spec, self.rng, self.state = spec, rng, state
        self.providers: dict[str, Callable[[], Any]] = {"Offset": self.offset, "CursorName": self.cursor_name}
        self.names: list[str] = []

    def of(self, schema: Any, depth: int = 0) -> Any:
        rng = self.rng
        if not isinstance(schema, dict):
            return random_json(rng)
        if "$ref" in schema:
            name = component(schema)
            if name in self.providers:
                return self.providers[name]()
            return self.of(self.spec.deref(schema, "")[0], depth)
        if "allOf" in schema:
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                part = self.spec.deref(part, "")[0]
                properties = {**merged.get("properties", {}), **part.get("properties", {})}
                merged = {**merged, **part, "properties": properties}
            return self.of(merged, depth)
        for key in ("oneOf", "anyOf"):
            if key in schema:
                return self.of(rng.choice(schema[key]), depth)
        if "const" in schema:
            return schema["const"]
        if "enum" in schema:
            return rng.choice(schema["enum"])
        kind = schema.get("type")
        if isinstance(kind, list):
            kind = rng.choice(kind)
        if kind == "integer":
            low = schema.get("minimum", -(2**31))
            high = schema.get("maximum", max(low, 0) + 2**31)
            near = rng.randint(low, min(high, low + 1000))
            return rng.choice([low, high, min(low + 1, high), near, rng.randint(low, high)])
        if kind == "number":
            return rng.choice([0, 0.5, -1.25, 1e300, rng.uniform(-1e6, 1e6)])
        if kind == "boolean":
            return rng.random() < 0.5
        if kind == "null":
            return None
        if kind == "string":
            if "pattern" in schema:
                return pattern_string(schema["pattern"], rng, schema.get("maxLength"))
            low, high = schema.get("minLength", 0), schema.get("maxLength", 24)
            return random_text(rng)[: max(low, min(high, 24))].ljust(low, "x")
        if kind == "array":
            count = rng.randint(schema.get("minItems", 0), min(schema.get("maxItems", 4), 4))
            return [self.of(schema.get("items", {}), depth + 1) for _ in range(count)]
        if kind == "object" or "properties" in schema:
            properties = schema.get("properties", {})
            required = set(schema.get("required", []))
            return {name: self.of(sub, depth + 1) for name, sub in properties.items()
                    if name in required or rng.random() < 0.5}
        return random_json(rng, depth)  # no type: any JSON value

    def offset(self) -> int:
        """A known record's offset, the start or end, inside a record, past the
        end, below the start, or anywhere: all valid `Offset`s, not all served."""
        rng, state = self.rng, self.state
        roll = rng.random()
        known = list(state.records)
        if roll < 0.5 and known:
            return rng.choice(known)
        if roll < 0.65:
            return state.end
        if roll < 0.72:
            return state.start
        if roll < 0.8 and known:
            offset = rng.choice(known)
            following = state.records[offset][1]
            return offset + (rng.randint(1, following - offset - 1) if following and following - offset > 1 else 1)
        if roll < 0.88:
            return state.end + rng.choice([1, 2, 100, 2**32])
        if roll < 0.93 and state.start > 0:
            return rng.randint(0, state.start - 1)
        return rng.choice([0, rng.randint(0, 2**63 - 1), 2**63 - 1])

    def cursor_name(self) -> str:
        """A cursor that exists, or one of a small pool of names (so names recur)."""
        rng, state = self.rng, self.state
        if state.cursors and rng.random() < 0.5:
            return rng.choice(sorted(state.cursors))
        if len(self.names) < 12 or rng.random() < 0.05:
            schema = self.spec.lookup("/components/schemas/CursorName")
            self.names.append(pattern_string(schema["pattern"], rng, None))
        return rng.choice(self.names)


# -- schema-free values ------------------------------------------------------

TEXT_PIECES = ["a", "Z", "0", " ", "-", "_", ".", '"', "\\", "/", "\n", "\t", "\x01", "\x7f", "é", "ß", "漢", "😀",
               "\u2028", "\ufeff", "\U0010ffff", "{", "}", "[", "]", ":", ",", "null"]


def random_text(rng: random.Random, length: int | None = None) -> str:
    """A short string of awkward characters. Never NUL: valid JSON by RFC 8259,
    but Stele refuses it (openapi.yaml), so it belongs to the mutations."""
    count = rng.randint(0, 12) if length is None else length
    letters = "abcdefghijklmnopqrstuvwxyz"
    return "".join(rng.choice(TEXT_PIECES) if rng.random() < 0.3 else rng.choice(letters) for _ in range(count))


def random_json(rng: random.Random, depth: int = 0) -> Any:
    """Any JSON value that is valid by RFC 8259: no lone surrogates, no NaN,
    integers within 64 bits, nesting at most 5 deep."""
    roll = rng.random()
    if depth >= 5 or roll < 0.5:
        return rng.choice([
            None, True, False, 0, -1, rng.randint(-(2**53), 2**53), rng.choice([2**63 - 1, -(2**63)]),
            rng.uniform(-1e6, 1e6), rng.choice([1e300, -2.5e-300, 0.1]), random_text(rng),
        ])
    if roll < 0.75:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng, rng.randint(0, 6)): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def json_bytes(rng: random.Random, value: Any) -> bytes:
    """`value` serialized one of several equivalent ways."""
    spacing = rng.choice([(",", ":"), (", ", ": "), (" , ", " : ")])
    text = json.dumps(value, ensure_ascii=rng.random() < 0.5, separators=spacing)
    if rng.random() < 0.1:
        text = rng.choice([" ", "\n", "\t", "\r\n"]) + text + rng.choice([" ", "\n", ""])
    return text.encode("utf-8")


def pattern_string(pattern: str, rng: random.Random, max_length: int | None) -> str:
    """A string matching `pattern`, for the simple patterns of this spec: a
    sequence of literals and character classes with quantifiers (lookaheads
    are checked, not generated). Lengths lean short, sometimes the longest."""
    body = re.sub(r"\(\?[!=][^)]*\)", "", pattern).lstrip("^").rstrip("$")
    tokens = re.findall(r"(\[[^\]]+\]|\\.|[^\[\\{*+?])(\{\d+(?:,\d*)?\}|[*+?])?", body)
    for _ in range(50):
        out = []
        for atom, quantifier in tokens:
            low, high = 1, 1
            if quantifier.startswith("{"):
                bounds = quantifier[1:-1].split(",")
                low = int(bounds[0])
                high = int(bounds[1]) if len(bounds) == 2 and bounds[1] else (low if len(bounds) == 1 else low + 16)
            elif quantifier:
                low, high = {"*": (0, 16), "+": (1, 16), "?": (0, 1)}[quantifier]
            if max_length is not None:
                high = min(high, max_length)
            count = high if rng.random() < 0.05 else rng.randint(low, max(low, min(high, low + 11)))
            choices = _class_characters(atom)
            out.append("".join(rng.choice(choices) for _ in range(count)))
        text = "".join(out)
        if re.search(pattern, text):
            return text
    raise ValueError(f"cannot generate a string for the pattern {pattern!r}")


def _class_characters(atom: str) -> str:
    if atom.startswith("\\"):
        return atom[1]
    if not atom.startswith("["):
        return atom
    inner, characters, index = atom[1:-1], [], 0
    while index < len(inner):
        if index + 2 < len(inner) and inner[index + 1] == "-":
            characters += [chr(code) for code in range(ord(inner[index]), ord(inner[index + 2]) + 1)]
            index += 3
        else:
            characters.append(inner[index + 1] if inner[index] == "\\" else inner[index])
            index += 2 if inner[index] == "\\" else 1
    return "".join(characters)
