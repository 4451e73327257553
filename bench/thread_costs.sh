#!/usr/bin/env bash
# What each of the server's threads spends per request: CPU time, context switches, migrations
# between CPUs and system calls (all of them, and the ones the request path makes), counted by
# `perf stat --per-thread` over 3 s of wrk against a fresh `stele serve` on 127.0.0.1.
# Counting is far steadier than req/s on a shared, noisy machine: use it to compare two builds.
#   STELE_BIN (default .build/release/stele)  DURABILITY (immediate)  CONNS (1)  EXTRA (serve flags)
#   MHD_INLINE=1: measure bench/build/mhd_fanout --inline-fsync instead (bare libmicrohttpd,
#   fdatasync inline on its polling thread, into a file that does not grow)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STELE_BIN=${STELE_BIN:-$ROOT/.build/release/stele}
DURABILITY=${DURABILITY:-immediate}
CONNS=${CONNS:-1}
BODY=${BODY_FILE:-$ROOT/../shared/bench/peers/body256.json}
for tool in perf wrk python3 curl; do command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }; done
TMP=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

PORT=$(free_port)
if [ "${MHD_INLINE:-0}" = 1 ]; then
  [ -x "$HERE/build/mhd_fanout" ] || { echo "missing: bench/build/mhd_fanout (make bench-http builds it)" >&2; exit 1; }
  "$HERE/build/mhd_fanout" --inline-fsync "$TMP/inline.dat" "$PORT" >"$TMP/server.log" 2>&1 &
  LABEL="mhd_fanout --inline-fsync"
else
  [ -x "$STELE_BIN" ] || { echo "missing: $STELE_BIN (make build)" >&2; exit 1; }
  "$STELE_BIN" serve --data-dir "$TMP/data" --host 127.0.0.1 --port "$PORT" --durability "$DURABILITY" ${EXTRA:-} >"$TMP/server.log" 2>&1 &
  LABEL="stele $DURABILITY"
fi
SERVER=$!; PIDS+=("$SERVER")
for _ in $(seq 300); do
  curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$PORT/v1/journal" && break
  kill -0 "$SERVER" 2>/dev/null || { cat "$TMP/server.log" >&2; exit 1; }
  sleep 0.05
done
threads=2; [ "$CONNS" -lt 2 ] && threads=1
BODY_FILE=$BODY wrk -t"$threads" -c"$CONNS" -d6s -s "$HERE/wrk.lua" "http://127.0.0.1:$PORT/v1/records" >"$TMP/wrk.txt" &
WRK=$!; PIDS+=("$WRK")
sleep 1.5
events=task-clock,context-switches,cpu-migrations,raw_syscalls:sys_enter
for call in epoll_wait epoll_ctl poll futex recvfrom sendmsg pwrite64 pwritev fdatasync write read; do
  events+=",syscalls:sys_enter_$call"
done
perf stat -e "$events" --per-thread -p "$SERVER" -x, -o "$TMP/perf.txt" -- sleep 3
wait "$WRK"
rps=$(awk '/Requests\/sec/ { print $2 }' "$TMP/wrk.txt")
python3 - "$TMP/perf.txt" "$rps" "$LABEL" "$CONNS" <<'PY'
import collections, sys
path, rps, label, conns = sys.argv[1], float(sys.argv[2]), sys.argv[3], sys.argv[4]
requests = rps * 3
per_thread = collections.defaultdict(dict)
for line in open(path):
    fields = line.strip().split(",")
    if line.startswith("#") or len(fields) < 4:
        continue
    try:
        value = float(fields[1])
    except ValueError:
        continue
    name = fields[3].replace("syscalls:sys_enter_", "").replace("raw_syscalls:sys_enter", "syscalls")
    per_thread[fields[0]][name] = value
columns = ["task-clock", "context-switches", "cpu-migrations", "syscalls", "epoll_wait", "epoll_ctl", "poll",
           "futex", "recvfrom", "sendmsg", "pwrite64", "pwritev", "fdatasync", "write", "read"]
heads = ["CPU us", "switches", "migrations", "syscalls"] + columns[4:]
print(f"{label}, {conns} connection(s): {rps:,.0f} req/s; per request, by thread (perf stat over 3 s)")
print("%-24s" % "thread" + "".join("%11s" % h for h in heads))
total = collections.Counter()
for thread, values in sorted(per_thread.items()):
    if values.get("syscalls", 0) < requests * 0.01 and values.get("task-clock", 0) < 1:
        continue   # threads that did nothing in the window
    row = []
    for column in columns:
        value = values.get(column, 0)
        total[column] += value
        row.append(value * 1000 / requests if column == "task-clock" else value / requests)
    print("%-24s" % thread[:24] + "".join("%11.2f" % v for v in row))
print("%-24s" % "all threads" + "".join(
    "%11.2f" % (total[c] * 1000 / requests if c == "task-clock" else total[c] / requests) for c in columns))
PY
