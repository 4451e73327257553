#!/usr/bin/env python3
"""What kubernetes-validate cannot see in deploy/kubernetes: that the resources
fit together and keep the image's promises.

    check_manifests.py deploy/kubernetes docker/Dockerfile

kubernetes-validate checks each resource against the API's schemas but knows no
custom resource (the ServiceMonitor) and nothing across files. This checks: the
kustomization's resources exist; the StatefulSet's selector, Services, PDB and
ServiceMonitor all select its pods; ports and probes use the container's port;
the probes hit /healthz and /readyz with a startup budget for a long recovery;
the grace period outlasts STELE_SHUTDOWN_GRACE; the security context (non-root
as the image's user, read-only root, no privilege escalation, no capabilities,
RuntimeDefault seccomp); requests and limits; the data volume at the image's
data directory; the token file inside the mounted Secret.
"""
import os
import sys

import yaml

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import dockerfile_stage  # noqa: E402

problems = []


def expect(condition, message):
    if not condition:
        problems.append(message)
    return condition


def selects(selector, labels):
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def load(directory):
    with open(os.path.join(directory, "kustomization.yaml"), encoding="utf-8") as file:
        kustomization = yaml.safe_load(file)
    resources = []
    for name in kustomization["resources"]:
        path = os.path.join(directory, name)
        if expect(os.path.isfile(path), f"kustomization.yaml names {name}, which does not exist"):
            with open(path, encoding="utf-8") as file:
                resources += [doc for doc in yaml.safe_load_all(file) if doc]
    with open(os.path.join(directory, "secret.example.yaml"), encoding="utf-8") as file:
        secret = yaml.safe_load(file)
    expect("secret.example.yaml" not in kustomization["resources"], "the example Secret must not be deployed")
    return resources, secret


def by_kind(resources, kind):
    return [resource for resource in resources if resource["kind"] == kind]


def check_probes(container, port_names):
    probes = {name: container.get(name, {}) for name in ("startupProbe", "livenessProbe", "readinessProbe")}
    for name, probe in probes.items():
        get = probe.get("httpGet", {})
        expect(get.get("port") in port_names, f"{name} must use the container's port")
    expect(probes["livenessProbe"].get("httpGet", {}).get("path") == "/healthz", "liveness must be /healthz")
    expect(probes["readinessProbe"].get("httpGet", {}).get("path") == "/readyz", "readiness must be /readyz")
    startup = probes["startupProbe"]
    budget = startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3)
    expect(budget >= 600, f"the startup probe allows {budget} s: a large journal's recovery needs 10 minutes or more")


def check_security(pod, container, image_uid):
    pod_context = pod.get("securityContext", {})
    context = container.get("securityContext", {})
    expect(pod_context.get("runAsNonRoot") is True, "runAsNonRoot must be true")
    expect(str(pod_context.get("runAsUser")) == image_uid, f"runAsUser must be the image's user {image_uid}")
    expect(pod_context.get("fsGroup") is not None, "fsGroup must give the user the volume")
    expect(pod_context.get("seccompProfile", {}).get("type") == "RuntimeDefault", "seccomp must be RuntimeDefault")
    expect(context.get("readOnlyRootFilesystem") is True, "readOnlyRootFilesystem must be true")
    expect(context.get("allowPrivilegeEscalation") is False, "allowPrivilegeEscalation must be false")
    expect(context.get("capabilities", {}).get("drop") == ["ALL"], "capabilities must drop ALL")
    expect(pod.get("enableServiceLinks") is False, "enableServiceLinks must be false (a Service named stele sets STELE_PORT)")
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        for resource in ("cpu", "memory"):
            expect(resource in resources.get(kind, {}), f"resources.{kind}.{resource} is missing")


