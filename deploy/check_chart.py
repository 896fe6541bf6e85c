"""Renders and validates the Helm chart deploy/helm/ovspeech offline, for every value set in deploy/helm/values.

Run with the pinned tools environment (bash deploy/deploy-venv.sh):

    .cache/deploy-venv/bin/python deploy/check_chart.py            # check; exit status 1 on any failure
    .cache/deploy-venv/bin/python deploy/check_chart.py --write    # also regenerate deploy/manifests/ovspeech.yaml

For each value set it runs `helm lint --strict` (Helm v4 as a library, helm-python-sdk), renders the chart as
release "ovspeech" in namespace "default", validates every object with kubernetes-validate's strict schemas
(unknown fields are errors) for Kubernetes 1.31 and the newest version the package knows, validates the KEDA
ScaledObject and the ServiceMonitor with the hand-written schemas in deploy/schemas, and asserts what the chart
promises (probes, grace period, security context, writable volumes, autoscaling, GPU). It checks that bad
values stop the rendering with a clear message, and that deploy/manifests/ovspeech.yaml is the rendering of
the default set. Each failure names the value set, the object and the field.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections import Counter
from pathlib import Path
from typing import Any, Iterator

import helm_python as helm
import jsonschema
import kubernetes_validate
import yaml
from referencing import Registry, Resource

DEPLOY = Path(__file__).resolve().parent
CHART = DEPLOY / "helm" / "ovspeech"
VALUE_SETS = DEPLOY / "helm" / "values"
MANIFEST = DEPLOY / "manifests" / "ovspeech.yaml"
SCHEMAS = DEPLOY / "schemas"
RELEASE, NAMESPACE = "ovspeech", "default"
KUBE_VERSIONS = ("1.31", ".".join(kubernetes_validate.latest_version().split(".")[:2]))
MANIFEST_SET = "default.yaml"

# The value sets the repository promises, and what each must show.
REQUIRED_SETS = {
    "default.yaml": {"mode": "none", "gpu": False},
    "keda.yaml": {"mode": "keda"},
    "prometheus-adapter-hpa.yaml": {"mode": "hpa"},
    "intel-gpu.yaml": {"gpu": True},
}

# Values that must not render, and a part of the message that must say why.
BAD_SETS: list[tuple[str, dict[str, Any], str]] = [
    ("autoscaling.mode bogus", {"autoscaling": {"mode": "bogus"}}, "at '/autoscaling/mode': value must be one of 'none', 'keda', 'hpa'"),
    ("grace period below the request timeout", {"terminationGracePeriodSeconds": 60}, "terminationGracePeriodSeconds 60 is below 605"),
    ("keda without a Prometheus", {"autoscaling": {"mode": "keda"}}, "autoscaling.keda.serverAddress names no Prometheus"),
    ("existingClaim without a claim", {"models": {"persistence": {"type": "existingClaim"}}}, "existingClaim names no claim"),
    ("writable root filesystem", {"securityContext": {"readOnlyRootFilesystem": False}}, "at '/securityContext/readOnlyRootFilesystem'"),
    ("a setting the chart owns", {"config": {"OVSPEECH_DEVICE": "GPU"}}, "additional properties 'OVSPEECH_DEVICE' not allowed"),
    ("hpa below one replica", {"autoscaling": {"mode": "hpa", "minReplicas": 0}}, "at '/autoscaling/minReplicas'"),
]

WRITABLE_PATHS = ("/models", "/var/cache/ovspeech", "/tmp")
PREPARE_COMMAND = ["node", "/app/dist/cli.js", "prepare", "/models"]
GAUGES = ("ovspeech_model_queue_depth", "ovspeech_model_running_jobs")
# The order `helm install` creates kinds in, for the plain manifests.
KIND_ORDER = ["ServiceAccount", "Secret", "ConfigMap", "PersistentVolumeClaim", "Service", "Deployment", "PodDisruptionBudget"]


class Check:
    """Collects the failures of one value set."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.failures: list[str] = []

    def fail(self, where: str, message: str) -> None:
        self.failures.append(f"{self.name}: {where}: {message}")

    def expect(self, condition: bool, where: str, message: str) -> bool:
        if not condition:
            self.fail(where, message)
        return condition


