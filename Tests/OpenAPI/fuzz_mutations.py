"""The API fuzzer's mutations: each takes a valid draft (fuzz_generator.Draft)
and breaks one thing about it, guided by the plan's parameter and body schemas:
wrong types and odd numbers, missing, unknown and duplicated parameters,
percent-encoding oddities, long values, wrong or missing Content-Type, invalid
bodies, bodies over the limits, wrong methods, odd `Accept` headers, unusual
framing (chunked, conflicting lengths, Expect, HTTP/1.0, no Host), large
headers, unknown paths and, when tokens are configured, bad credentials.

A mutation returns False when it does not apply to the draft."""

from __future__ import annotations

import json
from typing import Callable

from fuzz_generator import Draft, Generator, Param, json_bytes, random_json

BAD_INTEGERS = [
    "-1", "1.5", "1e3", "abc", "", "0x10", "%2B1", "%201", "1%20", "18446744073709551616", "18446744073709551615",
    "9223372036854775808", "99999999999999999999999999", "-0", "0.0", "NaN", "Infinity", "%D9%A1", "%EF%BC%90",
    "%31", "1%00", "%zz", "%", "true", "%5B1%5D", "000000000000000000000001", "1,2", "1;2", "..", "%2F",
]
BAD_BOOLEANS = [
    "1", "0", "", "yes", "no", "TRUE", "True", "null", "%74rue", "true%00", "tru", "truee", "%20true", "false%20",
]
BAD_STRINGS = [
    "..", ".", "...", "a%2Fb", "a/b", "%00", "a%00b", "%zz", "%", "%C3%28", "%ff", "%C3%A9", "a%20b", "+", "a+b",
    "x" * 129, "%2E%2E", "..%2F..%2Fjournal", "a:b", "a@b", "~", "a%0Ab", "%E2%80%A8", "%2E", "a%2E%2Eb",
]
ODDITIES = ["%00", "%2F", "..", "%zz", "%", "%2", "%C3%28", "+", "%2B", "%26", "%3D", "%25", "&", "=", ";", "%0D%0A"]
CONTENT_TYPES = [
    None, "text/plain", "application/xml", "APPLICATION/JSON", "application/jsonx", "application/", "", ";",
    "multipart/form-data; boundary=x", "application/x-www-form-urlencoded", "application/ndjson", "*/*",
    "application/json, text/plain", "application/octet-stream", "application/x-ndjson", "application/json;;;",
    "application/problem+json", " application/json", "application/json; charset=latin-1",
]
ACCEPTS = [
    "text/html", "application/xml", "*/*;q=0", "application/json;q=0", "", ",,,", "image/*", "text/*",
    "application/octet-stream, application/json", "APPLICATION/JSON", "application/octet-stream;q=0",
    ", ".join(f"type{index}/sub{index}" for index in range(40)), "application/*", "application",
]
METHODS = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT", "FOO", "PROPFIND", "M-SEARCH",
]
BAD_JSON = [
    b"\xff\xfe", b'"\xc3\x28"', b'"\xed\xa0\x80"', b'"\\ud800"', b'["\\udc00x"]', b'{"a":1,"a":2}', b'{"a":', b"[1,",
    b'"a\\u0000b"', b'{"\\u0000":1}', b'"a\x00b"',
    b"", b"   ", b"\xef\xbb\xbf{}", b"NaN", b"Infinity", b"-", b"1e999", b"-1e999", b"123456789012345678901234567890",
    b"{} {}", b"[1,]", b"{'a':1}", b"\"\\x41\"", b"tru", b"nul", b"01", b"\"\\u00\"", b"\"a\nb\"", b"/*c*/1",
]
BAD_CURSOR_UPDATES = [
    {"offset": "1"}, {"offset": -1}, {"offset": 1.5}, {}, [], None, 0, {"offset": 0, "extra": 1}, {"Offset": 0},
    {"offset": True}, {"offset": None}, {"offset": [0]}, {"offset": {"n": 0}}, {"offset": 2**64}, {"offset": 2**63},
]
UNKNOWN_PATHS = [
    "/", "/v1", "/v1/", "/v2/records", "/V1/records", "/v1/records/", "/v1/records//", "//v1/records", "/v1//records",
    "/v1/records/0/x", "/v1/cursors//a", "/v1/segments/", "/v1/segments/cleanup/", "/v1/segments/x", "/v1/journal/",
    "/healthz/", "/HEALTHZ", "/metrics.txt", "/v1/re%63ords", "/v1/records/..", "/v1/records/../journal",
    "/./v1/journal", "/v1/journal%00", "/v1/journal%2F", "%2Fv1%2Fjournal", "/v1/journal;x", "/favicon.ico", "*",
    "/v1/journal/..", "/%zz", "/v1/cursors",
]