def check_statefulset(statefulset, services, facts, secret):
    spec = statefulset["spec"]
    pod = spec["template"]["spec"]
    labels = spec["template"]["metadata"]["labels"]
    expect(selects(spec["selector"]["matchLabels"], labels), "the StatefulSet's selector must match its pods")
    headless = [s for s in services if s["metadata"]["name"] == spec.get("serviceName")]
    expect(headless and headless[0]["spec"].get("clusterIP") == "None", "serviceName must name a headless Service")
    container = pod["containers"][0]
    env = {item["name"]: item.get("value") for item in container.get("env", [])}
    image_env = dict(item.split("=", 1) for item in facts["env"])
    port_names = {port.get("name") for port in container.get("ports", [])} | {
        port["containerPort"] for port in container.get("ports", [])}
    ports = {port["containerPort"] for port in container.get("ports", [])}
    expect(str(env.get("STELE_PORT", image_env["STELE_PORT"])) in {str(p) for p in ports}, "containerPort must be STELE_PORT")
    expect(env.get("STELE_HOST", image_env["STELE_HOST"]) == "0.0.0.0", "STELE_HOST must be 0.0.0.0 in a pod")
    grace = int(env.get("STELE_SHUTDOWN_GRACE", "10"))
    termination = pod.get("terminationGracePeriodSeconds", 30)
    expect(termination >= grace + 10, f"terminationGracePeriodSeconds {termination} must outlast STELE_SHUTDOWN_GRACE {grace} by 10 s")
    check_probes(container, port_names)
    check_security(pod, container, facts["user"].split(":")[0])

    mounts = {mount["name"]: mount for mount in container.get("volumeMounts", [])}
    claims = {claim["metadata"]["name"] for claim in spec.get("volumeClaimTemplates", [])}
    data_dir = env.get("STELE_DATA_DIR", image_env["STELE_DATA_DIR"])
    data = [name for name, mount in mounts.items() if mount["mountPath"] == data_dir]
    expect(data and data[0] in claims, f"{data_dir} must be a volume from volumeClaimTemplates")
    expect(data_dir in facts.get("volume", []), "STELE_DATA_DIR must be the image's VOLUME")
    token_file = env.get("STELE_TOKEN_FILE")
    if expect(token_file, "STELE_TOKEN_FILE is not set"):
        volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
        found = False
        for name, mount in mounts.items():
            source = volumes.get(name, {}).get("secret")
            if source and token_file.startswith(mount["mountPath"].rstrip("/") + "/"):
                relative = token_file[len(mount["mountPath"].rstrip("/")) + 1:]
                keys = {item["path"]: item["key"] for item in source.get("items", [])}
                found = source["secretName"] == secret["metadata"]["name"] and keys.get(relative) in secret["stringData"]
                expect(mount.get("readOnly") is True, "the token Secret must be mounted read-only")
        expect(found, "STELE_TOKEN_FILE must be a key of the Secret stele-tokens, mounted as a file")
    return labels


def check(directory, dockerfile):
    resources, secret = load(directory)
    with open(dockerfile, encoding="utf-8") as file:
        facts = dockerfile_stage.runtime_facts(dockerfile_stage.stages(file.read())[-1])
    services = by_kind(resources, "Service")
    statefulsets = by_kind(resources, "StatefulSet")
    if not expect(len(statefulsets) == 1, "expected one StatefulSet"):
        return
    labels = check_statefulset(statefulsets[0], services, facts, secret)
    container = statefulsets[0]["spec"]["template"]["spec"]["containers"][0]
    port_names = {port.get("name") for port in container["ports"]}
    for service in services:
        name = service["metadata"]["name"]
        expect(selects(service["spec"]["selector"], labels), f"Service {name} must select the StatefulSet's pods")
        for port in service["spec"]["ports"]:
            expect(port["targetPort"] in port_names, f"Service {name} targets port {port['targetPort']}, not the container's")
    for budget in by_kind(resources, "PodDisruptionBudget"):
        expect(selects(budget["spec"]["selector"]["matchLabels"], labels), "the PodDisruptionBudget must select the pods")
    expect(by_kind(resources, "PodDisruptionBudget"), "no PodDisruptionBudget")
    monitors = by_kind(resources, "ServiceMonitor")
    expect(monitors, "no ServiceMonitor")
    for monitor in monitors:
        expect(monitor["apiVersion"] == "monitoring.coreos.com/v1", "ServiceMonitor must be monitoring.coreos.com/v1")
        spec = monitor["spec"]
        chosen = [s for s in services if selects(spec["selector"]["matchLabels"], s["metadata"].get("labels", {}))]
        if expect(len(chosen) == 1, f"the ServiceMonitor selects {len(chosen)} Services: each pod must be scraped once"):
            service_labels = chosen[0]["metadata"]["labels"]
            job = service_labels.get(spec.get("jobLabel"), chosen[0]["metadata"]["name"])
            expect(job == "stele", f"the scrape job would be {job!r}; the alert rules expect job=\"stele\"")
            names = {port.get("name") for port in chosen[0]["spec"]["ports"]}
            for endpoint in spec["endpoints"]:
                expect(endpoint.get("port") in names, f"ServiceMonitor port {endpoint.get('port')} is not the Service's")
                expect(endpoint.get("path", "/metrics") == "/metrics", "ServiceMonitor must scrape /metrics")
    for line in secret["stringData"]["tokens"].splitlines():
        fields = line.split()
        if fields and not fields[0].startswith("#"):
            expect(len(fields) == 2 and len(fields[0]) >= 16, f"token line {line!r}: TOKEN SCOPES, tokens of 16+ characters")
            expect(set(fields[-1].split(",")) <= {"read", "write", "admin"}, f"token line {line!r}: unknown scope")


def main():
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    check(sys.argv[1], sys.argv[2])
    for problem in problems:
        print(f"deploy/kubernetes: {problem}", file=sys.stderr)
    if not problems:
        print("deploy/kubernetes: the StatefulSet, Services, PodDisruptionBudget, ServiceMonitor and Secret fit together: ok")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
