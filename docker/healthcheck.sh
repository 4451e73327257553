#!/bin/bash
# The container's HEALTHCHECK: GET /healthz on the server's own port, with bash
# alone (the runtime image carries no curl: only the libraries stele links).
# Exit 0 when it answers 200, 1 otherwise. It reads STELE_HOST and STELE_PORT as
# the server does, so configure the container with those, not with flags.
# With TLS (STELE_TLS_CERT set) bash cannot speak HTTPS: then it checks only that
# the port accepts connections.
set -u
port=${STELE_PORT:-8080}
# Unset or empty means the server's default, 127.0.0.1; a wildcard is reached on loopback.
host=${STELE_HOST:-127.0.0.1}
case ${host} in
  0.0.0.0) host=127.0.0.1 ;;
  ::|'[::]') host=::1 ;;
esac
exec 3<>"/dev/tcp/${host}/${port}" || exit 1
[ -n "${STELE_TLS_CERT:-}" ] && exit 0
printf 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status <&3 || exit 1
case ${status} in
  'HTTP/1.1 200 '*|'HTTP/1.0 200 '*) exit 0 ;;
  *) echo "stele-healthcheck: ${status}" >&2; exit 1 ;;
esac