def _params(draft: Draft, *locations: str) -> list[Param]:
    return [param for param in draft.plan.params if param.location in locations]


def _set_query(draft: Draft, name: str, value: str | None) -> None:
    draft.query = [(key, old) for key, old in draft.query if key != name] + [(name, value)]


def _bad_for(param: Param) -> list[str]:
    kind = param.schema.get("type")
    return BAD_INTEGERS if kind == "integer" else BAD_BOOLEANS if kind == "boolean" else BAD_STRINGS


def bad_value(g: Generator, draft: Draft) -> bool:
    """A path, query or header parameter with a value its schema refuses."""
    params = _params(draft, "path", "query", "header")
    if not params:
        return False
    param = g.rng.choice(params)
    value = g.rng.choice(_bad_for(param))
    if param.location == "path":
        draft.path[param.name] = value
    elif param.location == "query":
        _set_query(draft, param.name, None if param.schema.get("type") == "boolean" and g.rng.random() < 0.2 else value)
    else:
        draft.headers = [(key, old) for key, old in draft.headers if key != param.name]
        draft.headers.append((param.name, g.rng.choice(["", "x", '"', "*, *", "W/"])))
    return True


def missing_required(g: Generator, draft: Draft) -> bool:
    """A required path parameter left empty, or a required body left out."""
    paths = _params(draft, "path")
    if paths and (not draft.plan.body_required or g.rng.random() < 0.5):
        draft.path[g.rng.choice(paths).name] = ""
        return True
    if draft.plan.body_required:
        draft.body = b""
        return True
    return False


def unknown_param(g: Generator, draft: Draft) -> bool:
    name = g.rng.choice(["zzz", "x", "From", "LIMIT", "from%00", "%zz", "a%5B%5D", "_", "%3D", "force ", "dry-run"])
    draft.query.append((name.replace(" ", "%20"), g.rng.choice(["1", "", None, "%zz", "true"])))
    return True


def duplicate_param(g: Generator, draft: Draft) -> bool:
    params = _params(draft, "query")
    if not params:
        return False
    param = g.rng.choice(params)
    first = g.rng.choice([str(g.value(draft.plan, param)).lower(), g.rng.choice(_bad_for(param))])
    second = g.rng.choice([str(g.value(draft.plan, param)).lower(), g.rng.choice(_bad_for(param))])
    draft.query = [(key, value) for key, value in draft.query if key != param.name]
    draft.query += [(param.name, first), (param.name, second)]
    g.rng.shuffle(draft.query)
    return True


def encoding_oddity(g: Generator, draft: Draft) -> bool:
    """`%00`, `%2F`, `..`, `%zz`, … spliced into a path segment or a query value."""
    oddity = g.rng.choice(ODDITIES)
    paths = _params(draft, "path")
    if paths and g.rng.random() < 0.5:
        name = g.rng.choice(paths).name
        value = draft.path.get(name, "")
        draft.path[name] = g.rng.choice([oddity + value, value + oddity, oddity])
        return True
    if draft.query:
        index = g.rng.randrange(len(draft.query))
        name, value = draft.query[index]
        draft.query[index] = (name, (value or "") + oddity) if g.rng.random() < 0.7 else (name + oddity, value)
    elif g.rng.random() < 0.2:
        draft.notes["empty_query"] = True  # a bare `?`
    else:
        draft.query.append((g.rng.choice(["a", oddity]), oddity))
    return True


