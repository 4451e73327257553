#!/usr/bin/env bash
# The container image's runtime stage, proved without a Docker engine.
#
# 1. Builds `stele` with the flags of docker/Dockerfile's `swift build` line (and
#    its `strip`), in .build-static so it never fights with .build.
# 2. Makes a minimal bookworm root with `debootstrap --variant=minbase` (what
#    debian:bookworm-slim is made from), cached in .build-static/rootfs-base.
# 3. Replays the runtime stage on a fresh copy of it: its RUN line verbatim in
#    the chroot (apt-get install of exactly its package list, the user, the data
#    directory), its COPY lines, ENV, USER and WORKDIR; the Dockerfile is read
#    by dockerfile_stage.py, so the list lives in one place.
# 4. Runs the image's ENTRYPOINT + CMD in the chroot as the image's user on a
#    loopback port, as Kubernetes runs it (readOnlyRootFilesystem): the root
#    bind-mounted read-only, the data directory a separate writable mount
#    holding a lost+found as a fresh volume does. /healthz, /readyz, an append
#    read back, /metrics, the image's own HEALTHCHECK command, then SIGTERM must
#    end it with exit 0 and `stele verify` must find the journal clean.
#
# Needs root (debootstrap, chroot, mount). Every step has a time limit; the
# mounts are undone and the server killed however the script ends.
set -euo pipefail
cd "$(dirname "$0")/../.."
REPO=$PWD
SCRATCH=${STELE_STATIC_SCRATCH:-$REPO/.build-static}
BASE=$SCRATCH/rootfs-base
ROOT=$SCRATCH/rootfs
LOG=$SCRATCH/runtime-chroot
STARTED=$SECONDS

say() { printf 'runtime-chroot: %s\n' "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (debootstrap, chroot and mount)"
eval "$(python3 deploy/test/dockerfile_stage.py docker/Dockerfile shell)"
case $RUNTIME_BASE in
  debian:*-slim) SUITE=${RUNTIME_BASE#debian:}; SUITE=${SUITE%-slim} ;;
  *) fail "runtime base $RUNTIME_BASE is not a slim Debian image" ;;
esac

