#!/usr/bin/env bash
# deploy/systemd/stele.service under a real systemd, not just `systemd-analyze`:
# boots a bookworm container with systemd-nspawn (its own network namespace,
# only a loopback) holding the unit, the binary runtime-chroot.sh built and the
# runtime stage's libraries, and lets deploy/test/systemd-probe.sh check from
# inside: Type=notify readiness, the sandbox (dynamic user, seccomp, no
# capabilities) with appends and reads working under every hardening setting,
# a clean stop, a restart after exit 2, none after exit 3.
#
# Needs root, systemd-nspawn (make deploy-tools) and the base root and binary
# that runtime-chroot.sh leaves in .build-static. The container root with
# systemd installed is cached in .build-static/rootfs-systemd.
set -euo pipefail
cd "$(dirname "$0")/../.."
SCRATCH=${STELE_STATIC_SCRATCH:-$PWD/.build-static}
BASE=$SCRATCH/rootfs-base
CACHED=$SCRATCH/rootfs-systemd
ROOT=$SCRATCH/rootfs-boot
LOG=$SCRATCH/systemd-boot
say() { printf 'systemd-boot: %s\n' "$*"; }
fail() { say "FAILED: $*" >&2; exit 1; }

[ "$(id -u)" = 0 ] || fail "needs root (systemd-nspawn)"
command -v systemd-nspawn >/dev/null || fail "systemd-nspawn is missing (make deploy-tools installs systemd-container)"
if [ ! -f "$BASE/.complete" ] || [ ! -x "$SCRATCH/out/stele" ]; then fail "run deploy/test/runtime-chroot.sh first"; fi
eval "$(python3 deploy/test/dockerfile_stage.py docker/Dockerfile shell)"
cleanup() {
  if mountpoint -q "$CACHED/proc" 2>/dev/null; then umount "$CACHED/proc" || umount -l "$CACHED/proc"; fi
}
trap cleanup EXIT
mkdir -p "$LOG"

if [ ! -f "$CACHED/.complete" ]; then
  say "a bookworm root with systemd and ${RUNTIME_PACKAGES[*]}"
  rm -rf "$CACHED"
  cp -a "$BASE" "$CACHED"
  rm -f "$CACHED/.complete"
  cp /etc/resolv.conf "$CACHED/etc/resolv.conf"
  mount -t proc proc "$CACHED/proc"
  timeout 600 chroot "$CACHED" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    sh -c "apt-get update -qq && apt-get install -y -qq --no-install-recommends systemd systemd-sysv dbus curl ${RUNTIME_PACKAGES[*]}" \
    </dev/null >"$LOG/install.log" 2>&1 || { tail -n 30 "$LOG/install.log" >&2; fail "apt-get install in the container root"; }
  umount "$CACHED/proc"
  touch "$CACHED/.complete"
fi

rm -rf "$ROOT"
cp -a "$CACHED" "$ROOT"
install -m 0755 "$SCRATCH/out/stele" "$ROOT/usr/local/bin/stele"
install -m 0644 deploy/systemd/stele.service "$ROOT/etc/systemd/system/stele.service"
install -m 0755 deploy/test/systemd-probe.sh "$ROOT/usr/local/bin/stele-probe"
cat >"$ROOT/etc/systemd/system/stele-probe.service" <<'EOF'
[Unit]
Description=Checks stele.service from inside the container (deploy/test/systemd-probe.sh)
After=stele.service
Wants=stele.service
[Service]
Type=oneshot
ExecStart=/usr/local/bin/stele-probe
EOF
mkdir -p "$ROOT/etc/systemd/system/multi-user.target.wants"
for unit in stele.service stele-probe.service; do
  ln -sf "/etc/systemd/system/$unit" "$ROOT/etc/systemd/system/multi-user.target.wants/$unit"
done

say "booting it with systemd-nspawn (private network: loopback only)"
# --keep-unit --register=no: no host systemd to ask for a scope or to register with.
timeout 240 systemd-nspawn --quiet --directory="$ROOT" --boot --register=no --keep-unit \
  --private-network --console=pipe </dev/null >"$LOG/boot.log" 2>&1 || true
[ -f "$ROOT/root/probe.log" ] || { tail -n 30 "$LOG/boot.log" >&2; fail "the probe never ran"; }
cp "$ROOT/root/probe.log" "$LOG/probe.log"
grep -v '^PROBE' "$LOG/probe.log" | sed 's/^/systemd-boot:   /'
verdict=$(grep '^PROBE' "$LOG/probe.log" | tail -n 1)
[ "$verdict" = "PROBE ok" ] || fail "${verdict:-the probe did not finish}"
rm -rf "$ROOT"
say "ok"
