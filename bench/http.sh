#!/usr/bin/env bash
# bench/http.sh - `make bench-http`: Stele over HTTP, beside its peers, in one run.
#
#   append : POST the peers' 256-byte JSON record (body256.json) at CONNS connections,
#            for each durability level; a fresh server and data dir for every run
#   batch  : NDJSON batches of 100 x 256 B records at 16 connections
#   read   : GET /v1/records?from=0&limit=100 on a journal of >= 10,000 records, 1 and 16 connections
#   fanout : 1,000 long-polls (GET /v1/records?from=END&wait_ms=30000), then one append:
#            time from sending the append until the last reader has its whole 200 response
#   memory : VmRSS idle after start; peak during the 256-connection append runs (sampled
#            every 100 ms, plus VmHWM); with 10,000 idle keep-alive connections open, and
#            appends at 64 connections (group) while those stay open
#   peers  : ../shared/bench/peers/run.sh with SECTIONS="disk redis pg" (PEERS=0 skips it)
# Then one table: figure, Stele, peer, ratio, target, met?  (bench/report.py)
#
# Env: RUNS=3 DUR=10 (seconds per wrk run)  QUICK=1 (RUNS=1 DUR=5)  PEERS=1|0
#      CONNS="1 16 64 256"  LEVELS="immediate group"  BATCH_LEVELS="group"
#      SECTIONS="append batch read fanout memory peers"  WAIT_QUIET=SECONDS WAIT_QUIET_TOTAL=900  FANOUT_READERS=1000 FANOUT_ROUNDS=21
#      IDLE_CONNS=10000  STELE_BIN=path (default .build/release/stele, built if missing)
#      STELE_REV=text (what the binary was built from, for the header; default: git HEAD here)
#      PROFILE=perf|strace  also profile the server during one group@64 and one immediate@256
#                           run (perf record -g / strace -c -f; the profiled run is not counted)
#      RESULTS=path (default bench/results/http-YYYYMMDD-HHMMSS.txt)
# Everything runs on 127.0.0.1; every load run is bounded by `timeout`; every server is
# started here on a port it picks itself (--port 0) and stopped by PID, even on error or Ctrl-C.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
if [ "${QUICK:-0}" = 1 ]; then RUNS=${RUNS:-1} DUR=${DUR:-5} FANOUT_ROUNDS=${FANOUT_ROUNDS:-3}; fi
RUNS=${RUNS:-3}
DUR=${DUR:-10}
PEERS=${PEERS:-1}
CONNS=${CONNS:-"1 16 64 256"}
LEVELS=${LEVELS:-"immediate group"}
BATCH_LEVELS=${BATCH_LEVELS:-"group"}
SECTIONS=${SECTIONS:-"append batch read fanout memory peers"}
FANOUT_READERS=${FANOUT_READERS:-1000}
FANOUT_ROUNDS=${FANOUT_ROUNDS:-21}
FANOUT_DURABILITY=${FANOUT_DURABILITY:-immediate}
IDLE_CONNS=${IDLE_CONNS:-10000}
PROFILE=${PROFILE:-}
BIN=${STELE_BIN:-$ROOT/.build/release/stele}
PEERS_DIR=${PEERS_DIR:-$ROOT/../shared/bench/peers}
BODY=$PEERS_DIR/body256.json
STAMP=$(date +%Y%m%d-%H%M%S)
RESULTS=${RESULTS:-$HERE/results/http-$STAMP.txt}
[ "$PEERS" = 0 ] && SECTIONS=${SECTIONS//peers/}

want() { [[ " $SECTIONS " == *" $1 "* ]]; }
log() { printf '\n=== %s  [%s, load %s]\n' "$*" "$(date +%T)" "$(cut -d' ' -f1-3 /proc/loadavg)"; }
kv() { tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1==k{print $2; exit}'; }

# ---------------------------------------------------------------- cleanup
TMP=$(mktemp -d /tmp/stele-bench-http.XXXXXX)
PIDS=()   # background processes started here (server `timeout` wrappers, samplers, clients)
forget_pid() { local q keep=(); for q in "${PIDS[@]}"; do [ "$q" != "$1" ] && keep+=("$q"); done; PIDS=("${keep[@]}"); }
stop_pid() {  # TERM one process we started, wait up to 15 s, then KILL; by PID only
  local p=$1
  if kill -0 "$p" 2>/dev/null; then
    kill -TERM "$p" 2>/dev/null
    for _ in $(seq 150); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$p" 2>/dev/null && { echo "pid $p did not stop on SIGTERM in 15 s: SIGKILL"; kill -KILL "$p" 2>/dev/null; }
  fi
  wait "$p" 2>/dev/null; forget_pid "$p"; return 0
}
cleanup() {
  local p
  trap '' PIPE INT
  for p in "${PIDS[@]}"; do stop_pid "$p"; done
  rm -rf "$TMP"
}
trap cleanup EXIT
trap 'trap "" PIPE; echo "interrupted" 2>/dev/null; exit 130' INT TERM   # tee may be gone after Ctrl-C

# ---------------------------------------------------------------- install / build
need=()
command -v wrk >/dev/null || need+=(wrk)
command -v curl >/dev/null || need+=(curl)
command -v cc >/dev/null || need+=(gcc)
command -v python3 >/dev/null || need+=(python3)
if [ ${#need[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  echo "installing: ${need[*]}"
  $SUDO apt-get update -qq && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null \
    || { echo "apt-get install failed"; exit 1; }
fi
[ -f "$BODY" ] && [ "$(wc -c <"$BODY")" = 256 ] || { echo "missing or not 256 bytes: $BODY (set PEERS_DIR)"; exit 1; }
if [ ! -x "$BIN" ]; then
  (cd "$ROOT" && swift build -c release --product stele) || exit 1
fi
mkdir -p "$HERE/build" "$(dirname "$RESULTS")"
cc -O2 -Wall -o "$HERE/build/connfan" "$HERE/connfan.c" "$HERE/connfan_net.c" || exit 1
CONNFAN=$HERE/build/connfan
ulimit -n "$(ulimit -Hn)" 2>/dev/null
[ "$(ulimit -n)" -ge $((IDLE_CONNS + 200)) ] || echo "note: ulimit -n is $(ulimit -n), fewer than IDLE_CONNS=$IDLE_CONNS + 200"

# an NDJSON batch: 100 lines of the 256-byte record
for _ in $(seq 100); do cat "$BODY"; echo; done >"$TMP/batch100.ndjson"

exec 3>&1 4>&2
exec > >(tee "$RESULTS") 2>&1
TEE_PID=$!
echo "stele bench-http  $(date -Is)  host=$(hostname)  results=$RESULTS"
echo "settings: RUNS=$RUNS DUR=${DUR}s CONNS=\"$CONNS\" LEVELS=\"$LEVELS\" SECTIONS=\"$SECTIONS\" FANOUT_READERS=$FANOUT_READERS FANOUT_ROUNDS=$FANOUT_ROUNDS IDLE_CONNS=$IDLE_CONNS PROFILE=${PROFILE:-none}"
echo "machine: $(nproc) cpus, $(free -g | awk '/Mem/{print $2}') GiB, kernel $(uname -r), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "stele: $BIN ($(stat -c %y "$BIN" | cut -d. -f1)), ${STELE_REV:-git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null)$(git -C "$ROOT" diff --quiet HEAD -- Sources 2>/dev/null || echo ' + uncommitted Sources changes')}"
echo "wrk $(wrk -v 2>&1 | head -1 | cut -d' ' -f2)  ulimit -n $(ulimit -n)  data dirs in $TMP ($(findmnt -no FSTYPE --target "$TMP"))"
echo "top CPU users now:"; ps -eo pcpu,comm --sort=-pcpu | head -6 | sed 's/^/  /'

# ---------------------------------------------------------------- server helpers
SN=0   # servers started
# listening_port FILE SED_EXPR PID TRIES: the port a freshly started server printed on the first line
# of FILE (SED_EXPR prints it), polled every 50 ms while PID lives; empty when it never came
listening_port() {
  local port=""
  for _ in $(seq "$4"); do
    port=$(sed -n "$2" "$1" 2>/dev/null)
    [ -n "$port" ] && break
    kill -0 "$3" 2>/dev/null || break
    sleep 0.05
  done
  echo "$port"
}
# start_server DURABILITY [extra serve flags...] -> SPID (stele), TPID (its timeout wrapper), SPORT, SURL, SDATA
start_server() {
  local durability=$1; shift
  SN=$((SN + 1))
  SDATA=$TMP/data.$SN
  SOUT=$TMP/server.$SN.out
  timeout -k 5 3600 "$BIN" serve --data-dir "$SDATA" --host 127.0.0.1 --port 0 --durability "$durability" \
      --log-level warning "$@" </dev/null >"$SOUT" 2>"$TMP/server.$SN.err" &
  TPID=$!; PIDS+=("$TPID")
  SPORT=$(listening_port "$SOUT" '1s/^stele listening on .*:\([0-9]*\)$/\1/p' "$TPID" 200)
  if [ -z "$SPORT" ]; then
    echo "stele serve did not start:"; cat "$SOUT" "$TMP/server.$SN.err"; stop_pid "$TPID"; return 1
  fi
  SPID=$(cat "/proc/$TPID/task/$TPID/children" 2>/dev/null | awk '{print $1}')
  SURL=http://127.0.0.1:$SPORT
  for _ in $(seq 100); do
    [ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "$SURL/readyz")" = 200 ] && return 0
    sleep 0.1
  done
  echo "stele serve is not ready after 10 s"; return 1
}
stop_server() {
  local t0=$SECONDS
  stop_pid "$TPID"
  [ $((SECONDS - t0)) -ge 5 ] && echo "note: server took $((SECONDS - t0)) s to stop"
  if [ -s "$TMP/server.$SN.err" ]; then
    echo "server stderr ($(wc -l <"$TMP/server.$SN.err") lines, last 5):"; tail -5 "$TMP/server.$SN.err" | cut -c1-300
  fi
  rm -rf "$SDATA"
}
# cpu_busy: percent of both CPUs busy over the last 0.5 s (anything running: other people's work too)
cpu_busy() {
  local a b
  a=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat); sleep 0.5
  b=$(awk '/^cpu /{print $2+$3+$4+$7+$8, $2+$3+$4+$5+$6+$7+$8}' /proc/stat)
  awk -v a="$a" -v b="$b" 'BEGIN{split(a,x," "); split(b,y," "); d=y[2]-x[2]; printf "%.0f", d ? 100*(y[1]-x[1])/d : 0}'
}
# wait_quiet: with WAIT_QUIET=SECONDS, before each run wait up to that long for the machine to be
# under 25 % busy (others' work), at most WAIT_QUIET_TOTAL seconds (default 900) over the whole invocation
QUIET_WAITED=0
wait_quiet() {
  [ "${WAIT_QUIET:-0}" -gt 0 ] || return 0
  local max=$WAIT_QUIET t0=$SECONDS b=0 budget=$((${WAIT_QUIET_TOTAL:-900} - QUIET_WAITED))
  [ "$budget" -le 0 ] && return 0
  [ "$max" -gt "$budget" ] && max=$budget
  while :; do
    b=$(cpu_busy); [ "$b" -lt 25 ] && break
    [ $((SECONDS - t0)) -ge "$max" ] && { echo "note: machine still ${b}% busy after waiting $((SECONDS - t0)) s"; break; }
    sleep 2
  done
  QUIET_WAITED=$((QUIET_WAITED + SECONDS - t0))
  [ $((SECONDS - t0)) -gt 1 ] && echo "(waited $((SECONDS - t0)) s for a quieter machine)"
  return 0
}
rss_kb() { awk -v k="${2:-VmRSS}:" '$1==k{print $2}' "/proc/$1/status" 2>/dev/null; }
metric() { awk -v n="$2" '$1==n{printf "%.0f", $2}' <<<"$1"; }
scrape() { curl -s --max-time 5 "$SURL/metrics"; }
# alive_note: " server_died=1" (and the evidence) when the server is gone after a run
alive_note() {
  kill -0 "$SPID" 2>/dev/null && return 0
  echo "SERVER DIED during the run (stele pid $SPID); its stderr:" >&2; tail -20 "$TMP/server.$SN.err" >&2
  printf ' server_died=1'
}

# wrk_run URL CONNS [GET|POST] [BODY_FILE] [CONTENT_TYPE]  -> W_* values, W_LINE; raw output printed
wrk_run() {
  local url=$1 c=$2 method=${3:-POST} body=${4:-$BODY} ctype=${5:-application/json} t=2 out r
  [ "$c" -lt 2 ] && t=1
  wait_quiet
  W_BUSY=$(cpu_busy)
  out=$(BODY_FILE="$body" WRK_METHOD=$method CONTENT_TYPE=$ctype timeout $((DUR + 30)) \
        wrk -t"$t" -c"$c" -d"${DUR}s" --timeout 5s --latency -s "$HERE/wrk.lua" "$url" 2>&1)
  echo "--- wrk $method -t$t -c$c -d${DUR}s $url"; echo "$out"
  r=$(grep '^WRKRESULT' <<<"$out")
  if [ -z "$r" ]; then W_LINE="rps=0 p50_us=0 p99_us=0 non2xx=0 unexpected=0 sockerr=0 timeouts=0 wrk_failed=1"; return 1; fi
  local busy; busy=$(awk -v r="$(kv "$r" rps)" -v m="$(kv "$r" mean_us)" 'BEGIN{printf "%.0f", r * m / 1e6}')
  W_REQS=$(kv "$r" requests)
  W_LINE="cpu_busy_before=$W_BUSY load1=$(cut -d' ' -f1 /proc/loadavg) rps=$(kv "$r" rps) p50_us=$(kv "$r" p50_us) p99_us=$(kv "$r" p99_us) p999_us=$(kv "$r" p999_us) max_us=$(kv "$r" max_us) requests=$W_REQS non2xx=$(kv "$r" non2xx) unexpected=$(kv "$r" unexpected) first_unexpected=$(kv "$r" first_unexpected) sockerr=$(kv "$r" sockerr) timeouts=$(kv "$r" timeouts) busy=$busy"
  # Little's law: a closed loop keeps ~c connections busy unless requests stop completing
  if [ "$c" -ge 16 ] && [ "$busy" -lt $((c / 4)) ]; then W_LINE+=" stall=1"; echo "STALL: only ~$busy of $c connections busy on average"; fi
  return 0
}

# profile_start LABEL / profile_stop: perf or strace on the server for one run
profile_start() {
  PROF_PID=""
  case "$PROFILE" in
    perf) command -v perf >/dev/null || { echo "perf not installed"; return; }
          timeout $((DUR + 20)) perf record -F 499 -g -p "$SPID" -o "$TMP/perf.data" -- sleep $((DUR > 4 ? DUR - 2 : DUR)) >/dev/null 2>"$TMP/perf.err" &
          PROF_PID=$!; PIDS+=("$PROF_PID") ;;
    strace) command -v strace >/dev/null || { echo "strace not installed"; return; }
          timeout $((DUR > 4 ? DUR - 2 : DUR)) strace -c -f -p "$SPID" -o "$TMP/strace.txt" 2>/dev/null &
          PROF_PID=$!; PIDS+=("$PROF_PID") ;;
  esac
}
profile_stop() {
  local label=$1
  [ -z "${PROF_PID:-}" ] && return
  wait "$PROF_PID" 2>/dev/null; forget_pid "$PROF_PID"
  case "$PROFILE" in
    perf) echo "--- perf report ($label), flat, top 40"
          perf report -i "$TMP/perf.data" --stdio --no-children --sort dso,symbol --percent-limit 0.7 -g none 2>/dev/null \
            | grep -E '^ +[0-9]' | head -40
          echo "--- perf report ($label), by thread (comm)"
          perf report -i "$TMP/perf.data" --stdio --no-children --sort comm -g none 2>/dev/null | grep -E '^ +[0-9]' | head -10
          echo "--- perf report ($label), callers of the top entries (children)"
          perf report -i "$TMP/perf.data" --stdio --children --sort symbol --percent-limit 8 -g none 2>/dev/null \
            | grep -E '^ +[0-9]' | head -40
          rm -f "$TMP/perf.data" ;;
    strace) echo "--- strace -c -f ($label; strace slows the server a lot)"; cat "$TMP/strace.txt" ;;
  esac
}

