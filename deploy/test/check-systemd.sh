#!/usr/bin/env bash
# deploy/systemd/stele.service, checked without booting systemd:
# - `systemd-analyze verify` on a copy whose ExecStart is the binary that
#   runtime-chroot.sh built (verify refuses a unit whose binary is missing, and
#   /usr/local/bin/stele is not installed on a build machine);
# - `systemd-analyze security --offline` must rate its exposure 2.0 or lower;
# - the unit keeps the promises the guide makes: Type=notify (the binary sends
#   READY=1), no restart on the corruption exit code (read from ExitCodes.swift),
#   a stop timeout longer than the default shutdown grace.
set -euo pipefail
cd "$(dirname "$0")/../.."
UNIT=deploy/systemd/stele.service
BINARY=${STELE_UNIT_BINARY:-$PWD/.build-static/out/stele}
fail() { printf 'check-systemd: FAILED: %s\n' "$*" >&2; exit 1; }

[ -x "$BINARY" ] || fail "$BINARY is missing: run deploy/test/runtime-chroot.sh first"
command -v systemd-analyze >/dev/null || fail "systemd-analyze is missing (make deploy-tools installs systemd)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sed "s|^ExecStart=/usr/local/bin/stele |ExecStart=$BINARY |" "$UNIT" >"$work/stele.service"
grep -q "^ExecStart=$BINARY serve" "$work/stele.service" || fail "ExecStart is not /usr/local/bin/stele serve"

# verify prints its findings and may still exit 0: any output is a failure.
findings=$(cd "$work" && systemd-analyze verify --man=no ./stele.service 2>&1) || fail "systemd-analyze verify: $findings"
[ -z "$findings" ] || fail "systemd-analyze verify: $findings"
(cd "$work" && systemd-analyze security --offline=true --threshold=20 ./stele.service >"$work/security.txt" 2>&1) \
  || { cat "$work/security.txt" >&2; fail "systemd-analyze security: exposure above 2.0"; }
exposure=$(sed -n 's/.*Overall exposure level for stele.service: *//p' "$work/security.txt")

value() { sed -n "s/^$1=//p" "$UNIT" | tail -n1; }
corruption=$(sed -n 's/.*static let corruption = ExitCode(\([0-9]*\)).*/\1/p' Sources/stele/ExitCodes.swift)
[ "$(value Type)" = notify ] || fail "Type must be notify: stele serve sends READY=1 once recovered"
[ "$(value Restart)" = on-failure ] || fail "Restart must be on-failure"
if [ -z "$corruption" ] || [ "$(value RestartPreventExitStatus)" != "$corruption" ]; then
  fail "RestartPreventExitStatus must be the corruption exit code ($corruption)"
fi
[ "$(value StateDirectory)" = stele ] || fail "StateDirectory must be stele"
stop=$(value TimeoutStopSec); stop=${stop%s}
[ "$stop" -gt 10 ] || fail "TimeoutStopSec must outlast the default --shutdown-grace (10 s)"
for setting in NoNewPrivileges=yes ProtectSystem=strict PrivateTmp=yes ProtectHome=yes DynamicUser=yes; do
  grep -qx "$setting" "$UNIT" || fail "$setting is missing"
done
printf 'check-systemd: %s: verify clean, exposure %s, Type=notify, no restart on exit %s: ok\n' "$UNIT" "$exposure" "$corruption"
