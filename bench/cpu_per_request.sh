#!/usr/bin/env bash
# CPU time per request of server and client at 64 connections, back to back:
# Redis 7 XADD (appendfsync always, redis-benchmark -c 64 -P 1) and Stele
# `POST /v1/records` (group commit, wrk -t2 -c64 with bench/wrk.lua, STRICT=1 then 0).
# The servers' utime+stime from /proc/PID/stat, the clients' from /usr/bin/time.
# Both on 127.0.0.1; ports picked free; temp dirs removed at the end.
#   STELE_BIN (default .build/release/stele)  REQUESTS (Redis, default 150000)  DUR (wrk seconds, default 6)
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
STELE_BIN=${STELE_BIN:-$ROOT/.build/release/stele}
REQUESTS=${REQUESTS:-150000}
DUR=${DUR:-6}
BODY=${BODY_FILE:-$ROOT/../shared/bench/peers/body256.json}
for tool in redis-server redis-cli redis-benchmark wrk /usr/bin/time; do
  command -v "$tool" >/dev/null || { echo "missing: $tool" >&2; exit 1; }
done
[ -x "$STELE_BIN" ] || { echo "missing: $STELE_BIN (make build)" >&2; exit 1; }
TMP=$(mktemp -d)
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$TMP"; }
trap cleanup EXIT INT TERM
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
per() { awk -v t="$1" -v n="$2" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", t / hz * 1e6 / n }'; }

RPORT=$(free_port)
mkdir -p "$TMP/redis"
redis-server --port "$RPORT" --bind 127.0.0.1 --dir "$TMP/redis" --appendonly yes --appendfsync always \
  --save '' --auto-aof-rewrite-percentage 0 --daemonize no --logfile "$TMP/redis/log" &
RP=$!; PIDS+=("$RP")
for _ in $(seq 50); do timeout 2 redis-cli -p "$RPORT" ping >/dev/null 2>&1 && break; sleep 0.1; done
VALUE=$(cat "$BODY")
for run in 1 2; do
  s0=$(ticks "$RP")
  out=$( { /usr/bin/time -f "CLIENT %U %S" redis-benchmark -h 127.0.0.1 -p "$RPORT" -c 64 -n "$REQUESTS" -P 1 --csv \
    XADD s '*' f "$VALUE" | tail -1; } 2>&1 )
  s1=$(ticks "$RP")
  client=$(awk '/^CLIENT/ { printf "%d", ($2 + $3) * 100 }' <<<"$out")
  rate=$(grep -v '^CLIENT' <<<"$out" | awk -F'","' '{ printf "%.0f", $(NF-6) }')
  echo "redis XADD c=64 run=$run req/s=$rate server=$(per $((s1 - s0)) "$REQUESTS")us client=$(per "$client" "$REQUESTS")us per request"
done

SPORT=$(free_port)
"$STELE_BIN" serve --data-dir "$TMP/stele" --host 127.0.0.1 --port "$SPORT" --durability group >"$TMP/stele.log" 2>&1 &
SP=$!; PIDS+=("$SP")
for _ in $(seq 100); do grep -q listening "$TMP/stele.log" 2>/dev/null && break; sleep 0.05; done
for strict in 1 0; do
  s0=$(ticks "$SP")
  out=$( { STRICT=$strict BODY_FILE=$BODY /usr/bin/time -f "CLIENT %U %S" wrk -t2 -c64 -d"${DUR}s" -s "$HERE/wrk.lua" \
    "http://127.0.0.1:$SPORT/v1/records"; } 2>&1 )
  s1=$(ticks "$SP")
  requests=$(awk '/requests in/ { print $1 }' <<<"$out")
  client=$(awk '/^CLIENT/ { printf "%d", ($2 + $3) * 100 }' <<<"$out")
  rate=$(awk '/Requests\/sec/ { printf "%.0f", $2 }' <<<"$out")
  echo "stele group c=64 STRICT=$strict req/s=$rate server=$(per $((s1 - s0)) "$requests")us client=$(per "$client" "$requests")us per request"
done
