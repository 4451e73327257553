"""Checks on 2xx bodies that a JSON Schema cannot express: fields that must
agree with each other, with the request, or with a response header."""

from __future__ import annotations

from typing import Any, Callable
from urllib.parse import unquote

Check = Callable[[Any, Any, Any, dict[str, list[str]]], list[str]]


def _integer(text: str | None) -> int | None:
    return int(text) if text is not None and text.isascii() and text.isdigit() else None


def _single(query: dict[str, list[str]], name: str) -> str | None:
    values = query.get(name)
    return values[0] if values and len(values) == 1 else None


def _ascending(values: list[int], what: str) -> list[str]:
    for before, after in zip(values, values[1:]):
        if after <= before:
            return [f"{what} are not strictly ascending ({before} then {after})"]
    return []


def _append(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    errors: list[str] = []
    if "records" in body:
        offsets = [record["offset"] for record in body["records"]]
        errors += _ascending(offsets, "batch offsets")
        first, last = offsets[0], offsets[-1]
    else:
        first = last = body["offset"]
    if body["next"] <= last:
        errors.append(f"next {body['next']} is not past the last appended offset {last}")
    location = exchange.headers.get("location")
    if location is not None and location != f"/v1/records/{first}":
        errors.append(f"Location {location!r} does not name the (first) appended record /v1/records/{first}")
    return errors


def _read(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    errors: list[str] = []
    records, next_offset = body["records"], body["next"]
    offsets = [record["offset"] for record in records]
    errors += _ascending(offsets, "record offsets")
    if body["start"] > body["end"]:
        errors.append(f"start {body['start']} is past end {body['end']}")
    if next_offset > body["end"]:
        errors.append(f"next {next_offset} is past end {body['end']}")
    if offsets and next_offset <= offsets[-1]:
        errors.append(f"next {next_offset} is not past the last record's offset {offsets[-1]}")
    limit = _integer(_single(query, "limit")) or 100
    if len(records) > limit:
        errors.append(f"{len(records)} records returned with limit {limit}")
    start_at = _integer(_single(query, "from"))
    if start_at is not None:
        if offsets and offsets[0] != start_at:
            errors.append(f"the first record is at {offsets[0]}, not at from={start_at}")
        if not offsets and next_offset != start_at:
            errors.append(f"no records, yet next {next_offset} differs from from={start_at}")
    return errors


def _record(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    errors: list[str] = []
    requested = _integer(route.path_params.get("offset"))
    if requested is not None and body["offset"] != requested:
        errors.append(f"the record's offset {body['offset']} is not the requested {requested}")
    etag = exchange.headers.get("etag")
    if etag is not None and etag != f'"{body["blake3"]}"':
        errors.append(f"ETag {etag} is not the record's blake3 in quotes")
    return errors


def _cursor(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    requested = unquote(route.path_params.get("name", ""))
    if body["name"] != requested:
        return [f"the cursor's name {body['name']!r} is not the requested {requested!r}"]
    return []


def _cursors(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    names = [cursor["name"] for cursor in body["cursors"]]
    for before, after in zip(names, names[1:]):
        if after <= before:
            return [f"cursors are not sorted by name with no repeats ({before!r} then {after!r})"]
    return []


def _segments(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    errors: list[str] = []
    segments = body["segments"]
    for segment in segments:
        if segment["name"] != f"{segment['base']:016x}.wal":
            errors.append(f"segment {segment['name']!r} is not named after its base {segment['base']}")
        if segment["end"] < segment["base"]:
            errors.append(f"segment {segment['name']!r} ends ({segment['end']}) before its base")
    for before, after in zip(segments, segments[1:]):
        if before["end"] != after["base"]:
            errors.append(f"segment {before['name']!r} ends at {before['end']} but the next starts at {after['base']}")
        if not before["sealed"]:
            errors.append(f"segment {before['name']!r} is not the last yet not sealed")
    return errors


def _cleanup(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    errors: list[str] = []
    requested = {"true": True, "false": False}.get(_single(query, "dry_run") or "false")
    if requested is not None and body["dry_run"] != requested:
        errors.append(f"dry_run {body['dry_run']} does not echo the request's dry_run={requested}")
    errors += _ascending([segment["base"] for segment in body["deleted"]], "deleted bases")
    if not body["dry_run"]:
        for segment in body["deleted"]:
            if segment["end"] > body["start"]:
                errors.append(f"deleted segment ending at {segment['end']} is not below the new start {body['start']}")
    return errors


def _journal(exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    if body["start"] > body["end"]:
        return [f"start {body['start']} is past end {body['end']}"]
    return []


CHECKS: dict[str, Check] = {
    "appendRecords": _append,
    "readRecords": _read,
    "readRecord": _record,
    "getCursor": _cursor,
    "putCursor": _cursor,
    "listCursors": _cursors,
    "listSegments": _segments,
    "cleanupSegments": _cleanup,
    "getJournal": _journal,
}


def check(operation: str, exchange: Any, body: Any, route: Any, query: dict[str, list[str]]) -> list[str]:
    """Errors in a successful JSON response; none when there is no such check.
    A body that failed its schema is skipped here (the schema error says why)."""
    if not 200 <= exchange.status < 300 or body is None or operation not in CHECKS:
        return []
    try:
        return CHECKS[operation](exchange, body, route, query)
    except (KeyError, TypeError, IndexError, AttributeError):
        return []
