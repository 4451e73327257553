#!/bin/bash
# Runs inside the container systemd-boot.sh boots, as a oneshot unit ordered
# after stele.service (so it starts once stele sent READY=1). It checks the
# service under the unit's real sandbox, then powers the container off. The
# last PROBE line of /root/probe.log is "PROBE ok" or "PROBE FAILED: why";
# what poweroff prints (it may lose its D-Bus connection as the container
# goes down) goes to /root/poweroff.log, not into the verdict.
exec >/root/probe.log 2>&1
DATA=/var/lib/stele
URL=http://127.0.0.1:8080
fail() { echo "PROBE FAILED: $*"; journalctl -u stele --no-pager | tail -n 30; power_off; exit 1; }
power_off() { systemctl poweroff >/root/poweroff.log 2>&1 || true; }
show() { systemctl show stele -P "$1"; }
wait_for() {  # wait_for SECONDS COMMAND...: until the command succeeds
  local deadline=$((SECONDS + $1)); shift
  until "$@"; do [ $SECONDS -lt "$deadline" ] || return 1; sleep 0.5; done
}
active() { [ "$(show ActiveState)" = active ]; }

# 1. Started by the boot: Type=notify, so it is active only after READY=1.
[ "$(show Type)" = notify ] || fail "Type is $(show Type)"
active || fail "stele.service is $(show ActiveState) at boot"
[ "$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 $URL/readyz)" = 200 ] || fail "/readyz not 200 once READY=1 was sent"
pid=$(show MainPID)
status=/proc/$pid/status
grep -q '^Uid:[[:space:]]*0[[:space:]]' "$status" && fail "runs as root"
grep -q '^NoNewPrivs:[[:space:]]*1' "$status" || fail "NoNewPrivs is not set"
grep -q '^Seccomp:[[:space:]]*2' "$status" || fail "no seccomp filter"
grep -q '^CapEff:[[:space:]]*0000000000000000' "$status" || fail "has capabilities"
echo "running as uid $(awk '/^Uid:/ {print $2}' "$status"), seccomp filter, no capabilities, no new privileges"
answer=$(curl -s --max-time 5 -X POST -H 'Content-Type: application/json' -d '{"via":"systemd"}' $URL/v1/records)
case $answer in *'"offset":0,'*) ;; *) fail "append answered: $answer" ;; esac
curl -s --max-time 5 $URL/v1/records/0 | grep -q '"payload":{"via":"systemd"}' || fail "record 0 not read back"
[ -d "$DATA/segments" ] || fail "no journal in $DATA (StateDirectory)"
echo "append and read back under the sandbox: ok"

# 2. systemctl stop: SIGTERM drains, exit 0.
systemctl stop stele
if [ "$(show Result)" != success ] || [ "$(show ExecMainStatus)" != 0 ]; then
  fail "stop: result $(show Result), status $(show ExecMainStatus)"
fi
echo "stop: exit 0"

# 3. Exit 2 (the lock held by another process) is restarted (Restart=on-failure).
flock --exclusive "$DATA/LOCK" sleep 8 &
sleep 0.5
systemctl start --no-block stele
wait_for 60 active || fail "not active again after the lock was released ($(show ActiveState))"
[ "$(show NRestarts)" -ge 1 ] || fail "exit 2 was not restarted (NRestarts $(show NRestarts))"
echo "exit 2 while the lock was held: restarted $(show NRestarts) time(s), then active"
systemctl stop stele

# 4. Exit 3 (corruption: an unreadable cursor) is not (RestartPreventExitStatus=3).
printf 'not a cursor' >"$DATA/cursors/broken.cursor"
systemctl reset-failed stele
systemctl start stele 2>/dev/null && fail "started on a corrupt journal"
restarts=$(show NRestarts)
sleep 8  # longer than RestartSec=5s
[ "$(show ExecMainStatus)" = 3 ] || fail "exit status $(show ExecMainStatus), expected 3"
[ "$(show ActiveState)" = failed ] || fail "after exit 3 it is $(show ActiveState), not failed"
[ "$(show NRestarts)" = "$restarts" ] || fail "exit 3 was restarted (NRestarts $restarts, then $(show NRestarts))"
echo "exit 3 (corruption): failed and left stopped"
echo "PROBE ok"
power_off
