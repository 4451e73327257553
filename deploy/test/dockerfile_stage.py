#!/usr/bin/env python3
"""Reads docker/Dockerfile so the runtime-stage test needs no second copy of it.

    dockerfile_stage.py DOCKERFILE shell   prints bash assignments describing the
                                           build command and the runtime stage
    dockerfile_stage.py DOCKERFILE check   checks what the image promises (non-root
                                           user, volume, port, health check, stop
                                           signal, OCI labels); exit 1 on a miss

Only the subset of the Dockerfile syntax that file uses is understood:
continuation lines, comments, FROM ... AS, RUN, COPY [--from=STAGE], ENV
KEY=VALUE, USER, WORKDIR, VOLUME, EXPOSE, STOPSIGNAL, HEALTHCHECK, LABEL,
ENTRYPOINT and CMD in exec (JSON) form.
"""
import json
import re
import shlex
import sys


def instructions(text):
    """(keyword, arguments) pairs, continuation lines joined, comments dropped."""
    result, pending = [], ""
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("#") or (not line and pending):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        line = pending + line
        pending = ""
        if line:
            keyword, _, rest = line.partition(" ")
            result.append((keyword.upper(), rest.strip()))
    return result


def stages(text):
    """The stages in order: dicts with name, base and their instructions."""
    found, current = [], None
    for keyword, rest in instructions(text):
        if keyword == "FROM":
            words = rest.split()
            current = {"base": words[0], "name": words[2] if len(words) > 2 else str(len(found)), "steps": []}
            found.append(current)
        elif current is not None:
            current["steps"].append((keyword, rest))
    return found


def commands(run):
    """The commands of a RUN line, split at `&&`."""
    return [part.strip() for part in run.split("&&")]


def build_facts(stage):
    for keyword, rest in stage["steps"]:
        if keyword != "RUN" or "swift build" not in rest:
            continue
        build = next(c for c in commands(rest) if c.startswith("swift build") and "--product" in c)
        strip = next((c for c in commands(rest) if c.startswith("strip ")), None)
        flags = shlex.split(build)[2:]
        strip_words = shlex.split(strip)[:-1] if strip else []
        return flags, strip_words
    raise SystemExit("dockerfile_stage: no `swift build ... --product` in the build stage")


def runtime_facts(stage):
    facts = {"run": [], "env": [], "copy": [], "labels": {}, "packages": []}
    for keyword, rest in stage["steps"]:
        if keyword == "RUN":
            facts["run"].append(rest)
            for command in commands(rest):
                words = shlex.split(command)
                if words[:2] == ["apt-get", "install"]:
                    facts["packages"] += [w for w in words[2:] if not w.startswith("-")]
        elif keyword == "ENV":
            facts["env"] += shlex.split(rest)
        elif keyword == "COPY":
            words = shlex.split(rest)
            origin = next((w.split("=", 1)[1] for w in words if w.startswith("--from=")), "context")
            paths = [w for w in words if not w.startswith("--")]
            facts["copy"].append((origin, paths[0], paths[1]))
        elif keyword == "LABEL":
            for word in shlex.split(rest):
                key, _, value = word.partition("=")
                facts["labels"][key] = value
        elif keyword in ("ENTRYPOINT", "CMD"):
            facts[keyword.lower()] = json.loads(rest)
        elif keyword == "HEALTHCHECK":
            facts["healthcheck"] = json.loads(rest.split(" CMD ", 1)[1])
        elif keyword == "VOLUME":
            facts["volume"] = json.loads(rest) if rest.startswith("[") else rest.split()
        else:
            facts[keyword.lower()] = rest
    return facts


def emit_shell(build, runtime):
    flags, strip = build_facts(build)
    facts = runtime_facts(runtime)
    arrays = {
        "BUILD_FLAGS": flags, "BUILD_STRIP": strip, "RUNTIME_RUN": facts["run"],
        "RUNTIME_PACKAGES": facts["packages"], "RUNTIME_ENV": facts["env"],
        "RUNTIME_COPY": ["|".join(c) for c in facts["copy"]],
        "RUNTIME_COMMAND": facts.get("entrypoint", []) + facts.get("cmd", []),
        "RUNTIME_HEALTHCHECK": facts.get("healthcheck", []),
    }
    for name, values in arrays.items():
        print(f"{name}=({' '.join(shlex.quote(v) for v in values)})")
    print(f"RUNTIME_BASE={shlex.quote(runtime['base'])}")
    print(f"RUNTIME_USER={shlex.quote(facts.get('user', ''))}")
    print(f"RUNTIME_WORKDIR={shlex.quote(facts.get('workdir', '/'))}")


def check(build, runtime):
    facts = runtime_facts(runtime)
    env = dict(item.split("=", 1) for item in facts["env"])
    problems = []
    user = facts.get("user", "")
    if not re.fullmatch(r"[1-9][0-9]*(:[0-9]+)?", user):
        problems.append(f"USER must be a numeric non-root uid (for runAsNonRoot), not {user!r}")
    if env.get("STELE_HOST") != "0.0.0.0":
        problems.append("ENV STELE_HOST=0.0.0.0 is missing: the server binds 127.0.0.1 by default")
    if env.get("STELE_DATA_DIR") not in facts.get("volume", []):
        problems.append("the VOLUME must be STELE_DATA_DIR")
    if facts.get("expose") != env.get("STELE_PORT"):
        problems.append("EXPOSE must be STELE_PORT")
    if facts.get("stopsignal") != "SIGTERM":
        problems.append("STOPSIGNAL must be SIGTERM (the graceful shutdown)")
    if not facts.get("healthcheck"):
        problems.append("no HEALTHCHECK")
    for key in ("title", "description", "version", "revision"):
        if f"org.opencontainers.image.{key}" not in facts["labels"]:
            problems.append(f"no OCI label org.opencontainers.image.{key}")
    if "--static-swift-stdlib" not in build_facts(build)[0]:
        problems.append("the build must link the Swift standard library statically")
    if not runtime["base"].startswith("debian:") or "slim" not in runtime["base"]:
        problems.append("the runtime stage must be a slim Debian image")
    for problem in problems:
        print(f"docker/Dockerfile: {problem}", file=sys.stderr)
    if not problems:
        print(f"docker/Dockerfile: runtime stage {runtime['base']} with {' '.join(facts['packages'])}: ok")
    return 1 if problems else 0


def main():
    if len(sys.argv) != 3 or sys.argv[2] not in ("shell", "check"):
        raise SystemExit(__doc__)
    with open(sys.argv[1], encoding="utf-8") as file:
        found = stages(file.read())
    if len(found) < 2:
        raise SystemExit("dockerfile_stage: expected a build stage and a runtime stage")
    build, runtime = found[0], found[-1]
    if sys.argv[2] == "shell":
        emit_shell(build, runtime)
        return 0
    return check(build, runtime)


if __name__ == "__main__":
    sys.exit(main())
