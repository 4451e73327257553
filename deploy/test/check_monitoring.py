#!/usr/bin/env python3
"""Checks the monitoring and compose files against what Stele really exports.

    check_monitoring.py REPO PROMQL_RULES_OUT

- Every stele_* name in the alert rules and the Grafana dashboard is a metric
  Stele registers (read from Sources/SteleService/Metrics/*.swift; histograms
  also as _bucket, _sum and _count).
- Alert rules carry a severity, a summary and a description.
- The dashboard is JSON Grafana can load: unique panel ids, panels that do not
  overlap, every query on the provisioned datasource's uid.
- docker/compose.yaml: the three services, its bind mounts exist, its named
  volumes are declared, Prometheus scrapes the stele service on the image's
  port, Grafana's provider reads the directory the dashboards are mounted at.
- Every dashboard query is written to PROMQL_RULES_OUT as a recording rule
  (Grafana's $variables replaced), so `promtool check rules` parses each one.
"""
import glob
import json
import os
import re
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerfile_stage  # noqa: E402

problems = []
OTHER_METRICS = {"up", "kubelet_volume_stats_available_bytes"}


def expect(condition, message):
    if not condition:
        problems.append(message)
    return condition


def read_yaml(path):
    with open(path, encoding="utf-8") as file:
        return yaml.safe_load(file)


def exported_metrics(repo):
    names = set()
    for path in glob.glob(os.path.join(repo, "Sources/SteleService/Metrics/*.swift")):
        with open(path, encoding="utf-8") as file:
            names |= set(re.findall(r'"(stele_[a-z0-9_]+)"', file.read()))
    expect(names, "no stele_* metric found in Sources/SteleService/Metrics")
    return names | {f"{name}{suffix}" for name in names for suffix in ("_bucket", "_sum", "_count")}


def check_names(expression, known, where):
    for name in re.findall(r"\b([a-z_][a-z0-9_]*)\s*[{\[]", expression) + re.findall(r"\b(stele_[a-z0-9_]+)", expression):
        if name.startswith("stele_") or name in OTHER_METRICS:
            expect(name in known or name in OTHER_METRICS, f"{where}: {name} is not a metric Stele exports")


def check_rules(repo, known):
    rules = read_yaml(os.path.join(repo, "deploy/prometheus/stele-rules.yml"))
    count = 0
    for group in rules["groups"]:
        for rule in group["rules"]:
            name = rule.get("alert", rule.get("record"))
            check_names(rule["expr"], known, f"alert {name}")
            expect(rule.get("labels", {}).get("severity") in ("critical", "warning", "info"), f"alert {name}: severity")
            for key in ("summary", "description"):
                expect(rule.get("annotations", {}).get(key), f"alert {name}: no {key}")
            count += 1
    return count


def check_dashboard(repo, known):
    datasources = read_yaml(os.path.join(repo, "docker/grafana/provisioning/datasources/prometheus.yaml"))
    uid = datasources["datasources"][0]["uid"]
    with open(os.path.join(repo, "docker/grafana/dashboards/stele.json"), encoding="utf-8") as file:
        dashboard = json.load(file)
    expect(dashboard.get("uid") and dashboard.get("title"), "dashboard: uid and title")
    ids, cells, expressions = set(), {}, []
    for panel in dashboard["panels"]:
        title = panel.get("title", "?")
        expect(panel["id"] not in ids, f"dashboard: panel id {panel['id']} twice")
        ids.add(panel["id"])
        grid = panel["gridPos"]
        expect(grid["x"] + grid["w"] <= 24, f"dashboard: {title} is wider than the grid")
        for x in range(grid["x"], grid["x"] + grid["w"]):
            for y in range(grid["y"], grid["y"] + grid["h"]):
                expect((x, y) not in cells, f"dashboard: {title} overlaps {cells.get((x, y))}")
                cells[(x, y)] = title
        for target in panel["targets"]:
            expect(target.get("datasource", panel.get("datasource", {})).get("uid") == uid, f"dashboard: {title} not on {uid}")
            check_names(target["expr"], known, f"dashboard panel {title}")
            expressions.append(target["expr"])
    variables = {v["name"] for v in dashboard.get("templating", {}).get("list", [])}
    for expression in expressions:
        for variable in re.findall(r"\$([a-zA-Z_]+)", expression):
            expect(variable in variables or variable.startswith("__"), f"dashboard: ${variable} is not a variable")
    return expressions


def check_compose(repo):
    compose_dir = os.path.join(repo, "docker")
    compose = read_yaml(os.path.join(compose_dir, "compose.yaml"))
    services = compose.get("services", {})
    expect(set(services) >= {"stele", "prometheus", "grafana"}, "compose: stele, prometheus and grafana")
    declared = set(compose.get("volumes") or {})
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source, target = volume.split(":")[:2]
            if source.startswith("."):
                expect(os.path.exists(os.path.join(compose_dir, source)), f"compose: {name} mounts {source}, which is missing")
            else:
                expect(source in declared, f"compose: {name} uses volume {source}, not declared")
    with open(os.path.join(repo, "docker/Dockerfile"), encoding="utf-8") as file:
        facts = dockerfile_stage.runtime_facts(dockerfile_stage.stages(file.read())[-1])
    env = dict(item.split("=", 1) for item in facts["env"])
    stele_volumes = [v.split(":") for v in services["stele"].get("volumes", [])]
    expect(any(v[1] == env["STELE_DATA_DIR"] and v[0] in declared for v in stele_volumes),
           "compose: the journal must live in a named volume at STELE_DATA_DIR")
    prometheus = read_yaml(os.path.join(compose_dir, "prometheus/prometheus.yml"))
    targets = [t for job in prometheus["scrape_configs"] for c in job.get("static_configs", []) for t in c["targets"]]
    expect(f"stele:{env['STELE_PORT']}" in targets, "compose: Prometheus must scrape stele:STELE_PORT")
    provider = read_yaml(os.path.join(compose_dir, "grafana/provisioning/dashboards/stele.yaml"))["providers"][0]
    mounts = dict(v.split(":")[:2] for v in services["grafana"]["volumes"])
    expect(mounts.get("./grafana/dashboards") == provider["options"]["path"], "compose: Grafana must read the mounted dashboards")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    repo, out = sys.argv[1], sys.argv[2]
    known = exported_metrics(repo)
    alerts = check_rules(repo, known)
    expressions = check_dashboard(repo, known)
    check_compose(repo)
    rules = [{"record": f"dashboard:query{index}", "expr": expression.replace("$__rate_interval", "5m").replace("$instance", ".*")}
             for index, expression in enumerate(expressions)]
    with open(out, "w", encoding="utf-8") as file:
        yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}, file, sort_keys=False)
    for problem in problems:
        print(f"monitoring: {problem}", file=sys.stderr)
    if not problems:
        print(f"monitoring: {alerts} alert rules and {len(expressions)} dashboard queries use only metrics Stele exports; "
              "compose, datasource and dashboard provisioning fit together: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
