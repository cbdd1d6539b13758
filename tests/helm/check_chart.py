#!/usr/bin/env python3
"""Offline check of the Helm chart in helm/atelio-gateway (no cluster, no helm binary).

For the default values and every helm/atelio-gateway/ci/*.yaml it:
  1. lints the chart (strict, Kubernetes 1.33): any warning or error fails, INFO is ignored;
  2. renders it and writes one YAML stream per scenario into a temporary folder;
  3. validates the built-in kinds with `kubernetes-validate --strict -k 1.33.0` and checks the
     shape of the custom resources (ServiceMonitor) here, as the validator has no schema for them;
  4. runs yamllint over the rendered streams (and the chart's own YAML files);
  5. asserts the chart's rules: secure pod defaults, gRPC probes on 50051, a preStop sleep and a
     long enough termination grace, config.toml with known keys only and no secret in it, secrets
     only in the Secret, existingSecret honoured, Ingress limited to /webhooks/atelio, the helm
     test pod, and more.
Then negative cases: the shared-store rule (several replicas without redis) and schema violations.

Run it through scripts/check-chart (which provides the virtualenv). Exit code 0 when all passed.
"""
from __future__ import annotations

import base64
import copy
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "atelio-gateway"
KUBE_VERSION = "1.33.0"
RELEASE, NAMESPACE = "rel", "atelio"
FULLNAME = f"{RELEASE}-atelio-gateway"
YAMLLINT_CONFIG = "{extends: default, rules: {line-length: {max: 160}, document-start: disable}}"
SHARED_STORE_MSG = "a shared store is required"
BUILTIN_GROUPS = {"v1", "apps/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"}

# Distinctive credentials: they must end up in the Secret and nowhere else.
SECRET_VALUES = {
    "atelio-identity": "s3cr3t-identity-XYZ",
    "atelio-authorization": "s3cr3t-authorization-XYZ",
    "webhook-secrets": "whsec_s3cr3t-webhook-XYZ",
    "callers.toml": 'token = "s3cr3t-callers-XYZ"',
    "redis-url": "redis://:s3cr3t-redis-XYZ@redis.data:6379/0",
}

# Keys the gateway accepts in config.toml (it rejects unknown keys).
ALLOWED_TOML = {
    "server": {"grpc_addr", "default_deadline_ms", "max_message_bytes", "tls"},
    "server.tls": {"cert_file", "key_file", "client_ca_file"},
    "upstream": {"base_url", "identity_file", "authorization_file", "connect_timeout_ms",
                 "attempt_timeout_ms", "default_program_id"},
    "log": {"level", "format"},
    "idempotency": {"store", "sqlite_path", "ttl_hours", "memory_max_records", "purge_interval_s"},
    "events": {"store", "sqlite_path", "retention_hours", "max_events", "dedupe_window_hours",
               "heartbeat_ms", "tail_capacity", "retention_interval_s"},
    "rate_limit": {"per_minute", "burst", "max_wait_ms", "per_caller_per_minute", "per_caller_burst",
                   "shared", "expected_replicas"},
    "retry": {"max_attempts", "base_delay_ms", "max_delay_ms", "max_retry_after_ms", "budget_ratio",
              "budget_min_per_sec"},
    "breaker": {"failure_threshold", "open_ms"},
    "webhook": {"listen_addr", "secrets_file", "tolerance_s", "max_body_bytes", "request_timeout_ms"},
    "admin": {"listen_addr"},
    "auth": {"mode", "tokens_file"},
    "telemetry": {"otlp_endpoint", "sample_ratio", "service_name"},
    "shutdown": {"grace_s"},
}
CONFIG_FILE_KEYS = [("upstream", "identity_file"), ("upstream", "authorization_file"),
                    ("webhook", "secrets_file"), ("auth", "tokens_file"), ("server.tls", "cert_file"),
                    ("server.tls", "key_file"), ("server.tls", "client_ca_file")]


class Report:
    def __init__(self) -> None:
        self.passed = 0
        self.failures: list[str] = []

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{what}{': ' + detail if detail else ''}")
            print(f"  FAIL {what}{': ' + detail if detail else ''}")
        return ok


R = Report()


def merge(base: dict, over: dict) -> dict:
    """Helm-style values merge: maps recursively, everything else replaced."""
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


