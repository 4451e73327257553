#!/usr/bin/env python3
"""docs/operations.md's configuration table against `stele serve --help`.

    check_guide.py STELE_BINARY docs/operations.md

Every option the binary lists must have a row with its flag, its STELE_*
variable and its default (\"none\" when the help gives none), and the table
must name no option the binary does not have.
"""
import re
import subprocess
import sys


def help_options(binary):
    text = subprocess.run([binary, "serve", "--help"], check=True, capture_output=True, text=True, timeout=30).stdout
    options, current = {}, None
    for line in text.splitlines():
        match = re.match(r"\s{2}(--[a-z0-9-]+)", line)
        if match:
            current = match.group(1)
            options[current] = line
        elif current and line.startswith("   "):
            options[current] += " " + line.strip()
        else:
            current = None
    result = {}
    for flag, description in options.items():
        if flag == "--help":
            continue
        variable = re.search(r"\[env: (STELE_[A-Z_]+)\]", description)
        default = re.search(r"\(default: ([^)]*)\)", description)
        result[flag] = (variable.group(1) if variable else None, default.group(1).strip() if default else "none")
    return result


def guide_rows(path):
    rows = {}
    with open(path, encoding="utf-8") as file:
        for line in file:
            cells = [cell.strip().strip("`") for cell in line.strip().strip("|").split("|")]
            if len(cells) >= 4 and re.fullmatch(r"--[a-z][a-z0-9-]*", cells[0]):
                rows[cells[0]] = (cells[1], cells[2])
    return rows


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    options, rows = help_options(sys.argv[1]), guide_rows(sys.argv[2])
    problems = []
    for flag, (variable, default) in options.items():
        if flag not in rows:
            problems.append(f"{flag} ({variable}) is missing from the configuration table")
        elif rows[flag] != (variable, default):
            problems.append(f"{flag}: the guide says {rows[flag]}, --help says {(variable, default)}")
    problems += [f"{flag} is in the guide but not in stele serve --help" for flag in rows if flag not in options]
    for problem in problems:
        print(f"docs/operations.md: {problem}", file=sys.stderr)
    if not problems:
        print(f"docs/operations.md: the configuration table matches stele serve --help ({len(options)} options): ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