# The Debian mirror this machine's apt uses (deb.debian.org when none is found).
MIRROR=$(sed -n 's|^URIs: *\(\S*/debian\)/*$|\1|p; s|^deb \(\S*/debian\)/* .*|\1|p' \
  /etc/apt/sources.list.d/*.sources /etc/apt/sources.list 2>/dev/null | head -n1 || true)
MIRROR=${MIRROR:-http://deb.debian.org/debian}

SERVER_PID=
DATA_DIR=/nonexistent
cleanup() {
  if [ -n "$SERVER_PID" ] && kill -0 "$SERVER_PID" 2>/dev/null; then kill -KILL "$SERVER_PID" 2>/dev/null || true; fi
  for mount in "$ROOT/proc" "$ROOT$DATA_DIR" "$ROOT" "$BASE/proc"; do
    if mountpoint -q "$mount" 2>/dev/null; then umount "$mount" 2>/dev/null || umount -l "$mount" || true; fi
  done
}
trap cleanup EXIT
trap 'exit 130' INT TERM
mkdir -p "$LOG"

# 1. The binary, as the build stage makes it (with this machine's toolchain: say so when it is not the image's).
image_swift=$(sed -n 's/^ARG SWIFT_VERSION=//p' docker/Dockerfile)
host_swift=$(swift --version 2>/dev/null | sed -n 's/.*Swift version \([0-9.]*\).*/\1/p' | head -n1)
[ "$image_swift" = "$host_swift" ] || say "WARNING: the image builds with Swift $image_swift, this machine has $host_swift"
say "swift build ${BUILD_FLAGS[*]} (scratch path $SCRATCH)"
timeout 1200 swift build "${BUILD_FLAGS[@]}" --scratch-path "$SCRATCH" >"$LOG/build.log" 2>&1 \
  || { tail -n 30 "$LOG/build.log" >&2; fail "swift build"; }
BIN_DIR=$(swift build "${BUILD_FLAGS[@]}" --scratch-path "$SCRATCH" --show-bin-path)
install -D -m 0755 "$BIN_DIR/stele" "$SCRATCH/out/stele"
[ ${#BUILD_STRIP[@]} -eq 0 ] || "${BUILD_STRIP[@]}" "$SCRATCH/out/stele"
say "binary: $(du -h "$SCRATCH/out/stele" | cut -f1) after ${BUILD_STRIP[*]:-no strip} ($((SECONDS - STARTED)) s so far)"

# 2. The base root, made once.
if [ ! -x "$BASE/usr/bin/apt-get" ] || [ ! -f "$BASE/.complete" ]; then
  command -v debootstrap >/dev/null || fail "debootstrap is missing (make deploy-tools installs it)"
  rm -rf "$BASE"
  say "debootstrap --variant=minbase $SUITE from $MIRROR"
  timeout 600 debootstrap --variant=minbase "$SUITE" "$BASE" "$MIRROR" >"$LOG/debootstrap.log" 2>&1 \
    || { tail -n 30 "$LOG/debootstrap.log" >&2; fail "debootstrap"; }
  # The suites a debian image's apt reads.
  cat >"$BASE/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb ${MIRROR%/debian}/debian-security $SUITE-security main
EOF
  # As in Debian's images: no service starts while packages install.
  printf '#!/bin/sh\nexit 101\n' >"$BASE/usr/sbin/policy-rc.d"
  chmod 0755 "$BASE/usr/sbin/policy-rc.d"
  touch "$BASE/.complete"
fi

# 3. The runtime stage on a fresh copy.
rm -rf "$ROOT"
cp -a "$BASE" "$ROOT"
cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
mount -t proc proc "$ROOT/proc"
CHROOT_ENV=(env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root)
for run in "${RUNTIME_RUN[@]}"; do
  say "RUN $run"
  timeout 600 chroot "$ROOT" "${CHROOT_ENV[@]}" /bin/sh -c "$run" </dev/null >"$LOG/run.log" 2>&1 \
    || { tail -n 30 "$LOG/run.log" >&2; fail "the runtime stage's RUN line"; }
done
for copy in "${RUNTIME_COPY[@]}"; do
  IFS='|' read -r origin source destination <<<"$copy"
  case $origin in
    build) [ "$source" = /out/stele ] || fail "unknown file from the build stage: $source"; source=$SCRATCH/out/stele ;;
    context) source=$REPO/$source ;;
    *) fail "unknown COPY origin $origin" ;;
  esac
  install -D -m 0755 "$source" "$ROOT$destination"
done
# The volume: a directory of its own with the image's data directory's owner and
# mode (as Docker fills a new named volume), mounted over it; the root read-only.
DATA_DIR=$(printf '%s\n' "${RUNTIME_ENV[@]}" | sed -n 's/^STELE_DATA_DIR=//p')
VOLUME=$SCRATCH/volume
rm -rf "$VOLUME"
mkdir -p "$VOLUME"
chown --reference="$ROOT$DATA_DIR" "$VOLUME"
chmod --reference="$ROOT$DATA_DIR" "$VOLUME"
mkdir -m 0700 "$VOLUME/lost+found"  # what a fresh ext4 volume holds
umount "$ROOT/proc"
mount --bind "$ROOT" "$ROOT"
mount -o remount,bind,ro "$ROOT"
mount --bind "$VOLUME" "$ROOT$DATA_DIR"
mount -t proc proc "$ROOT/proc"
touch "$ROOT/etc/probe" 2>/dev/null && fail "the root is not read-only"
if chroot "$ROOT" ldd "${RUNTIME_COMMAND[0]}" | grep 'not found'; then fail "libraries missing in the runtime stage"; fi
# shellcheck disable=SC2016 # a dpkg-query format, not a shell expansion
say "installed: ${RUNTIME_PACKAGES[*]} ($(chroot "$ROOT" dpkg-query -W -f='${binary:Package}\n' | wc -l) packages in the root)"