# bench/mhd_fanout.c, bare libmicrohttpd (no journal, no JSON): built here when the headers are present
build_mhd_fanout() {
  local flags
  flags=$(pkg-config --cflags --libs libmicrohttpd 2>/dev/null) \
    && cc -O2 -Wall -o "$HERE/build/mhd_fanout" "$HERE/mhd_fanout.c" $flags -lpthread
}
# start_mhd_fanout [OPTIONS...]: Stele's default thread count, poll; sets MPID and MPORT (empty if it failed)
start_mhd_fanout() {
  timeout -k 5 3600 "$HERE/build/mhd_fanout" --threads "$(nproc)" "$@" 0 </dev/null >"$TMP/mhd_fanout.out" 2>"$TMP/mhd_fanout.err" &
  MPID=$!; PIDS+=("$MPID")
  MPORT=$(listening_port "$TMP/mhd_fanout.out" '1s/^mhd_fanout listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$MPID" 300)
  [ -n "$MPORT" ] || { echo "mhd_fanout did not start:"; cat "$TMP/mhd_fanout.out" "$TMP/mhd_fanout.err"; }
}

# ---------------------------------------------------------------- 1. appends
if want append; then
  log "1. durable appends: POST /v1/records, 256-byte JSON ($BODY), fresh server + data dir per run, $RUNS x ${DUR}s"
  for level in $LEVELS; do
    for c in $CONNS; do
      for run in $(seq "$RUNS"); do
        start_server "$level" || continue
        start_rss=$(rss_kb "$SPID")
        echo; echo "# append level=$level conns=$c run=$run  idle_rss_kb=$start_rss"
        sampler=""
        if [ "$c" -ge 256 ]; then
          ( while kill -0 "$SPID" 2>/dev/null; do rss_kb "$SPID"; sleep 0.1; done ) >"$TMP/rss.samples" &
          sampler=$!; PIDS+=("$sampler")
        fi
        wrk_run "$SURL/v1/records" "$c"
        line=$W_LINE$(alive_note)
        m=$(scrape)
        recs=$(metric "$m" stele_appended_records_total) syncs=$(metric "$m" stele_fsyncs_total)
        line+=" appended=${recs:-0} fsyncs=${syncs:-0} syncs_per_rec=$(awk -v s="${syncs:-0}" -v r="${recs:-0}" 'BEGIN{printf "%.3f", r ? s / r : 0}')"
        line+=" start_rss_kb=$start_rss rss_after_kb=$(rss_kb "$SPID") rss_anon_kb=$(rss_kb "$SPID" RssAnon) rss_file_kb=$(rss_kb "$SPID" RssFile)"
        if [ -n "$sampler" ]; then
          stop_pid "$sampler"
          line+=" peak_rss_kb=$(sort -n "$TMP/rss.samples" | tail -1) hwm_kb=$(rss_kb "$SPID" VmHWM) rss_samples=$(wc -l <"$TMP/rss.samples")"
        fi
        grep -E '^stele_group_commit_batch_requests_(sum|count) ' <<<"$m" | tr '\n' ' '; echo
        echo "RUN section=append level=$level conns=$c run=$run $line"
        stop_server
      done
      # one extra, uncounted run under the profiler for the interesting points
      if [ -n "$PROFILE" ] && { [ "$level/$c" = group/64 ] || [ "$level/$c" = immediate/256 ] || [ "$level/$c" = immediate/1 ]; }; then
        start_server "$level" && { profile_start; wrk_run "$SURL/v1/records" "$c" >/dev/null; echo "profiled run: $W_LINE"; profile_stop "append $level@$c"; stop_server; }
      fi
    done
  done
  # the ceiling for immediate@1: bare libmicrohttpd writing and fdatasyncing each body inline on
  # its polling thread (which DESIGN.md rules out for Stele), into a file that does not grow
  if [[ " $LEVELS " == *" immediate "* ]] && [[ " $CONNS " == *" 1 "* ]]; then
    if build_mhd_fanout; then
      for run in $(seq "$RUNS"); do
        rm -f "$TMP/inline.dat"
        start_mhd_fanout --inline-fsync "$TMP/inline.dat"
        [ -n "$MPORT" ] || break
        echo; echo "# append-ceiling level=mhd-inline conns=1 run=$run"
        wrk_run "http://127.0.0.1:$MPORT/v1/records" 1
        echo "RUN section=append-ceiling level=mhd-inline conns=1 run=$run $W_LINE"
        stop_pid "$MPID"
      done
      rm -f "$TMP/inline.dat"
    else
      echo "note: no append-ceiling run (building bench/mhd_fanout.c needs libmicrohttpd's headers, libmicrohttpd-dev)"
    fi
  fi
fi

# ---------------------------------------------------------------- 2. NDJSON batches
if want batch; then
  log "2. NDJSON batches: 100 records x 256 B per POST (application/x-ndjson), 16 connections, $RUNS x ${DUR}s"
  for level in $BATCH_LEVELS; do
    for run in $(seq "$RUNS"); do
      start_server "$level" || continue
      echo; echo "# batch level=$level conns=16 run=$run"
      wrk_run "$SURL/v1/records" 16 POST "$TMP/batch100.ndjson" application/x-ndjson
      line=$W_LINE$(alive_note)
      m=$(scrape)
      recs=$(metric "$m" stele_appended_records_total) syncs=$(metric "$m" stele_fsyncs_total)
      line+=" records_per_s=$(awk -v r="$(kv "$line" rps)" 'BEGIN{printf "%.0f", r * 100}') appended=${recs:-0} fsyncs=${syncs:-0} rss_after_kb=$(rss_kb "$SPID") rss_anon_kb=$(rss_kb "$SPID" RssAnon)"
      echo "RUN section=batch level=$level conns=16 run=$run $line"
      stop_server
    done
  done
fi

# ---------------------------------------------------------------- 3. reads
if want read; then
  log "3. reads: GET /v1/records?from=0&limit=100 on a journal of 12,000 records, $RUNS x ${DUR}s"
  if start_server group; then
    for _ in $(seq 120); do
      curl -s -o /dev/null --max-time 10 -H 'Content-Type: application/x-ndjson' --data-binary @"$TMP/batch100.ndjson" "$SURL/v1/records"
    done
    curl -s --max-time 5 "$SURL/v1/journal"; echo
    n=$(curl -s --max-time 5 "$SURL/v1/records?from=0&limit=100" | python3 -c 'import json,sys; d=json.load(sys.stdin); print(len(d["records"]), len(json.dumps(d)))')
    echo "check: one read returns $n (records, JSON bytes); appended=$(metric "$(scrape)" stele_appended_records_total)"
    for c in 1 16; do
      for run in $(seq "$RUNS"); do
        echo; echo "# read conns=$c run=$run"
        wrk_run "$SURL/v1/records?from=0&limit=100" "$c" GET
        echo "RUN section=read level=group conns=$c run=$run $W_LINE$(alive_note)"
      done
    done
    if [ -n "$PROFILE" ]; then profile_start; wrk_run "$SURL/v1/records?from=0&limit=100" 16 GET >/dev/null; echo "profiled run: $W_LINE"; profile_stop "read@16"; fi
    stop_server
  fi
fi

# ---------------------------------------------------------------- 4. long-poll fan-out
if want fanout; then
  log "4. long-poll fan-out: $FANOUT_READERS readers on GET /v1/records?from=END&wait_ms=30000, then one append ($FANOUT_DURABILITY), $FANOUT_ROUNDS rounds"
  if start_server "$FANOUT_DURABILITY"; then
    curl -s -o /dev/null -H 'Content-Type: application/json' --data-binary @"$BODY" "$SURL/v1/records"
    wait_quiet
    out=$(timeout $((FANOUT_ROUNDS * 60 + 30)) "$CONNFAN" fanout "$SPORT" "$FANOUT_READERS" "$FANOUT_ROUNDS" "$BODY" 2>&1)
    echo "connfan exit=$?"; echo "$out"
    echo "server RSS with $FANOUT_READERS connections: $(rss_kb "$SPID") kB"
    f=$(grep '^FANOUT' <<<"$out")
    [ -n "$f" ] && echo "RUN section=fanout level=$FANOUT_DURABILITY conns=$FANOUT_READERS run=1 ${f#FANOUT }"
    stop_server
  fi
  # the ceiling: the same run against bench/mhd_fanout.c, bare libmicrohttpd with Stele's daemon
  # flags answering only what connfan asks (no journal, no disk), poll, as many threads as stele's default
  if build_mhd_fanout; then
    start_mhd_fanout
    if [ -n "$MPORT" ]; then
      wait_quiet
      out=$(timeout $((FANOUT_ROUNDS * 60 + 30)) "$CONNFAN" fanout "$MPORT" "$FANOUT_READERS" "$FANOUT_ROUNDS" "$BODY" 2>&1)
      echo "connfan (mhd_fanout) exit=$?"; echo "$out"
      f=$(grep '^FANOUT' <<<"$out")
      [ -n "$f" ] && echo "RUN section=fanout-ceiling level=mhd conns=$FANOUT_READERS run=1 ${f#FANOUT }"
    fi
    stop_pid "$MPID"
  else
    echo "note: no fanout-ceiling run (building bench/mhd_fanout.c needs libmicrohttpd's headers, libmicrohttpd-dev)"
  fi
fi

# ---------------------------------------------------------------- 5. memory
if want memory; then
  log "5. memory: VmRSS idle after start, and with $IDLE_CONNS idle keep-alive connections (each made one GET /v1/journal)"
  for run in $(seq "$RUNS"); do
    start_server group --max-connections 20000 --connection-timeout 300 || continue
    sleep 2
    wait_quiet
    idle=$(rss_kb "$SPID")
    echo; echo "# memory run=$run: idle after start ${idle} kB"
    timeout $((DUR + 160)) "$CONNFAN" idle "$SPORT" "$IDLE_CONNS" $((DUR + 40)) /v1/journal >"$TMP/idle.out" 2>&1 &
    cp=$!; PIDS+=("$cp")
    for _ in $(seq 600); do grep -q '^IDLE' "$TMP/idle.out" && break; kill -0 "$cp" 2>/dev/null || break; sleep 0.1; done
    sleep 3
    peak=0; for _ in $(seq 20); do r=$(rss_kb "$SPID"); [ "${r:-0}" -gt "$peak" ] && peak=$r; sleep 0.1; done
    conns=$(ss -tnH state established "( sport = :$SPORT )" | wc -l)
    # appends beside the idle connections: a polling loop that scans every
    # open connection on every turn slows down with them
    if wrk_run "$SURL/v1/records" 64; then
      echo "RUN section=idle-load level=group conns=64 run=$run idle_conns=$IDLE_CONNS $W_LINE$(alive_note)"
    fi
    wait "$cp"; echo "connfan exit=$?"; forget_pid "$cp"
    cat "$TMP/idle.out"
    after=$(rss_kb "$SPID")
    i=$(grep '^IDLE' "$TMP/idle.out")
    echo "server-side established connections while held: $conns"
    echo "RUN section=memory level=group conns=$IDLE_CONNS run=$run idle_rss_kb=$idle conns_rss_kb=$peak after_close_rss_kb=$after hwm_kb=$(rss_kb "$SPID" VmHWM) established=$conns ok=$(kv "$i" ok) failed=$(kv "$i" failed) open_ms=$(kv "$i" open_ms) closed_by_server=$(kv "$(grep '^HELD' "$TMP/idle.out")" closed_by_server)"
    stop_server
  done
fi

# ---------------------------------------------------------------- 6. peers
if want peers; then
  log "6. peers: $PEERS_DIR/run.sh SECTIONS=\"disk redis pg\" DUR=$DUR (one run per point)"
  wait_quiet
  RESULTS="$TMP/peers.txt" DUR=$DUR CONNS="$CONNS" SECTIONS="disk redis pg" timeout 2400 bash "$PEERS_DIR/run.sh"
  echo "peers exit=$?"
fi

log "done"
echo "load average at the end: $(cut -d' ' -f1-3 /proc/loadavg); waited ${QUIET_WAITED}s in all for a quieter machine"
exec >&3 2>&4   # let tee finish the file before the report reads it
wait "$TEE_PID" 2>/dev/null
python3 "$HERE/report.py" "$RESULTS" | tee -a "$RESULTS"
echo "raw output: $RESULTS"