def render(values: dict) -> dict[str, str]:
    return helm.Chart.load(CHART).render(values, name=RELEASE, namespace=NAMESPACE, is_install=True)


def documents(rendered: dict[str, str]) -> list[tuple[str, dict, str]]:
    """(template, object, text) for every non-empty manifest; NOTES.txt left out."""
    docs = []
    for path in sorted(rendered):
        if path.endswith("NOTES.txt"):
            continue
        for text in rendered[path].split("\n---"):
            obj = yaml.safe_load(text)
            if obj:
                docs.append((path, obj, text))
    return docs


def find(docs, kind: str) -> list[dict]:
    return [o for _, o, _ in docs if o.get("kind") == kind]


def one(docs, kind: str, scenario: str) -> dict | None:
    found = find(docs, kind)
    R.check(len(found) == 1, f"[{scenario}] exactly one {kind}", f"found {len(found)}")
    return found[0] if len(found) == 1 else None


# ----------------------------------------------------------------------------------------------
# Assertions on one rendered scenario
# ----------------------------------------------------------------------------------------------
def check_secure_pod(spec: dict, where: str) -> None:
    psc = spec.get("securityContext") or {}
    R.check(psc.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot")
    R.check((psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", f"{where}: pod seccomp RuntimeDefault")
    R.check(spec.get("automountServiceAccountToken") is False, f"{where}: no service account token")
    for c in spec.get("containers", []):
        sc = c.get("securityContext") or {}
        name = f"{where}: container {c.get('name')}"
        R.check(sc.get("allowPrivilegeEscalation") is False, f"{name} allowPrivilegeEscalation false")
        R.check(sc.get("readOnlyRootFilesystem") is True, f"{name} readOnlyRootFilesystem")
        R.check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{name} drops ALL capabilities")
        R.check(sc.get("privileged") in (None, False), f"{name} not privileged")
        res = c.get("resources") or {}
        R.check(all(k in (res.get(part) or {}) for part in ("requests", "limits") for k in ("cpu", "memory")),
                f"{name} has cpu/memory requests and limits", str(res))


def volume_items(volume: dict) -> set[str] | None:
    """Paths a volume provides (None: the whole source, any path)."""
    src = volume.get("secret") or volume.get("configMap")
    if src is None:
        return None
    if "items" not in src:
        return None
    return {i["path"] for i in src["items"]}


def check_scenario(name: str, values: dict, docs) -> None:
    ps = f"[{name}]"
    dep = one(docs, "Deployment", name)
    if dep is None:
        return
    pod = dep["spec"]["template"]["spec"]
    check_secure_pod(pod, f"{ps} Deployment")
    gw = next((c for c in pod["containers"] if c["name"] == "gateway"), None)
    if not R.check(gw is not None, f"{ps} gateway container present"):
        return

    # Ports and probes.
    ports = {p["name"]: p["containerPort"] for p in gw.get("ports", [])}
    R.check(ports == {"grpc": 50051, "webhook": 8080, "metrics": 9090}, f"{ps} container ports", str(ports))
    live, ready = gw.get("livenessProbe") or {}, gw.get("readinessProbe") or {}
    if values["tls"]["enabled"]:
        R.check(live.get("httpGet", {}).get("path") == "/livez", f"{ps} TLS: liveness on /livez", str(live))
        R.check(ready.get("httpGet", {}).get("path") == "/readyz", f"{ps} TLS: readiness on /readyz", str(ready))
    else:
        R.check((live.get("grpc") or {}).get("port") == 50051, f"{ps} gRPC liveness probe on 50051", str(live))
        R.check(ready.get("grpc") == {"port": 50051, "service": ""},
                f'{ps} gRPC readiness probe on 50051 with service ""', str(ready))

    # Graceful shutdown.
    sleep = (((gw.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}).get("seconds")
    grace = values["shutdown"]["graceSeconds"]
    tgps = pod.get("terminationGracePeriodSeconds")
    R.check(isinstance(sleep, int) and sleep > 0, f"{ps} preStop sleep handler", str(gw.get("lifecycle")))
    R.check(isinstance(tgps, int) and isinstance(sleep, int) and tgps >= sleep + grace + 1 and tgps > grace,
            f"{ps} terminationGracePeriodSeconds > preStop + grace_s", f"{tgps} vs {sleep} + {grace}")

    # Checksums roll the pods on config/secret changes.
    ann = dep["spec"]["template"]["metadata"].get("annotations") or {}
    R.check("checksum/config" in ann, f"{ps} checksum/config annotation")
    if not values["existingSecret"]:
        R.check("checksum/secret" in ann, f"{ps} checksum/secret annotation")

    # Replicas vs HPA.
    hpas = find(docs, "HorizontalPodAutoscaler")
    if values["autoscaling"]["enabled"]:
        R.check(len(hpas) == 1 and "replicas" not in dep["spec"], f"{ps} HPA owns the replica count")
        if hpas:
            R.check(hpas[0]["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"], f"{ps} HPA targets the Deployment")
    else:
        R.check(not hpas and dep["spec"].get("replicas") == values["replicaCount"], f"{ps} replicas from replicaCount")

    # config.toml: valid TOML, known keys only, no inline secrets, store = backend.
    cms = find(docs, "ConfigMap")
    cm = next((c for c in cms if "config.toml" in (c.get("data") or {})), None)
    if not R.check(cm is not None, f"{ps} ConfigMap with config.toml"):
        return
    try:
        cfg = tomllib.loads(cm["data"]["config.toml"])
    except tomllib.TOMLDecodeError as e:
        R.check(False, f"{ps} config.toml parses as TOML", str(e))
        return
    unknown = []
    for section, table in cfg.items():
        if section not in ALLOWED_TOML:
            unknown.append(section)
            continue
        for key, val in table.items():
            if key == "tls" and section == "server":
                unknown += [f"server.tls.{k}" for k in val if k not in ALLOWED_TOML["server.tls"]]
            elif key not in ALLOWED_TOML[section]:
                unknown.append(f"{section}.{key}")
    R.check(not unknown, f"{ps} config.toml uses only known keys", ", ".join(unknown))
    backend = values["store"]["backend"]
    R.check(cfg["idempotency"]["store"] == backend and cfg["events"]["store"] == backend,
            f"{ps} config stores = store.backend ({backend})")
    shared = cfg["rate_limit"].get("shared", False)
    R.check(shared == (backend == "redis"), f"{ps} one shared rate limit exactly when the store is redis")
    if shared:
        most = values["autoscaling"]["maxReplicas"] if values["autoscaling"]["enabled"] else values["replicaCount"]
        R.check(cfg["rate_limit"]["expected_replicas"] == most,
                f"{ps} fallback share sized for the most replicas ({most})")
    R.check(cfg["shutdown"]["grace_s"] == grace, f"{ps} [shutdown] grace_s = shutdown.graceSeconds")
    R.check(cfg["server"]["grpc_addr"].endswith(":50051") and cfg["webhook"]["listen_addr"].endswith(":8080")
            and cfg["admin"]["listen_addr"].endswith(":9090"), f"{ps} listen addresses match the container ports")
    R.check(("otlp_endpoint" in cfg["telemetry"]) == bool(values["config"]["telemetry"]["otlpEndpoint"]),
            f"{ps} OTLP export only when an endpoint is set")

    # Every *_file key of the config points at a file some read-only mount provides.
    mounts = {m["mountPath"]: m for m in gw.get("volumeMounts", [])}
    vols = {v["name"]: v for v in pod.get("volumes", [])}
    for section, key in CONFIG_FILE_KEYS:
        table = cfg.get("server", {}).get("tls", {}) if section == "server.tls" else cfg.get(section, {})
        if key not in table:
            continue
        path = table[key]
        provided = False
        for mpath, m in mounts.items():
            if m.get("subPath"):
                continue
            if path.startswith(mpath.rstrip("/") + "/"):
                items = volume_items(vols.get(m["name"], {}))
                provided = m.get("readOnly") is True and (items is None or path[len(mpath.rstrip("/")) + 1:] in items)
        R.check(provided, f"{ps} {section}.{key} ({path}) is mounted read-only")
    if backend == "sqlite":
        R.check(cfg["idempotency"]["sqlite_path"].startswith("/data/") and "/data" in mounts,
                f"{ps} SQLite file on the /data volume")
    R.check("/etc/atelio-gateway/config.toml" in mounts, f"{ps} config mounted at /etc/atelio-gateway/config.toml")
    env = {e["name"]: e for e in gw.get("env", [])}
    R.check(env.get("ATELIO_GATEWAY_CONFIG", {}).get("value") == "/etc/atelio-gateway/config.toml",
            f"{ps} ATELIO_GATEWAY_CONFIG set")

    # Credentials: the Secret volume references the right Secret; redis URL from it.
    secret_name = values["existingSecret"] or FULLNAME
    sec_vol = vols.get("secrets", {}).get("secret", {})
    R.check(sec_vol.get("secretName") == secret_name, f"{ps} secrets volume uses Secret {secret_name}", str(sec_vol))
    chart_secrets = find(docs, "Secret")
    if values["existingSecret"]:
        R.check(not chart_secrets, f"{ps} existingSecret: no chart Secret rendered")
    else:
        R.check(len(chart_secrets) == 1 and chart_secrets[0]["metadata"]["name"] == FULLNAME,
                f"{ps} chart Secret rendered")
    if backend == "redis":
        ref = (env.get("ATELIO_GATEWAY__REDIS__URL", {}).get("valueFrom") or {}).get("secretKeyRef") or {}
        R.check(ref == {"name": secret_name, "key": "redis-url"}, f"{ps} redis URL from the Secret key redis-url", str(ref))
        if not values["existingSecret"] and chart_secrets:
            R.check("redis-url" in chart_secrets[0]["data"], f"{ps} chart Secret has redis-url")
    else:
        R.check("ATELIO_GATEWAY__REDIS__URL" not in env, f"{ps} no redis env without redis")

    # /data: PVC only for sqlite with persistence.
    pvcs = find(docs, "PersistentVolumeClaim")
    data = vols.get("data", {})
    if backend == "sqlite" and values["persistence"]["enabled"]:
        claim = values["persistence"]["existingClaim"] or f"{FULLNAME}-data"
        R.check((data.get("persistentVolumeClaim") or {}).get("claimName") == claim, f"{ps} /data on PVC {claim}")
        R.check(len(pvcs) == (0 if values["persistence"]["existingClaim"] else 1), f"{ps} PVC rendered")
        R.check(dep["spec"]["strategy"]["type"] == "Recreate", f"{ps} Recreate strategy with a PVC")
    else:
        R.check("emptyDir" in data and not pvcs, f"{ps} /data is an emptyDir, no PVC")

    # Service: the three ports.
    svc = one(docs, "Service", name)
    if svc:
        sp = {p["name"]: p for p in svc["spec"]["ports"]}
        R.check(set(sp) == {"grpc", "webhook", "metrics"}, f"{ps} Service ports grpc/webhook/metrics", str(list(sp)))
        R.check(all(sp[n]["targetPort"] == n for n in sp), f"{ps} Service targets the named ports")
        R.check(svc["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"], f"{ps} Service selects the gateway pods")
        if not values["tls"]["enabled"]:
            R.check(sp.get("grpc", {}).get("appProtocol") in ("kubernetes.io/h2c", "grpc"), f"{ps} gRPC appProtocol h2c")

    # Ingress: only /webhooks/atelio, only the webhook port.
    ings = find(docs, "Ingress")
    if values["ingress"]["enabled"]:
        paths = [(p["path"], p["backend"]["service"]) for ing in ings for rule in ing["spec"]["rules"]
                 for p in rule["http"]["paths"]]
        R.check(ings and not any("defaultBackend" in i["spec"] for i in ings), f"{ps} Ingress without a default backend")
        R.check(paths == [("/webhooks/atelio", {"name": FULLNAME, "port": {"name": "webhook"}})],
                f"{ps} Ingress exposes only /webhooks/atelio on the webhook port", str(paths))
    else:
        R.check(not ings, f"{ps} no Ingress when disabled")

    # ServiceMonitor: scrapes the metrics port of this Service.
    sms = find(docs, "ServiceMonitor")
    R.check(bool(sms) == values["serviceMonitor"]["enabled"], f"{ps} ServiceMonitor only when enabled")

    # NetworkPolicy.
    nps = find(docs, "NetworkPolicy")
    if values["networkPolicy"]["enabled"] and R.check(len(nps) == 1, f"{ps} NetworkPolicy rendered"):
        np = nps[0]["spec"]
        R.check(np["podSelector"]["matchLabels"] == dep["spec"]["selector"]["matchLabels"], f"{ps} NetworkPolicy selects the gateway")
        in_ports = sorted(p["port"] for rule in np["ingress"] for p in rule["ports"])
        R.check(in_ports == ["grpc", "metrics", "webhook"], f"{ps} NetworkPolicy ingress ports", str(in_ports))
        eg_ports = {p["port"] for rule in np["egress"] for p in rule.get("ports", [])}
        R.check({53, 443} <= eg_ports, f"{ps} egress allows DNS and HTTPS", str(eg_ports))
        if backend == "redis":
            R.check(values["store"]["redis"]["port"] in eg_ports, f"{ps} egress allows Redis")
        if values["config"]["telemetry"]["otlpEndpoint"]:
            R.check(4317 in eg_ports, f"{ps} egress allows the OTLP collector")
        grpc_rule = next(r for r in np["ingress"] if r["ports"][0]["port"] == "grpc")
        if values["networkPolicy"]["grpcFrom"]:
            R.check(len(grpc_rule.get("from", [])) == len(values["networkPolicy"]["grpcFrom"]) + 1,
                    f"{ps} gRPC ingress from the configured peers (+ the helm test pod)")
    elif not values["networkPolicy"]["enabled"]:
        R.check(not nps, f"{ps} no NetworkPolicy when disabled")

    # PDB, ServiceAccount.
    pdbs = find(docs, "PodDisruptionBudget")
    R.check(bool(pdbs) == values["podDisruptionBudget"]["enabled"], f"{ps} PDB only when enabled")
    for sa in find(docs, "ServiceAccount"):
        R.check(sa.get("automountServiceAccountToken") is False, f"{ps} ServiceAccount without token automount")

    # helm test pod.
    tests = [o for _, o, _ in docs if o.get("kind") == "Pod"]
    if R.check(len(tests) == 1, f"{ps} one helm test pod", str(len(tests))):
        t = tests[0]
        R.check((t["metadata"].get("annotations") or {}).get("helm.sh/hook") == "test", f"{ps} test pod has helm.sh/hook: test")
        args = t["spec"]["containers"][0].get("args", [])
        R.check(args[:3] == ["health-probe", "--addr", f"{FULLNAME}:50051"], f"{ps} test pod runs health-probe", str(args))
        sel = dep["spec"]["selector"]["matchLabels"]
        R.check(not all(t["metadata"]["labels"].get(k) == v for k, v in sel.items()),
                f"{ps} test pod is not selected by the gateway selector")
        R.check(t["spec"].get("restartPolicy") == "Never", f"{ps} test pod restartPolicy Never")
        check_secure_pod(t["spec"], f"{ps} test pod")

    # Nothing rendered may carry a default-value secret of the CI files in plain text outside a Secret.
    for path, obj, text in docs:
        if obj.get("kind") == "Secret":
            continue
        for k, v in (values.get("secrets") or {}).items():
            vals = v if isinstance(v, list) else [v]
            for s in vals:
                if s and len(s) > 6:
                    R.check(s not in text, f"{ps} secrets.{k} not in {obj.get('kind')} {path}")


def check_custom_resources(name: str, docs, values: dict) -> list[dict]:
    """Validate CRD kinds by hand (kubernetes-validate has no schemas for them)."""
    custom = [o for _, o, _ in docs if o.get("apiVersion") not in BUILTIN_GROUPS]
    svc = next((o for o in find(docs, "Service")), None)
    for o in custom:
        what = f"[{name}] {o.get('kind')}"
        if o.get("apiVersion") == "monitoring.coreos.com/v1" and o.get("kind") == "ServiceMonitor":
            R.check(set(o) == {"apiVersion", "kind", "metadata", "spec"}, f"{what} top-level fields")
            spec = o["spec"]
            R.check(set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel", "targetLabels",
                                  "podTargetLabels", "sampleLimit"}, f"{what} spec fields", str(list(spec)))
            ml = spec.get("selector", {}).get("matchLabels", {})
            R.check(bool(ml) and svc is not None and all(svc["metadata"]["labels"].get(k) == v for k, v in ml.items()),
                    f"{what} selects the gateway Service")
            R.check(spec.get("namespaceSelector", {}).get("matchNames") == [NAMESPACE], f"{what} namespaceSelector")
            eps = spec.get("endpoints", [])
            svc_ports = {p["name"] for p in svc["spec"]["ports"]} if svc else set()
            R.check(len(eps) == 1 and eps[0].get("port") == "metrics" and eps[0].get("path") == "/metrics"
                    and "metrics" in svc_ports, f"{what} scrapes the Service's metrics port /metrics", str(eps))
            allowed = {"port", "path", "scheme", "interval", "scrapeTimeout", "honorLabels", "relabelings",
                       "metricRelabelings", "tlsConfig"}
            R.check(all(set(e) <= allowed for e in eps), f"{what} endpoint fields")
        else:
            R.check(False, f"{what}: no check for this custom kind ({o.get('apiVersion')})")
    return custom


# ----------------------------------------------------------------------------------------------
# Scenarios
# ----------------------------------------------------------------------------------------------
def lint(name: str, overrides: dict) -> None:
    rep = helm.lint(str(CHART), overrides, strict=True, kube_version=f"v{KUBE_VERSION}")
    bad = [m for m in rep.get("messages", []) if m.get("severity", 0) >= 2]
    R.check(not bad and not rep.get("errors"), f"[{name}] helm lint --strict",
            "; ".join(f"{m.get('path')}: {m.get('error')}" for m in bad) + " ".join(rep.get("errors") or []))


def run_tool(args: list[str], what: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True)
    out = (proc.stdout + proc.stderr).strip()
    R.check(proc.returncode == 0, what, "\n" + out if out else f"exit {proc.returncode}")


def main() -> int:
    t0 = time.monotonic()
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    scenarios: list[tuple[str, dict]] = [("default", {})]
    ci_files = sorted((CHART / "ci").glob("*.yaml"))
    R.check(len(ci_files) >= 3, "at least 3 CI values files", str(len(ci_files)))
    for f in ci_files:
        scenarios.append((f"ci/{f.name}", yaml.safe_load(f.read_text()) or {}))
    # Distinctive secrets (on redis, so redis-url is covered too).
    scenarios.append(("secrets-redis", {
        "store": {"backend": "redis", "redis": {"url": SECRET_VALUES["redis-url"]}},
        "secrets": {"atelioIdentity": SECRET_VALUES["atelio-identity"],
                    "atelioAuthorization": SECRET_VALUES["atelio-authorization"],
                    "webhookSecrets": [SECRET_VALUES["webhook-secrets"]],
                    "callersToml": SECRET_VALUES["callers.toml"]},
    }))
    scenarios.append(("memory-auth-off", {"store": {"backend": "memory"}, "config": {"auth": {"mode": "off"}},
                                          "podDisruptionBudget": {"enabled": False}, "tests": {"enabled": True}}))

    tmp = Path(tempfile.mkdtemp(prefix="check-chart-"))
    builtin_files, all_files = [], []
    print(f"Chart {CHART.relative_to(ROOT)}: {len(scenarios)} scenarios, Kubernetes {KUBE_VERSION}")
    for name, overrides in scenarios:
        print(f"- {name}")
        lint(name, overrides)
        values = merge(defaults, overrides)
        try:
            helm.Chart.load(CHART).validate_schema(overrides)
            rendered = render(overrides)
        except helm.HelmError as e:
            R.check(False, f"[{name}] render", str(e))
            continue
        docs = documents(rendered)
        custom = check_custom_resources(name, docs, values)
        stem = name.replace("/", "_").removesuffix(".yaml")
        builtin = [text.strip("\n") for _, o, text in docs if o not in custom]
        crd = [text.strip("\n") for _, o, text in docs if o in custom]
        f = tmp / f"{stem}.yaml"
        f.write_text("\n---\n".join(builtin) + "\n")
        builtin_files.append(str(f))
        all_files.append(str(f))
        if crd:
            g = tmp / f"{stem}.crds.yaml"
            g.write_text("\n---\n".join(crd) + "\n")
            all_files.append(str(g))
        check_scenario(name, values, docs)
        if name == "secrets-redis":
            check_secret_placement(docs)

    print("- kubernetes-validate / yamllint")
    kv = Path(sys.executable).parent / "kubernetes-validate"
    run_tool([str(kv), "--strict", "-k", KUBE_VERSION, "--quiet", *builtin_files],
             f"kubernetes-validate --strict -k {KUBE_VERSION} ({len(builtin_files)} streams)")
    chart_yaml = [str(CHART / "Chart.yaml"), str(CHART / "values.yaml"), *map(str, ci_files)]
    run_tool([sys.executable, "-m", "yamllint", "-s", "-d", YAMLLINT_CONFIG, *all_files, *chart_yaml],
             f"yamllint (rendered output and chart YAML, {len(all_files) + len(chart_yaml)} files)")

    print("- negative cases")
    negative_cases()

    if R.failures:
        print(f"\nRendered streams kept in {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    for f in R.failures:
        print(f"FAILED: {f}")
    print(f"({time.monotonic() - t0:.1f}s)")
    print(f"check-chart: {R.passed} passed, {len(R.failures)} failed")
    return 1 if R.failures else 0


def check_secret_placement(docs) -> None:
    """The distinctive credentials appear (decoded) only in the chart Secret, never in clear text."""
    ps = "[secrets-redis]"
    secrets = find(docs, "Secret")
    if not R.check(len(secrets) == 1, f"{ps} one chart Secret"):
        return
    data = {k: base64.b64decode(v).decode() for k, v in secrets[0]["data"].items()}
    for key, val in SECRET_VALUES.items():
        R.check(data.get(key) == val, f"{ps} Secret key {key} holds its value")
    for path, obj, text in docs:
        for key, val in SECRET_VALUES.items():
            b64 = base64.b64encode(val.encode()).decode()
            if obj.get("kind") == "Secret":
                R.check(val not in text, f"{ps} {key} only base64-encoded in the Secret")
            else:
                R.check(val not in text and b64 not in text, f"{ps} {key} absent from {obj.get('kind')} ({path})")
    for cm in find(docs, "ConfigMap"):
        body = yaml.safe_dump(cm)
        R.check("XYZ" not in body, f"{ps} ConfigMap {cm['metadata']['name']} holds no secret")


def negative_cases() -> None:
    chart = helm.Chart.load(CHART)

    def must_fail_render(label: str, overrides: dict, needle: str) -> None:
        try:
            render(overrides)
        except helm.HelmError as e:
            R.check(needle in str(e), f"{label}: refused with '{needle}'", str(e))
            return
        R.check(False, f"{label}: refused", "rendered without error")

    must_fail_render("replicaCount 2 on sqlite", {"replicaCount": 2}, SHARED_STORE_MSG)
    must_fail_render("replicaCount 2 on memory", {"replicaCount": 2, "store": {"backend": "memory"}}, SHARED_STORE_MSG)
    must_fail_render("autoscaling to 3 on sqlite", {"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 3}},
                     SHARED_STORE_MSG)
    must_fail_render("mTLS without TLS", {"tls": {"clientCa": {"enabled": True}}}, "needs tls.enabled")
    must_fail_render("redis without a URL", {"store": {"backend": "redis"}}, "store.redis.url")
    try:
        render({"replicaCount": 2, "store": {"backend": "redis", "redis": {"url": "redis://r:6379"}}})
        R.check(True, "replicaCount 2 on redis renders")
    except helm.HelmError as e:
        R.check(False, "replicaCount 2 on redis renders", str(e))
    try:
        render({"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 1}})
        R.check(True, "autoscaling with maxReplicas 1 on sqlite renders")
    except helm.HelmError as e:
        R.check(False, "autoscaling with maxReplicas 1 on sqlite renders", str(e))

    schema_cases = [
        ("store.backend mysql", {"store": {"backend": "mysql"}}, "backend"),
        ("replicaCount 0", {"replicaCount": 0}, "replicaCount"),
        ("log.format xml", {"config": {"log": {"format": "xml"}}}, "format"),
        ("auth.mode basic", {"config": {"auth": {"mode": "basic"}}}, "mode"),
        ("unknown top-level key", {"replicas": 2}, "replicas"),
        ("unknown config key", {"config": {"upstream": {"identity": "inline"}}}, "identity"),
        ("grace 0", {"shutdown": {"graceSeconds": 0}}, "graceSeconds"),
    ]
    for label, overrides, needle in schema_cases:
        try:
            chart.validate_schema(overrides)
            R.check(False, f"schema rejects {label}", "accepted")
        except helm.HelmValuesError as e:
            R.check(needle in str(e), f"schema rejects {label}", str(e))
        rep = helm.lint(str(CHART), overrides, strict=True, kube_version=f"v{KUBE_VERSION}")
        R.check(any(m.get("severity", 0) >= 3 for m in rep.get("messages", [])) or bool(rep.get("errors")),
                f"lint reports {label} as an error")


if __name__ == "__main__":
    sys.exit(main())
