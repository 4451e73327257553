#!/usr/bin/env python3
"""Validates openapi.yaml: first against the OpenAPI 3.1 schema with
openapi-spec-validator, then against the project's own rules for it.

    python3 Tests/OpenAPI/validate_spec.py [openapi.yaml]

The project's rules: every operation has an operationId, a summary, a
description and a security requirement; every 4xx/5xx response is an
application/problem+json Problem whose codes are narrowed in its schema and
named in its description; every stable code is used somewhere; the headers
the contract requires are declared. Exit status 1 on any failure.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Iterator

from openapi_spec_validator import OpenAPIV31SpecValidator

from openapi_model import DEFAULT_SPEC, Spec, escape_pointer

PROBLEM_JSON = "application/problem+json"
# Status -> header every response of that status must declare (the contract's).
REQUIRED_HEADERS = {"201": "Location", "401": "WWW-Authenticate", "405": "Allow", "507": "Retry-After"}


def openapi_errors(document: dict[str, Any]) -> list[str]:
    errors = []
    try:
        for error in OpenAPIV31SpecValidator(document).iter_errors():
            where = "/".join(str(part) for part in error.absolute_path) or "(root)"
            errors.append(f"openapi: at {where}: {error.message}")
    except Exception as error:  # a dangling $ref; its message goes on to print the whole document
        errors.append(f"openapi: {type(error).__name__}: {str(error).split(' within ', 1)[0][:300]}")
    return errors


def operation_errors(spec: Spec) -> list[str]:
    """openapi-spec-validator checks operationIds are unique, not that they exist."""
    errors = []
    for operation in spec.operations():
        where = f"{operation.method.upper()} {operation.template}"
        for key in ("operationId", "summary", "description", "security"):
            if key not in operation.operation:
                errors.append(f"{where}: no {key}")
    return errors


def narrowed_codes(spec: Spec, schema: Any, pointer: str) -> list[str] | None:
    """The codes a problem schema allows beyond the Problem enum: the `const`
    or `enum` on `code` in an allOf part; None when it does not narrow them."""
    schema, pointer = spec.deref(schema, pointer)
    for part in schema.get("allOf", []):
        if "$ref" in part:
            continue  # Problem itself, with every code
        code = (part.get("properties") or {}).get("code") or {}
        if "const" in code:
            return [code["const"]]
        if "enum" in code:
            return list(code["enum"])
    return None


def responses(spec: Spec) -> Iterator[tuple[str, str, dict[str, Any], str]]:
    """(where, status, resolved response, its pointer) for every operation's
    response and every shared one."""
    for operation in spec.operations():
        for status, raw in operation.responses.items():
            response, pointer = spec.deref(raw, f"{operation.pointer}/responses/{status}")
            yield f"{operation.key} {status}", status, response, pointer
    for name, raw in (spec.document.get("components", {}).get("responses") or {}).items():
        response, pointer = spec.deref(raw, f"/components/responses/{name}")
        yield f"components/responses/{name}", "", response, pointer


def problem_errors(spec: Spec) -> list[str]:
    errors, used = [], set()
    stable = set(spec.problem_codes())
    for where, status, response, pointer in responses(spec):
        content = response.get("content") or {}
        if status[:1] in ("4", "5") and set(content) != {PROBLEM_JSON}:
            errors.append(f"{where}: a 4xx/5xx response must be {PROBLEM_JSON} only, not {sorted(content)}")
        if PROBLEM_JSON not in content:
            continue
        media_pointer = f"{pointer}/content/{escape_pointer(PROBLEM_JSON)}/schema"
        codes = narrowed_codes(spec, content[PROBLEM_JSON].get("schema", {}), media_pointer)
        if codes is None:
            errors.append(f"{where}: the problem schema does not narrow `code` to this response's codes")
            continue
        used.update(codes)
        for code in codes:
            if code not in stable:
                errors.append(f"{where}: code {code} is not one of Problem's stable codes")
            if f"`{code}`" not in response.get("description", ""):
                errors.append(f"{where}: the description does not name the code `{code}`")
    for code in sorted(stable - used):
        errors.append(f"Problem code {code} is returned by no response")
    return errors


def header_errors(spec: Spec) -> list[str]:
    errors = []
    for where, status, response, _ in responses(spec):
        header = REQUIRED_HEADERS.get(status)
        if header and header not in (response.get("headers") or {}):
            errors.append(f"{where}: does not declare the {header} header")
    return errors


def validate(document: dict[str, Any]) -> list[str]:
    errors = openapi_errors(document)
    if errors:
        return errors  # the rules below assume a well-formed document
    spec = Spec(document)
    return operation_errors(spec) + problem_errors(spec) + header_errors(spec)


def main(argv: list[str]) -> int:
    path = Path(argv[1]) if len(argv) > 1 else DEFAULT_SPEC
    try:
        spec = Spec.load(path)
        errors = validate(spec.document)
    except Exception as error:  # a YAML syntax error or a dangling reference
        errors = [f"{type(error).__name__}: {error}"]
    for error in errors:
        print(error, file=sys.stderr)
    if errors:
        print(f"{path}: {len(errors)} problem(s)", file=sys.stderr)
        return 1
    print(f"{path}: valid OpenAPI 3.1 ({sum(1 for _ in spec.operations())} operations)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