# 4. The image's command as the image's user, on a loopback port.
RUN_ENV=("${CHROOT_ENV[@]}" "${RUNTIME_ENV[@]}" STELE_HOST=127.0.0.1 STELE_PORT=0)
in_image() { chroot --userspec="$RUNTIME_USER" "$ROOT" "$@"; }
# Not through in_image: $! must be the server itself (chroot and sh exec into it).
# shellcheck disable=SC2016 # the inner shell expands $1 and $@
chroot --userspec="$RUNTIME_USER" "$ROOT" "${RUN_ENV[@]}" /bin/sh -c 'cd "$1" && shift && exec "$@"' sh \
  "$RUNTIME_WORKDIR" "${RUNTIME_COMMAND[@]}" </dev/null >"$LOG/serve.out" 2>"$LOG/serve.err" &
SERVER_PID=$!
PORT=
for _ in $(seq 300); do
  PORT=$(sed -n 's/^stele listening on .*:\([0-9][0-9]*\)$/\1/p' "$LOG/serve.out")
  [ -n "$PORT" ] && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$LOG/serve.err" >&2; fail "stele serve ended before listening"; }
  sleep 0.1
done
[ -n "$PORT" ] || fail "stele serve printed no port within 30 s"
URL=http://127.0.0.1:$PORT
http() { curl --silent --show-error --max-time 10 "$@"; }
status() { http --output /dev/null --write-out '%{http_code}' "$@"; }

[ "$(status "$URL/healthz")" = 200 ] || fail "/healthz"
for _ in $(seq 300); do [ "$(status "$URL/readyz")" = 200 ] && break; sleep 0.1; done
[ "$(status "$URL/readyz")" = 200 ] || fail "/readyz not 200 within 30 s"
answer=$(http -X POST -H 'Content-Type: application/json' --data '{"deployed":"chroot"}' "$URL/v1/records")
offset=$(printf '%s' "$answer" | python3 -c 'import json,sys; print(json.load(sys.stdin)["offset"])') \
  || fail "append answered $answer"
record=$(http "$URL/v1/records/$offset")
printf '%s' "$record" | python3 -c 'import json,sys; assert json.load(sys.stdin)["payload"] == {"deployed": "chroot"}' \
  || fail "read back $record"
http "$URL/metrics" | grep -q '^stele_appended_records_total 1$' || fail "/metrics does not count the append"
in_image "${RUN_ENV[@]}" STELE_PORT="$PORT" timeout 10 "${RUNTIME_HEALTHCHECK[@]}" || fail "the image's HEALTHCHECK command"
say "serving on $URL as $RUNTIME_USER, read-only root: healthz, readyz, append at $offset read back, metrics, HEALTHCHECK ok"

kill -TERM "$SERVER_PID"
for _ in $(seq 300); do kill -0 "$SERVER_PID" 2>/dev/null || break; sleep 0.1; done
kill -0 "$SERVER_PID" 2>/dev/null && fail "still running 30 s after SIGTERM"
code=0
wait "$SERVER_PID" || code=$?
SERVER_PID=
[ "$code" = 0 ] || { cat "$LOG/serve.err" >&2; fail "exit status $code after SIGTERM"; }
in_image "${CHROOT_ENV[@]}" timeout 60 "${RUNTIME_COMMAND[0]}" verify "$DATA_DIR" >"$LOG/verify.out" \
  || { cat "$LOG/verify.out" >&2; fail "stele verify after the stop"; }
cleanup
rm -rf "$ROOT" "$VOLUME"  # the cached base stays
say "SIGTERM: exit 0; stele verify: $(tail -n1 "$LOG/verify.out"); $((SECONDS - STARTED)) s in all"