def ref(obj: dict[str, Any]) -> str:
    return f"{obj.get('kind')}/{obj.get('metadata', {}).get('name')}"


def render(chart: helm.Chart, values: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """The rendered objects, with the template each came from (NOTES.txt and empty templates left out)."""
    objects = []
    for template, text in sorted(chart.render(values, name=RELEASE, namespace=NAMESPACE, is_install=True).items()):
        if template.endswith("NOTES.txt"):
            continue
        for document in yaml.safe_load_all(text):
            if document:
                objects.append((template, document))
    return objects


def crd_validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """The hand-written schemas of the custom resources the chart may render, by (apiVersion, kind)."""
    resources = {}
    for file in sorted(SCHEMAS.glob("*.json")):
        schema = json.loads(file.read_text())
        resources[schema["$id"]] = Resource.from_contents(schema)
    registry = Registry().with_resources(resources.items())
    validators = {}
    for resource in resources.values():
        schema = resource.contents
        api_version, kind = schema["properties"].get("apiVersion", {}).get("const"), schema["properties"].get("kind", {}).get("const")
        if api_version and kind:
            jsonschema.Draft202012Validator.check_schema(schema)
            validators[(api_version, kind)] = jsonschema.Draft202012Validator(schema, registry=registry)
    return validators


def validate_objects(check: Check, objects: list[dict[str, Any]], crds: dict[tuple[str, str], Any]) -> None:
    """Every object against Kubernetes' strict schemas, or the chart's own for custom resources."""
    seen = Counter((obj.get("kind"), obj.get("metadata", {}).get("name")) for obj in objects)
    for (kind, name), count in seen.items():
        check.expect(count == 1, f"{kind}/{name}", f"rendered {count} times")
    for obj in objects:
        crd = crds.get((obj.get("apiVersion"), obj.get("kind")))
        if crd is not None:
            for error in sorted(crd.iter_errors(obj), key=lambda e: list(e.absolute_path)):
                check.fail(ref(obj), f"{'.'.join(map(str, error.absolute_path)) or '(object)'}: {error.message} (hand-written schema)")
            continue
        for version in KUBE_VERSIONS:
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                path = ".".join(str(part) for part in error.path) or "(object)"
                check.fail(ref(obj), f"{path}: {error.message} (Kubernetes {error.version}, strict)")
            except kubernetes_validate.SchemaNotFoundError as error:
                check.fail(ref(obj), f"no schema: {error.message}, and deploy/schemas has none")


def lint(check: Check, chart_dir: Path, values: dict[str, Any]) -> None:
    report = helm.lint(chart_dir, values, strict=True, kube_version="v1.31.0")
    for message in report.get("messages", []):
        if message["severity"] >= 2:
            check.fail(f"helm lint {message['path']}", message["error"])
    for error in report.get("errors") or []:
        check.fail("helm lint", error)


def matches(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def env_of(container: dict[str, Any], config_maps: dict[str, dict[str, str]]) -> dict[str, str]:
    """The container's environment as the kubelet makes it: envFrom ConfigMaps, then env values."""
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            env.update(config_maps.get(source["configMapRef"]["name"], {}))
    for variable in container.get("env", []):
        env[variable["name"]] = variable.get("value", "<from a reference>")
    return env


def grace_needed(container: dict[str, Any], env: dict[str, str]) -> tuple[int, str]:
    """The preStop sleep plus the longer server timeout, and how it was reached."""
    command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop = int(command[1]) if len(command) == 2 and command[0] == "sleep" else 0
    request = int(env.get("OVSPEECH_REQUEST_TIMEOUT", "600"))
    shutdown = int(env.get("OVSPEECH_SHUTDOWN_TIMEOUT", "30"))
    return pre_stop + max(request, shutdown), f"preStop {pre_stop} s + max(request timeout {request} s, shutdown timeout {shutdown} s)"


def check_probes(check: Check, where: str, container: dict[str, Any]) -> None:
    wanted = {"startupProbe": ("/health/live", "/health/ready"), "readinessProbe": ("/health/ready",), "livenessProbe": ("/health/live",)}
    ports = {port.get("name"): port["containerPort"] for port in container.get("ports", [])}
    check.expect(ports.get("http") == 8000, f"{where}.ports", f"no port 8000 named http: {container.get('ports')}")
    for probe, paths in wanted.items():
        get = container.get(probe, {}).get("httpGet")
        if not check.expect(get is not None, f"{where}.{probe}", "missing or not an httpGet"):
            continue
        check.expect(get.get("path") in paths, f"{where}.{probe}.httpGet.path", f"{get.get('path')!r}, want {' or '.join(paths)}")
        port = ports.get(get.get("port"), get.get("port"))
        check.expect(port == 8000, f"{where}.{probe}.httpGet.port", f"{get.get('port')!r} is not the server's port 8000")
    startup = container.get("startupProbe", {})
    window = startup.get("periodSeconds", 10) * startup.get("failureThreshold", 3)
    check.expect(window >= 300, f"{where}.startupProbe", f"allows {window} s to start, want at least 300 (models load for minutes)")


def check_security(check: Check, where: str, pod: dict[str, Any], container: dict[str, Any]) -> None:
    pod_context, context = pod.get("securityContext", {}), container.get("securityContext", {})

    def effective(key: str) -> Any:
        return context.get(key, pod_context.get(key))

    check.expect(effective("runAsNonRoot") is True, f"{where}.securityContext.runAsNonRoot", "not true")
    check.expect(effective("runAsUser") == 10001, f"{where}.securityContext.runAsUser", f"{effective('runAsUser')!r}, want 10001")
    check.expect(context.get("readOnlyRootFilesystem") is True, f"{where}.securityContext.readOnlyRootFilesystem", "not true")
    check.expect(context.get("allowPrivilegeEscalation") is False, f"{where}.securityContext.allowPrivilegeEscalation", "not false")
    drop = context.get("capabilities", {}).get("drop", [])
    check.expect("ALL" in drop, f"{where}.securityContext.capabilities.drop", f"{drop} does not drop ALL")
    seccomp = (effective("seccompProfile") or {}).get("type")
    check.expect(seccomp == "RuntimeDefault", f"{where}.securityContext.seccompProfile", f"{seccomp!r}, want RuntimeDefault")


def check_volumes(check: Check, where: str, pod: dict[str, Any], container: dict[str, Any]) -> None:
    """A writable emptyDir or claim at each path the server writes to."""
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    mounts = {mount["mountPath"]: mount for mount in container.get("volumeMounts", [])}
    for path in WRITABLE_PATHS:
        mount = mounts.get(path)
        if not check.expect(mount is not None, f"{where}.volumeMounts", f"nothing mounted at {path}, which is written to"):
            continue
        check.expect(not mount.get("readOnly", False), f"{where}.volumeMounts[{path}]", "read-only")
        volume = volumes.get(mount["name"], {})
        check.expect(
            "emptyDir" in volume or "persistentVolumeClaim" in volume,
            f"{where}.volumeMounts[{path}]",
            f"volume {mount['name']!r} is not writable storage",
        )


def check_models_volume(check: Check, where: str, pod: dict[str, Any], claims: set[str], values: dict[str, Any]) -> None:
    """The models volume is the claim, the existing claim or the emptyDir the values ask for."""
    models = next((volume for volume in pod.get("volumes", []) if volume["name"] == "models"), {})
    persistence = values["models"]["persistence"]
    claim = models.get("persistentVolumeClaim", {}).get("claimName")
    if persistence["type"] == "pvc":
        check.expect(
            claim in claims, f"{where}.volumes[models]", f"claim {claim!r} is not among the rendered PersistentVolumeClaims {sorted(claims)}"
        )
    elif persistence["type"] == "existingClaim":
        check.expect(
            claim == persistence["existingClaim"], f"{where}.volumes[models]", f"claim {claim!r}, want the existing {persistence['existingClaim']!r}"
        )
    else:
        check.expect("emptyDir" in models, f"{where}.volumes[models]", "not an emptyDir")


def check_secrets(
    check: Check,
    where: str,
    pod: dict[str, Any],
    container: dict[str, Any],
    env: dict[str, str],
    secrets: dict[str, set[str]],
    values: dict[str, Any],
) -> None:
    """Keys come from Secrets: never from the ConfigMap, and a key file is mounted where the server reads it."""
    existing = {values["apiKeys"]["existingSecret"], values["chatCompletion"]["existingSecret"]} - {""}

    def holds(secret: str, key: str, place: str) -> None:
        if check.expect(secret in secrets or secret in existing, place, f"Secret {secret!r} is neither rendered nor an existing one"):
            check.expect(secret in existing or key in secrets[secret], place, f"the rendered Secret {secret!r} holds no key {key!r}")

    for name in ("OVSPEECH_API_KEY", "CHAT_COMPLETION_API_KEY"):
        direct = [v for v in container.get("env", []) if v["name"] == name and "value" in v]
        check.expect(not direct, f"{where}.env[{name}]", "a secret given as a plain value")
    for variable in container.get("env", []):
        reference = variable.get("valueFrom", {}).get("secretKeyRef")
        if reference:
            holds(reference["name"], reference["key"], f"{where}.env[{variable['name']}]")
    wants_chat_key = bool(values["chatCompletion"]["apiKey"] or values["chatCompletion"]["existingSecret"])
    has_chat_key = any(variable["name"] == "CHAT_COMPLETION_API_KEY" for variable in container.get("env", []))
    check.expect(
        has_chat_key == wants_chat_key,
        f"{where}.env.CHAT_COMPLETION_API_KEY",
        f"{'missing' if wants_chat_key else 'set'} although a key is {'given' if wants_chat_key else 'not given'}",
    )
    key_file = env.get("OVSPEECH_API_KEY_FILE")
    wants_keys = bool(values["apiKeys"]["keys"] or values["apiKeys"]["existingSecret"])
    check.expect(
        bool(key_file) == wants_keys, f"{where}.env.OVSPEECH_API_KEY_FILE", f"{key_file!r} although API keys are {'set' if wants_keys else 'not set'}"
    )
    if not key_file:
        return
    volumes = {volume["name"]: volume for volume in pod.get("volumes", [])}
    found = False
    for mount in container.get("volumeMounts", []):
        secret = volumes.get(mount["name"], {}).get("secret")
        if secret is None:
            continue
        for item in secret.get("items", []):
            if f"{mount['mountPath']}/{item['path']}" == key_file:
                found = True
                holds(secret["secretName"], item["key"], f"{where}.volumes[{mount['name']}]")
    check.expect(found, f"{where}.volumeMounts", f"no Secret item mounted at OVSPEECH_API_KEY_FILE {key_file}")


def check_autoscaling(check: Check, by_kind: dict[str, list[dict[str, Any]]], deployment: dict[str, Any], values: dict[str, Any], text: str) -> None:
    mode = values["autoscaling"]["mode"]
    name = deployment["metadata"]["name"]
    hpas, scaled = by_kind.get("HorizontalPodAutoscaler", []), by_kind.get("ScaledObject", [])
    metric = values["autoscaling"]["hpa"]["metricName"]
    if mode == "none":
        check.expect("replicas" in deployment["spec"], f"{ref(deployment)}: spec.replicas", "missing without an autoscaler")
    else:
        check.expect("replicas" not in deployment["spec"], f"{ref(deployment)}: spec.replicas", f"set although {mode} scales the Deployment")
    check.expect(len(hpas) == (mode == "hpa"), "HorizontalPodAutoscaler", f"{len(hpas)} rendered with autoscaling.mode {mode}")
    check.expect(len(scaled) == (mode == "keda"), "ScaledObject", f"{len(scaled)} rendered with autoscaling.mode {mode}")
    check.expect(
        (metric in text) == (mode == "hpa"),
        "objects",
        f"the HPA metric {metric} {'missing' if mode == 'hpa' else 'named'} with autoscaling.mode {mode}",
    )
    for gauge in GAUGES:
        wanted = mode == "keda" or (mode == "hpa" and values["autoscaling"]["hpa"]["adapterRuleConfigMap"])
        check.expect((gauge in text) == wanted, "objects", f"the gauge {gauge} {'missing' if wanted else 'named'} with autoscaling.mode {mode}")
    for obj in scaled:
        spec = obj["spec"]
        check.expect(
            spec["scaleTargetRef"]["name"] == name, f"{ref(obj)}: spec.scaleTargetRef.name", f"{spec['scaleTargetRef']['name']!r}, want {name!r}"
        )
        prometheus = [trigger for trigger in spec["triggers"] if trigger["type"] == "prometheus"]
        if check.expect(len(prometheus) == 1, f"{ref(obj)}: spec.triggers", "want one prometheus trigger"):
            query = prometheus[0]["metadata"]["query"]
            for gauge in GAUGES:
                check.expect(gauge in query, f"{ref(obj)}: spec.triggers[0].metadata.query", f"does not read {gauge}: {query}")
            check.expect(
                f'namespace="{NAMESPACE}"' in query and f'service="{name}"' in query,
                f"{ref(obj)}: spec.triggers[0].metadata.query",
                f"not limited to this release's pods: {query}",
            )
            check.expect(query.startswith("sum("), f"{ref(obj)}: spec.triggers[0].metadata.query", "does not sum the load")
    for obj in hpas:
        spec = obj["spec"]
        check.expect(
            spec["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            f"{ref(obj)}: spec.scaleTargetRef",
            str(spec["scaleTargetRef"]),
        )
        pods = [m["pods"] for m in spec.get("metrics", []) if m["type"] == "Pods"]
        check.expect(len(pods) == 1 and pods[0]["metric"]["name"] == metric, f"{ref(obj)}: spec.metrics", f"want one Pods metric {metric}")
    for obj in by_kind.get("ConfigMap", []):
        if "rules.yaml" in obj.get("data", {}):
            check_adapter_rule(check, obj, metric)


def check_adapter_rule(check: Check, obj: dict[str, Any], metric: str) -> None:
    """The Prometheus Adapter rule: it must define the HPA's metric per pod, from both gauges."""
    rules = yaml.safe_load(obj["data"]["rules.yaml"]).get("rules", [])
    where = f"{ref(obj)}: data.rules.yaml"
    if not check.expect(len(rules) == 1, where, f"{len(rules)} rules, want 1"):
        return
    rule = rules[0]
    check.expect(rule.get("name", {}).get("as") == metric, f"{where}: name.as", f"{rule.get('name')}, want {metric}")
    check.expect(
        rule.get("resources", {}).get("overrides", {}).get("pod") == {"resource": "pod"},
        f"{where}: resources.overrides.pod",
        "the series are not tied to pods",
    )
    query = rule.get("metricsQuery", "")
    check.expect(
        all(gauge in query for gauge in GAUGES) and "<<.LabelMatchers>>" in query and "<<.GroupBy>>" in query, f"{where}: metricsQuery", query
    )
    check.expect(
        re.search(rule.get("name", {}).get("matches", "^$"), rule.get("seriesQuery", "").split("{")[0]) is not None,
        f"{where}: name.matches",
        "does not match seriesQuery's series",
    )


def check_gpu(check: Check, where: str, container: dict[str, Any], env: dict[str, str], values: dict[str, Any]) -> None:
    gpu = values["gpu"]
    limits = container.get("resources", {}).get("limits", {})
    has_resource = any(key.startswith("gpu.intel.com/") for key in limits)
    check.expect(has_resource == gpu["enabled"], f"{where}.resources.limits", f"{limits} with gpu.enabled {gpu['enabled']}")
    check.expect(
        (env.get("OVSPEECH_DEVICE") == "GPU") == gpu["enabled"],
        f"{where}.env.OVSPEECH_DEVICE",
        f"{env.get('OVSPEECH_DEVICE')!r} with gpu.enabled {gpu['enabled']}",
    )
    check.expect(
        container["image"].endswith(gpu["tagSuffix"]) == gpu["enabled"], f"{where}.image", f"{container['image']} with gpu.enabled {gpu['enabled']}"
    )
    if gpu["enabled"]:
        check.expect(
            limits.get(gpu["resourceName"]) == gpu["count"], f"{where}.resources.limits", f"{limits}, want {gpu['resourceName']}: {gpu['count']}"
        )


def check_promises(check: Check, objects: list[dict[str, Any]], values: dict[str, Any], chart: helm.Chart) -> None:
    by_kind: dict[str, list[dict[str, Any]]] = {}
    for obj in objects:
        by_kind.setdefault(obj["kind"], []).append(obj)
    deployments = by_kind.get("Deployment", [])
    if not check.expect(len(deployments) == 1, "Deployment", f"{len(deployments)} rendered, want 1"):
        return
    deployment = deployments[0]
    pod = deployment["spec"]["template"]["spec"]
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    check.expect(matches(deployment["spec"]["selector"]["matchLabels"], pod_labels), f"{ref(deployment)}: spec.selector", "does not select its pods")
    config_maps = {obj["metadata"]["name"]: obj.get("data", {}) for obj in by_kind.get("ConfigMap", [])}
    claims = {obj["metadata"]["name"] for obj in by_kind.get("PersistentVolumeClaim", [])}
    secrets = {obj["metadata"]["name"]: {*obj.get("stringData", {}), *obj.get("data", {})} for obj in by_kind.get("Secret", [])}
    containers = {c["name"]: c for c in pod["containers"]}
    inits = {c["name"]: c for c in pod.get("initContainers", [])}
    server = containers.get("ovspeech")
    if not check.expect(server is not None, f"{ref(deployment)}: containers", "no container named ovspeech"):
        return
    where = f"{ref(deployment)}: containers[ovspeech]"
    env = env_of(server, config_maps)
    app_version = chart.metadata["appVersion"]
    check.expect(
        server["image"].startswith(f"{values['image']['repository']}:{values['image']['tag'] or app_version}"), f"{where}.image", server["image"]
    )
    check.expect(env.get("OVSPEECH_MODELS") == "/models", f"{where}.env.OVSPEECH_MODELS", repr(env.get("OVSPEECH_MODELS")))
    check.expect(
        env.get("OVSPEECH_CACHE_DIR", "").startswith("/var/cache/ovspeech/"), f"{where}.env.OVSPEECH_CACHE_DIR", repr(env.get("OVSPEECH_CACHE_DIR"))
    )
    check.expect(env.get("OVSPEECH_PORT", "8000") == "8000", f"{where}.env.OVSPEECH_PORT", repr(env.get("OVSPEECH_PORT")))
    check_probes(check, where, server)
    needed, how = grace_needed(server, env)
    grace = pod.get("terminationGracePeriodSeconds", 30)
    check.expect(grace >= needed, f"{ref(deployment)}: terminationGracePeriodSeconds", f"{grace} is below {needed} ({how})")
    check.expect(pod.get("automountServiceAccountToken") is False, f"{ref(deployment)}: automountServiceAccountToken", "the pods need no API token")
    for name, container in [*containers.items(), *inits.items()]:
        kind = "initContainers" if name in inits else "containers"
        check_security(check, f"{ref(deployment)}: {kind}[{name}]", pod, container)
        check_volumes(check, f"{ref(deployment)}: {kind}[{name}]", pod, container)
    check_models_volume(check, f"{ref(deployment)}: spec.template.spec", pod, claims, values)
    persistence = values["models"]["persistence"]
    if not values["strategy"] and persistence["type"] == "pvc" and "ReadWriteMany" not in persistence["accessModes"]:
        strategy = deployment["spec"].get("strategy", {}).get("type")
        check.expect(
            strategy == "Recreate",
            f"{ref(deployment)}: spec.strategy.type",
            f"{strategy!r}: a surge pod on another node cannot mount the ReadWriteOnce claim",
        )
    prepare = inits.get("prepare-models")
    if values["models"]["prepare"]["enabled"]:
        if check.expect(prepare is not None, f"{ref(deployment)}: initContainers", "no prepare-models although models.prepare.enabled"):
            check.expect(
                prepare.get("command") == PREPARE_COMMAND,
                f"{ref(deployment)}: initContainers[prepare-models].command",
                f"{prepare.get('command')}, want {PREPARE_COMMAND}",
            )
            check.expect(prepare["image"] == server["image"], f"{ref(deployment)}: initContainers[prepare-models].image", "not the server's image")
    else:
        check.expect(prepare is None, f"{ref(deployment)}: initContainers", "prepare-models although models.prepare.enabled is false")
    check_secrets(check, where, pod, server, env, secrets, values)
    check_gpu(check, where, server, env, values)
    for map_name, data in config_maps.items():
        for key in ("OVSPEECH_API_KEY", "CHAT_COMPLETION_API_KEY"):
            check.expect(key not in data, f"ConfigMap/{map_name}: data.{key}", "a secret in a ConfigMap")
    services = by_kind.get("Service", [])
    if check.expect(len(services) == 1, "Service", f"{len(services)} rendered, want 1"):
        service = services[0]
        check.expect(matches(service["spec"]["selector"], pod_labels), f"{ref(service)}: spec.selector", "does not select the pods")
        http = [port for port in service["spec"]["ports"] if port.get("name") == "http"]
        check.expect(
            len(http) == 1 and http[0].get("targetPort") in ("http", 8000),
            f"{ref(service)}: spec.ports",
            "no port named http to the container's port 8000",
        )
        check.expect(bool(http) and http[0].get("port") == values["service"]["port"], f"{ref(service)}: spec.ports[http].port", "not service.port")
        for monitor in by_kind.get("ServiceMonitor", []):
            check.expect(
                matches(monitor["spec"]["selector"]["matchLabels"], service["metadata"]["labels"]),
                f"{ref(monitor)}: spec.selector",
                "does not select the Service",
            )
            endpoint = monitor["spec"]["endpoints"][0]
            check.expect(
                endpoint["port"] == "http" and endpoint.get("path") == "/metrics",
                f"{ref(monitor)}: spec.endpoints[0]",
                f"{endpoint}, want port http, path /metrics",
            )
    check.expect(
        len(by_kind.get("ServiceMonitor", [])) == values["serviceMonitor"]["enabled"],
        "ServiceMonitor",
        f"serviceMonitor.enabled is {values['serviceMonitor']['enabled']}",
    )
    for budget in by_kind.get("PodDisruptionBudget", []):
        check.expect(matches(budget["spec"]["selector"]["matchLabels"], pod_labels), f"{ref(budget)}: spec.selector", "does not select the pods")
        check.expect("minAvailable" not in budget["spec"], f"{ref(budget)}: spec.minAvailable", "could block every drain of a one-replica release")
    for policy in by_kind.get("NetworkPolicy", []):
        check.expect(
            matches(policy["spec"]["podSelector"]["matchLabels"], pod_labels), f"{ref(policy)}: spec.podSelector", "does not select the pods"
        )
        ports = [port.get("port") for rule in policy["spec"].get("ingress", []) for port in rule.get("ports", [])]
        check.expect("http" in ports or 8000 in ports, f"{ref(policy)}: spec.ingress", f"port 8000 is not let in: {ports}")
    check.expect(
        len(by_kind.get("NetworkPolicy", [])) == values["networkPolicy"]["enabled"],
        "NetworkPolicy",
        f"networkPolicy.enabled is {values['networkPolicy']['enabled']}",
    )
    check_autoscaling(check, by_kind, deployment, values, json.dumps(objects))


def check_expectations(check: Check, name: str, values: dict[str, Any]) -> None:
    for key, wanted in REQUIRED_SETS.get(name, {}).items():
        actual = values["autoscaling"]["mode"] if key == "mode" else values["gpu"]["enabled"]
        check.expect(actual == wanted, "values", f"{key} is {actual!r}; this set is the one for {key} {wanted!r}")


def check_bad_values(chart: helm.Chart) -> list[str]:
    failures = []
    for name, values, message in BAD_SETS:
        try:
            render(chart, values)
        except helm.HelmError as error:
            if message not in str(error):
                failures.append(f"bad values ({name}): the rendering failed, but its message does not say {message!r}: {error}")
            else:
                print(f"  bad values ({name}): refused: {str(error).strip().splitlines()[-1].strip()}")
        else:
            failures.append(f"bad values ({name}): {values} rendered; it must not")
    return failures


class ManifestDumper(yaml.SafeDumper):
    """Indents lists under their key, as Prettier does, so that the manifests pass `prettier --check`."""

    def increase_indent(self, flow: bool = False, indentless: bool = False) -> None:
        super().increase_indent(flow, False)


def manifest_text(objects: list[tuple[str, dict[str, Any]]]) -> str:
    """The plain manifests: the default set's objects in install order, each under its template's name."""

    def order(item: tuple[str, dict[str, Any]]) -> tuple[int, str]:
        kind = item[1]["kind"]
        return (KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER), item[0])

    parts = [
        "# ovspeech for Kubernetes, without Helm: the chart deploy/helm/ovspeech rendered with its default values\n"
        "# (deploy/helm/values/default.yaml) as release ovspeech. Generated by `deploy/check_chart.py --write`; do not\n"
        "# edit: change the chart. Apply with `kubectl apply -n NAMESPACE -f deploy/manifests/ovspeech.yaml`.\n"
    ]
    for template, obj in sorted(objects, key=order):
        parts.append(f"---\n# Source: {template}\n" + yaml.dump(obj, Dumper=ManifestDumper, sort_keys=False, default_flow_style=False, width=1000))
    return "".join(parts)


def value_sets(directory: Path) -> Iterator[tuple[str, dict[str, Any]]]:
    for file in sorted(directory.glob("*.yaml")):
        yield file.name, yaml.safe_load(file.read_text()) or {}


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--write", action="store_true", help=f"regenerate {MANIFEST.relative_to(DEPLOY.parent)}")
    parser.add_argument("--chart", type=Path, default=CHART, help="the chart directory (default: %(default)s)")
    args = parser.parse_args(argv)

    failures: list[str] = []
    crds = crd_validators()
    print(
        f"Helm {helm.helm_sdk_version()} (helm-python-sdk {helm.__version__}), "
        f"kubernetes-validate {kubernetes_validate.__version__}: Kubernetes {', '.join(KUBE_VERSIONS)} (strict)"
    )
    chart = helm.Chart.load(args.chart)
    sets = dict(value_sets(VALUE_SETS))
    for name in REQUIRED_SETS:
        if name not in sets:
            failures.append(f"{name}: missing from {VALUE_SETS}")
    manifest_objects: list[tuple[str, dict[str, Any]]] = []
    for name, values in sets.items():
        check = Check(name)
        lint(check, args.chart, values)
        try:
            rendered = render(chart, values)
        except helm.HelmError as error:
            check.fail("render", str(error).strip())
            rendered = []
        if rendered:
            objects = [obj for _, obj in rendered]
            merged = chart.merge_values(values)
            check_expectations(check, name, merged)
            validate_objects(check, objects, crds)
            check_promises(check, objects, merged, chart)
            kinds = Counter(obj["kind"] for obj in objects)
            summary = ", ".join(f"{kind} {count}" if count > 1 else kind for kind, count in sorted(kinds.items()))
            print(f"{name}: {len(objects)} objects ({summary}): {'ok' if not check.failures else f'{len(check.failures)} failures'}")
        if name == MANIFEST_SET:
            manifest_objects = rendered
        failures.extend(check.failures)
    failures.extend(check_bad_values(chart))
    if manifest_objects:
        text = manifest_text(manifest_objects)
        if args.write:
            MANIFEST.parent.mkdir(parents=True, exist_ok=True)
            MANIFEST.write_text(text)
            print(f"wrote {MANIFEST.relative_to(DEPLOY.parent)}")
        elif not MANIFEST.exists() or MANIFEST.read_text() != text:
            failures.append(
                f"{MANIFEST.relative_to(DEPLOY.parent)}: differs from a fresh rendering of {MANIFEST_SET}; "
                "run .cache/deploy-venv/bin/python deploy/check_chart.py --write"
            )
    for failure in failures:
        print(f"FAIL {failure}", file=sys.stderr)
    print(f"{len(sets)} value sets, {len(BAD_SETS)} bad value sets: {'ok' if not failures else f'{len(failures)} failures'}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