def long_value(g: Generator, draft: Draft) -> bool:
    """A value a few hundred bytes long, or past the target limit (2 KiB: 414)
    or past the connection's memory (4 KiB: libmicrohttpd's own 414)."""
    length = g.rng.choice([300, 1500, 2100, 3000, 4500])
    filler = g.rng.choice(["9", "a", "%41", "."]) * (length // 3 if g.rng.random() < 0.2 else length)
    paths = _params(draft, "path")
    if paths and g.rng.random() < 0.5:
        draft.path[g.rng.choice(paths).name] = filler
    elif draft.query and g.rng.random() < 0.7:
        index = g.rng.randrange(len(draft.query))
        draft.query[index] = (draft.query[index][0], filler)
    else:
        draft.query.append(("pad", filler))
    return True


def content_type(g: Generator, draft: Draft) -> bool:
    """A wrong, odd or missing Content-Type; on an operation without a body, one with a body."""
    draft.content_type = g.rng.choice([value for value in CONTENT_TYPES if value != draft.content_type])
    if not draft.plan.bodies:
        draft.body = g.rng.choice([b"{}", b"x", json_bytes(g.rng, random_json(g.rng))])
    return True


def bad_body(g: Generator, draft: Draft) -> bool:
    """An invalid body for the media type sent."""
    if not draft.plan.bodies:
        return False
    media = (draft.content_type or "").split(";")[0].strip().lower()
    rng = g.rng
    if media.endswith("ndjson"):
        good = [json_bytes(rng, random_json(rng)).strip() for _ in range(rng.randint(0, 4))]
        bad = rng.choice(BAD_JSON + [b"  ", b"\t", b"[" * 200 + b"]" * 200]) or b"{"
        good.insert(rng.randint(0, len(good)), bad)
        draft.body = rng.choice([b"\n", b"\r\n"]).join(good) + rng.choice([b"\n", b""])
        if rng.random() < 0.1:
            draft.body = rng.choice([b"\n", b"\n\n\n", b"\r\n"])
    elif media == "application/octet-stream":
        draft.body = b""
    elif draft.plan.key == "putCursor" and rng.random() < 0.5:
        draft.body = json.dumps(rng.choice(BAD_CURSOR_UPDATES)).encode()
    else:
        roll = rng.random()
        if roll < 0.1:
            depth = rng.choice([129, 1000, 10000])
            draft.body = b"[" * depth + b"]" * depth if rng.random() < 0.5 else b'{"a":' * depth + b"1" + b"}" * depth
        elif roll < 0.2 and draft.body:
            draft.body = draft.body[: rng.randrange(len(draft.body))]  # truncated
        else:
            draft.body = rng.choice(BAD_JSON)
    return True


def over_limit(g: Generator, draft: Draft) -> bool:
    """A body over the request limit (413, sometimes with Expect: 100-continue),
    a record over the record limit, or a batch over the record count limit."""
    if not draft.plan.bodies:
        return False
    medias = [form.media for form in draft.plan.bodies]
    roll = g.rng.random()
    if roll < 0.4 or len(medias) == 1:
        draft.body = b"[" + b"1," * (g.limits["body"] // 2) + b"1]"
        draft.notes["expect_continue"] = g.rng.random() < 0.5
        if draft.notes["expect_continue"]:
            draft.headers.append(("Expect", "100-continue"))
        return True
    if roll < 0.7:
        media = g.rng.choice(medias)
        draft.content_type = media
        size = g.limits["record"] + g.rng.choice([1, 100])
        draft.body = json.dumps("a" * (size - 2)).encode() if "json" in media else b"\x01" * size
        return True
    if not any(media.endswith("ndjson") for media in medias):
        return False
    draft.content_type = next(media for media in medias if media.endswith("ndjson"))
    draft.body = b"1\n" * (g.limits["batch"] + 1)
    return True


def wrong_method(g: Generator, draft: Draft) -> bool:
    allowed = g.allowed(draft.plan.template)
    draft.method = g.rng.choice([method for method in METHODS if method not in allowed])
    return True


def odd_accept(g: Generator, draft: Draft) -> bool:
    draft.headers = [(name, value) for name, value in draft.headers if name.lower() != "accept"]
    draft.headers.append(("Accept", g.rng.choice(ACCEPTS)))
    return True


def framing(g: Generator, draft: Draft) -> bool:
    """Chunked bodies, both or conflicting length headers, an invalid
    Content-Length, Expect: 100-continue, HTTP/1.0, no Host, two Hosts."""
    rng, notes = g.rng, draft.notes
    body = draft.body or b"{}"
    notes["close"] = True
    variant = rng.choice(["chunked", "length+chunked", "two-lengths", "same-lengths", "bad-length", "expect",
                          "http/1.0", "no-host", "two-hosts", "connection-close"])
    notes["framing"] = variant
    if variant in ("chunked", "length+chunked"):
        pieces = [body[index:index + 7] for index in range(0, len(body), 7)]
        draft.body = b"".join(b"%x\r\n%s\r\n" % (len(piece), piece) for piece in pieces) + b"0\r\n\r\n"
        draft.headers.append(("Transfer-Encoding", "chunked"))
        if variant == "chunked":
            notes["length"] = False
        else:
            draft.headers.append(("Content-Length", str(len(body))))
            notes["length"] = False
    elif variant in ("two-lengths", "same-lengths"):
        draft.body = body
        other = len(body) - 1 if variant == "two-lengths" else len(body)
        draft.headers += [("Content-Length", str(len(body))), ("Content-Length", str(other))]
        notes["length"] = False
    elif variant == "bad-length":
        draft.body = b""
        value = rng.choice(["abc", "-1", "1.5", "0x10", "99999999999999999999999", "1 2"])
        draft.headers.append(("Content-Length", value))
        notes["length"] = False
    elif variant == "expect":
        draft.body = body if draft.plan.bodies else draft.body
        draft.headers.append(("Expect", "100-continue"))
        notes["expect_continue"] = True
    elif variant == "http/1.0":
        notes["version"] = "HTTP/1.0"
        notes["host"] = rng.random() < 0.5
    elif variant == "no-host":
        notes["host"] = False
    elif variant == "two-hosts":
        draft.headers.append(("Host", "example.org"))
    else:
        draft.headers.append(("Connection", "close"))
    return True


def big_headers(g: Generator, draft: Draft) -> bool:
    """One header past the header limit (3 KiB: 431) or the connection's memory
    (4 KiB: libmicrohttpd's own 431), or many small ones."""
    roll = g.rng.random()
    if roll < 0.6:
        draft.headers.append(("X-Fuzz", "v" * g.rng.choice([1000, 3100, 5000])))
    else:
        count = g.rng.choice([20, 60, 200])
        draft.headers += [(f"X-Fuzz-{index}", "w" * 40) for index in range(count)]
    draft.notes["close"] = True
    return True


def unknown_path(g: Generator, draft: Draft) -> bool:
    roll = g.rng.random()
    if roll < 0.1:  # absolute-form (RFC 9112, section 3.2.2): a server must accept it
        draft.prefix = g.rng.choice(["http://127.0.0.1", "http://example.org"])
        return True
    draft.path_override = g.rng.choice(UNKNOWN_PATHS)
    return True


def bad_credentials(g: Generator, draft: Draft) -> bool:
    """No token, an unknown one, another scheme, a token of too small a scope,
    or odd spellings of a valid one (scheme case and spaces are allowed)."""
    if not g.tokens:
        return False
    draft.headers = [(name, value) for name, value in draft.headers if name.lower() != "authorization"]
    name = g.rng.choice(sorted(g.tokens))
    token = g.tokens[name][0]
    variants: list[tuple[str | None, str | None, bool]] = [  # (header, token granted, ambiguous)
        (None, None, False), ("Bearer", None, False), ("Bearer ", None, False), ("Basic dXNlcjpwYXNz", None, False),
        ("Bearer " + "u" * 32, None, False), (f"Bearer {token}x", None, False), (f"Bearer {token[:-1]}", None, False),
        (f"Token {token}", None, False), (f"bearer {token}", name, False), (f"BEARER {token}", name, False),
        (f"Bearer  {token}", name, False), (f"Bearer {token} extra", None, True),
        ("Bearer %s" % token.upper(), None, False),
    ]
    header, granted, ambiguous = g.rng.choice(variants)
    if header is not None:
        draft.headers.append(("Authorization", header))
    if g.rng.random() < 0.1:  # two Authorization fields
        draft.headers.append(("Authorization", f"Bearer {token}"))
        ambiguous = True
    draft.notes["token"] = granted
    draft.notes["auth_ambiguous"] = ambiguous
    return True


Mutation = Callable[[Generator, Draft], bool]
MUTATIONS: list[tuple[str, float, Mutation]] = [
    ("bad-value", 4, bad_value), ("missing-required", 1, missing_required), ("unknown-param", 1, unknown_param),
    ("duplicate-param", 1, duplicate_param), ("encoding-oddity", 2, encoding_oddity), ("long-value", 1, long_value),
    ("content-type", 1.5, content_type), ("bad-body", 3, bad_body), ("over-limit", 1, over_limit),
    ("wrong-method", 1.5, wrong_method), ("odd-accept", 1, odd_accept), ("framing", 2, framing),
    ("big-headers", 0.7, big_headers), ("unknown-path", 1.5, unknown_path), ("bad-credentials", 3, bad_credentials),
]


def mutate(g: Generator, draft: Draft) -> str:
    """Applies one mutation that fits the draft; returns its name."""
    names = [name for name, _, _ in MUTATIONS]
    weights = [weight for _, weight, _ in MUTATIONS]
    functions = {name: function for name, _, function in MUTATIONS}
    for _ in range(20):
        name = g.rng.choices(names, weights)[0]
        if functions[name](g, draft):
            return name
    unknown_param(g, draft)
    return "unknown-param"
