#!/usr/bin/env python3
"""Offline check of the Helm chart in helm/atelio-gateway (no cluster, no helm binary).

For the default values and every helm/atelio-gateway/ci/*.yaml it:
  1. lints the chart (strict, Kubernetes 1.33): any warning or error fails, INFO is ignored;
  2. renders it and writes one YAML stream per scenario into a temporary folder;
  3. validates the built-in kinds with `kubernetes-validate --strict -k 1.33.0` and checks the
     shape of the custom resources (ServiceMonitor) here, as the validator has no schema for them;
  4. runs yamllint over the rendered streams (and the chart's own YAML files);
  5. asserts the chart's rules: secure pod defaults, /livez and /readyz probes on the admin port, a preStop sleep and a
     long enough termination grace, config.toml with known keys only and no secret in it, secrets
     only in the Secret, existingSecret honoured, Ingress limited to /webhooks/atelio, the helm
     test pod, and more.
Then negative cases: the shared-store rule (several replicas without redis) and schema violations.

The keys the gateway accepts come from config.default.toml at the repository root (its header
describes how optional and secret keys are written there); secret keys are refused in config.toml.

Every rule is a function `rule_…` taking a `Context` (the tally of checks, the key reference and
the run's files) and, for the per-scenario rules, a `Scenario`. Each assertion counts as one check.

Run it through scripts/check-chart (which provides the virtualenv). Exit code 0 when all passed.
"""
from __future__ import annotations

import base64
import json
import copy
import re
import shutil
import subprocess
import sys
import tempfile
import time
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from types import MappingProxyType

import helm_python as helm
import yaml

ROOT = Path(__file__).resolve().parents[2]
CHART = ROOT / "helm" / "atelio-gateway"
CONFIG_REFERENCE = ROOT / "config.default.toml"
KUBE_VERSION = "1.33.0"
RELEASE, NAMESPACE = "rel", "atelio"
FULLNAME = f"{RELEASE}-atelio-gateway"
YAMLLINT_CONFIG = "{extends: default, rules: {line-length: {max: 160}, document-start: disable}}"
SHARED_STORE_MSG = "a shared store is required"
BUILTIN_GROUPS = frozenset({"v1", "apps/v1", "autoscaling/v2", "policy/v1", "networking.k8s.io/v1"})

# Distinctive credentials: they must end up in the Secret and nowhere else.
SECRET_VALUES: Mapping[str, str] = MappingProxyType({
    "atelio-identity": "s3cr3t-identity-XYZ",
    "atelio-authorization": "s3cr3t-authorization-XYZ",
    "webhook-secrets": "whsec_s3cr3t-webhook-XYZ",
    "callers.toml": 'token = "s3cr3t-callers-XYZ"',
    "redis-url": "redis://:s3cr3t-redis-XYZ@redis.data:6379/0",
})


# ----------------------------------------------------------------------------------------------
# The configuration keys the gateway accepts, read from config.default.toml
# ----------------------------------------------------------------------------------------------
TABLE_LINE = re.compile(r"^\[([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\]\s*$")
ACTIVE_KEY_LINE = re.compile(r"^[a-z][a-z0-9_]*\s*=")
OPTIONAL_TABLE_LINE = re.compile(r"^# \[([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)*)\]\s*$")
OPTIONAL_KEY_LINE = re.compile(r"^# ([a-z][a-z0-9_]*) = (.+)$")
SECRET_MARK = re.compile(r"\s#\s*secret\s*$")


class ConfigReferenceError(Exception):
    """config.default.toml does not follow its own conventions."""


@dataclass(frozen=True)
class ConfigReference:
    """Every key of config.default.toml, active or commented out (`# key = value`)."""

    # Table ("server", "server.tls") -> its keys; a sub-table is also a key of its parent.
    tables: Mapping[str, frozenset[str]]
    # "table.key" of the keys marked `# secret`: accepted by the gateway, never in a config file.
    secrets: frozenset[str]
    # ("table", "key") of every *_file key, in file order.
    file_keys: tuple[tuple[str, str], ...]

    @property
    def top_tables(self) -> frozenset[str]:
        return frozenset(t for t in self.tables if "." not in t)


def load_config_reference(path: Path) -> ConfigReference:
    text = path.read_text()
    try:
        active = tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ConfigReferenceError(f"{path.name} is not valid TOML: {e}") from e
    tables: dict[str, list[str]] = {}
    secrets: set[str] = set()

    def add(table: str, key: str) -> None:
        keys = tables.setdefault(table, [])
        if key in keys:
            raise ConfigReferenceError(f"{path.name}: {table}.{key} is listed twice")
        keys.append(key)

    def add_table(name: str) -> None:
        if name in tables:
            return
        tables[name] = []
        if "." in name:
            parent, _, last = name.rpartition(".")
            add_table(parent)
            add(parent, last)

    def walk(prefix: str, table: dict) -> None:
        add_table(prefix)
        for key, val in table.items():
            if isinstance(val, dict):
                walk(f"{prefix}.{key}", val)
            else:
                add(prefix, key)

    for name, val in active.items():
        if not isinstance(val, dict):
            raise ConfigReferenceError(f"{path.name}: key {name} outside a [section]")
        walk(name, val)

    current, in_optional_table = None, False
    for n, line in enumerate(text.splitlines(), 1):
        if m := TABLE_LINE.match(line):
            current, in_optional_table = m[1], False
        elif m := OPTIONAL_TABLE_LINE.match(line):
            current, in_optional_table = m[1], True
            add_table(current)
        elif ACTIVE_KEY_LINE.match(line):
            if in_optional_table:
                raise ConfigReferenceError(f"{path.name}:{n}: active key under the commented-out [{current}]")
            if SECRET_MARK.search(line):
                raise ConfigReferenceError(f"{path.name}:{n}: a secret with a value")
        elif m := OPTIONAL_KEY_LINE.match(line):
            if current is None:
                raise ConfigReferenceError(f"{path.name}:{n}: commented-out key outside a [section]")
            try:
                tomllib.loads(line[2:])
            except tomllib.TOMLDecodeError as e:
                raise ConfigReferenceError(f"{path.name}:{n}: example value is not TOML: {e}") from e
            add(current, m[1])
            if SECRET_MARK.search(line):
                secrets.add(f"{current}.{m[1]}")
    if not tables:
        raise ConfigReferenceError(f"{path.name}: no [section] found")
    file_keys = tuple((t, k) for t, keys in tables.items() for k in keys if k.endswith("_file"))
    return ConfigReference(
        tables=MappingProxyType({t: frozenset(k) for t, k in tables.items()}),
        secrets=frozenset(secrets),
        file_keys=file_keys,
    )


# ----------------------------------------------------------------------------------------------
# The run's context and one rendered scenario
# ----------------------------------------------------------------------------------------------
@dataclass
class Context:
    """Everything a rule may need besides the scenario: the tally, the key reference, the files."""

    reference: ConfigReference
    defaults: dict
    ci_files: list[Path]
    tmp: Path
    passed: int = 0
    failures: list[str] = field(default_factory=list)
    builtin_files: list[str] = field(default_factory=list)
    all_files: list[str] = field(default_factory=list)

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
        else:
            self.failures.append(f"{what}{': ' + detail if detail else ''}")
            print(f"  FAIL {what}{': ' + detail if detail else ''}")
        return ok


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


def one(ctx: Context, docs, kind: str, scenario: str) -> dict | None:
    found = find(docs, kind)
    ctx.check(len(found) == 1, f"[{scenario}] exactly one {kind}", f"found {len(found)}")
    return found[0] if len(found) == 1 else None


def volume_items(volume: dict) -> set[str] | None:
    """Paths a volume provides (None: the whole source, any path)."""
    src = volume.get("secret") or volume.get("configMap")
    if src is None:
        return None
    if "items" not in src:
        return None
    return {i["path"] for i in src["items"]}


@dataclass
class Scenario:
    """One rendered scenario. The parts are looked up once; a rule runs only after the gate
    rules before it found the parts it uses (the Deployment, the gateway container, config.toml)."""

    name: str
    values: dict
    docs: list[tuple[str, dict, str]]

    @property
    def ps(self) -> str:
        return f"[{self.name}]"

    @cached_property
    def dep(self) -> dict | None:
        found = find(self.docs, "Deployment")
        return found[0] if len(found) == 1 else None

    @cached_property
    def pod(self) -> dict:
        return self.dep["spec"]["template"]["spec"]

    @cached_property
    def gw(self) -> dict | None:
        return next((c for c in self.pod["containers"] if c["name"] == "gateway"), None)

    @cached_property
    def config_map(self) -> dict | None:
        cms = find(self.docs, "ConfigMap")
        return next((c for c in cms if "config.toml" in (c.get("data") or {})), None)

    @cached_property
    def parsed_config(self) -> tuple[dict | None, str]:
        try:
            return tomllib.loads(self.config_map["data"]["config.toml"]), ""
        except tomllib.TOMLDecodeError as e:
            return None, str(e)

    @property
    def cfg(self) -> dict:
        return self.parsed_config[0]

    @property
    def backend(self) -> str:
        return self.values["store"]["backend"]

    @property
    def grace(self):
        return self.values["shutdown"]["graceSeconds"]

    @cached_property
    def mounts(self) -> dict[str, dict]:
        return {m["mountPath"]: m for m in self.gw.get("volumeMounts", [])}

    @cached_property
    def vols(self) -> dict[str, dict]:
        return {v["name"]: v for v in self.pod.get("volumes", [])}

    @cached_property
    def env(self) -> dict[str, dict]:
        return {e["name"]: e for e in self.gw.get("env", [])}

    @property
    def secret_name(self) -> str:
        return self.values["existingSecret"] or FULLNAME

    @cached_property
    def chart_secrets(self) -> list[dict]:
        return find(self.docs, "Secret")


# ----------------------------------------------------------------------------------------------
# Rules on one rendered scenario (run in this order; a rule returning False ends the scenario)
# ----------------------------------------------------------------------------------------------
def check_secure_pod(ctx: Context, spec: dict, where: str) -> None:
    psc = spec.get("securityContext") or {}
    ctx.check(psc.get("runAsNonRoot") is True, f"{where}: pod runAsNonRoot")
    ctx.check((psc.get("seccompProfile") or {}).get("type") == "RuntimeDefault", f"{where}: pod seccomp RuntimeDefault")
    ctx.check(spec.get("automountServiceAccountToken") is False, f"{where}: no service account token")
    for c in spec.get("containers", []):
        sc = c.get("securityContext") or {}
        name = f"{where}: container {c.get('name')}"
        ctx.check(sc.get("allowPrivilegeEscalation") is False, f"{name} allowPrivilegeEscalation false")
        ctx.check(sc.get("readOnlyRootFilesystem") is True, f"{name} readOnlyRootFilesystem")
        ctx.check("ALL" in ((sc.get("capabilities") or {}).get("drop") or []), f"{name} drops ALL capabilities")
        ctx.check(sc.get("privileged") in (None, False), f"{name} not privileged")
        res = c.get("resources") or {}
        ctx.check(all(k in (res.get(part) or {}) for part in ("requests", "limits") for k in ("cpu", "memory")),
                  f"{name} has cpu/memory requests and limits", str(res))


def rule_exactly_one_deployment(ctx: Context, sc: Scenario) -> bool:
    return one(ctx, sc.docs, "Deployment", sc.name) is not None


def rule_deployment_pod_is_secure(ctx: Context, sc: Scenario) -> None:
    check_secure_pod(ctx, sc.pod, f"{sc.ps} Deployment")


def rule_gateway_container_present(ctx: Context, sc: Scenario) -> bool:
    return ctx.check(sc.gw is not None, f"{sc.ps} gateway container present")


def rule_container_ports_are_grpc_webhook_metrics(ctx: Context, sc: Scenario) -> None:
    ports = {p["name"]: p["containerPort"] for p in sc.gw.get("ports", [])}
    ctx.check(ports == {"grpc": 50051, "webhook": 8080, "metrics": 9090}, f"{sc.ps} container ports", str(ports))


def rule_probes_livez_and_readyz_on_the_admin_port(ctx: Context, sc: Scenario) -> None:
    """Liveness must not follow Redis or Atelio (a Redis outage would restart every pod in a
    loop): /livez for liveness, /readyz for readiness, both on the admin (metrics) port."""
    ps = sc.ps
    live, ready = sc.gw.get("livenessProbe") or {}, sc.gw.get("readinessProbe") or {}
    ctx.check(live.get("httpGet") == {"path": "/livez", "port": "metrics"}, f"{ps} liveness on /livez", str(live))
    ctx.check(ready.get("httpGet") == {"path": "/readyz", "port": "metrics"}, f"{ps} readiness on /readyz", str(ready))
    ctx.check("grpc" not in live and "grpc" not in ready, f"{ps} no gRPC health probe (it follows Redis)", str(live))


def rule_prestop_sleep_and_termination_grace_cover_shutdown(ctx: Context, sc: Scenario) -> None:
    ps, gw, grace = sc.ps, sc.gw, sc.grace
    sleep = (((gw.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}).get("seconds")
    tgps = sc.pod.get("terminationGracePeriodSeconds")
    ctx.check(isinstance(sleep, int) and sleep > 0, f"{ps} preStop sleep handler", str(gw.get("lifecycle")))
    ctx.check(isinstance(tgps, int) and isinstance(sleep, int) and tgps >= sleep + grace + 1 and tgps > grace,
              f"{ps} terminationGracePeriodSeconds > preStop + grace_s", f"{tgps} vs {sleep} + {grace}")


def rule_checksums_roll_pods_on_config_and_secret_changes(ctx: Context, sc: Scenario) -> None:
    ann = sc.dep["spec"]["template"]["metadata"].get("annotations") or {}
    ctx.check("checksum/config" in ann, f"{sc.ps} checksum/config annotation")
    if not sc.values["existingSecret"]:
        ctx.check("checksum/secret" in ann, f"{sc.ps} checksum/secret annotation")


def rule_replicas_from_hpa_or_replica_count(ctx: Context, sc: Scenario) -> None:
    ps, dep, values = sc.ps, sc.dep, sc.values
    hpas = find(sc.docs, "HorizontalPodAutoscaler")
    if values["autoscaling"]["enabled"]:
        ctx.check(len(hpas) == 1 and "replicas" not in dep["spec"], f"{ps} HPA owns the replica count")
        if hpas:
            ctx.check(hpas[0]["spec"]["scaleTargetRef"]["name"] == dep["metadata"]["name"], f"{ps} HPA targets the Deployment")
    else:
        ctx.check(not hpas and dep["spec"].get("replicas") == values["replicaCount"], f"{ps} replicas from replicaCount")


def rule_configmap_has_config_toml(ctx: Context, sc: Scenario) -> bool:
    return ctx.check(sc.config_map is not None, f"{sc.ps} ConfigMap with config.toml")


def rule_config_toml_parses(ctx: Context, sc: Scenario) -> bool:
    """Counted only when it fails (as a parse that works is no assertion of the chart's)."""
    cfg, error = sc.parsed_config
    if cfg is None:
        ctx.check(False, f"{sc.ps} config.toml parses as TOML", error)
        return False
    return True


def rule_config_keys_are_known_and_not_secret(ctx: Context, sc: Scenario) -> None:
    """Every key of config.toml is one config.default.toml lists, and none of its secret keys."""
    ref = ctx.reference
    unknown: list[str] = []

    def walk(prefix: str, table: dict) -> None:
        for key, val in table.items():
            full = f"{prefix}.{key}"
            if full in ref.secrets:
                unknown.append(f"{full} (a secret: file or env only)")
            elif full in ref.tables:
                if isinstance(val, dict):
                    walk(full, val)
                else:
                    unknown.append(full)
            elif key not in ref.tables[prefix]:
                unknown.append(full)

    for section, table in sc.cfg.items():
        if section not in ref.top_tables or not isinstance(table, dict):
            unknown.append(section)
            continue
        walk(section, table)
    ctx.check(not unknown, f"{sc.ps} config.toml uses only known keys", ", ".join(unknown))


def rule_config_stores_match_store_backend(ctx: Context, sc: Scenario) -> None:
    cfg, backend = sc.cfg, sc.backend
    ctx.check(cfg["idempotency"]["store"] == backend and cfg["events"]["store"] == backend,
              f"{sc.ps} config stores = store.backend ({backend})")


def rule_rate_limit_shared_exactly_on_redis_sized_for_most_replicas(ctx: Context, sc: Scenario) -> None:
    ps, cfg, values = sc.ps, sc.cfg, sc.values
    shared = cfg["rate_limit"].get("shared", False)
    ctx.check(shared == (sc.backend == "redis"), f"{ps} one shared rate limit exactly when the store is redis")
    if shared:
        most = values["autoscaling"]["maxReplicas"] if values["autoscaling"]["enabled"] else values["replicaCount"]
        ctx.check(cfg["rate_limit"]["expected_replicas"] == most,
                  f"{ps} fallback share sized for the most replicas ({most})")


def rule_shutdown_grace_matches_values(ctx: Context, sc: Scenario) -> None:
    ctx.check(sc.cfg["shutdown"]["grace_s"] == sc.grace, f"{sc.ps} [shutdown] grace_s = shutdown.graceSeconds")


def rule_listen_addresses_match_container_ports(ctx: Context, sc: Scenario) -> None:
    cfg = sc.cfg
    ctx.check(cfg["server"]["grpc_addr"].endswith(":50051") and cfg["webhook"]["listen_addr"].endswith(":8080")
              and cfg["admin"]["listen_addr"].endswith(":9090"), f"{sc.ps} listen addresses match the container ports")


def rule_otlp_export_only_with_endpoint(ctx: Context, sc: Scenario) -> None:
    ctx.check(("otlp_endpoint" in sc.cfg["telemetry"]) == bool(sc.values["config"]["telemetry"]["otlpEndpoint"]),
              f"{sc.ps} OTLP export only when an endpoint is set")


def rule_config_file_keys_are_mounted_read_only(ctx: Context, sc: Scenario) -> None:
    """Every *_file key of the config points at a file some read-only mount provides."""
    cfg, mounts, vols = sc.cfg, sc.mounts, sc.vols
    for section, key in ctx.reference.file_keys:
        table = cfg
        for part in section.split("."):
            table = table.get(part, {}) if isinstance(table, dict) else {}
        if not isinstance(table, dict):
            continue
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
        ctx.check(provided, f"{sc.ps} {section}.{key} ({path}) is mounted read-only")


def rule_sqlite_file_on_data_volume(ctx: Context, sc: Scenario) -> None:
    if sc.backend == "sqlite":
        ctx.check(sc.cfg["idempotency"]["sqlite_path"].startswith("/data/") and "/data" in sc.mounts,
                  f"{sc.ps} SQLite file on the /data volume")


def rule_config_mounted_and_named_by_env(ctx: Context, sc: Scenario) -> None:
    ps = sc.ps
    ctx.check("/etc/atelio-gateway/config.toml" in sc.mounts, f"{ps} config mounted at /etc/atelio-gateway/config.toml")
    ctx.check(sc.env.get("ATELIO_GATEWAY_CONFIG", {}).get("value") == "/etc/atelio-gateway/config.toml",
              f"{ps} ATELIO_GATEWAY_CONFIG set")


def rule_secrets_volume_uses_chart_or_existing_secret(ctx: Context, sc: Scenario) -> None:
    ps, secret_name, chart_secrets = sc.ps, sc.secret_name, sc.chart_secrets
    sec_vol = sc.vols.get("secrets", {}).get("secret", {})
    ctx.check(sec_vol.get("secretName") == secret_name, f"{ps} secrets volume uses Secret {secret_name}", str(sec_vol))
    if sc.values["existingSecret"]:
        ctx.check(not chart_secrets, f"{ps} existingSecret: no chart Secret rendered")
    else:
        ctx.check(len(chart_secrets) == 1 and chart_secrets[0]["metadata"]["name"] == FULLNAME,
                  f"{ps} chart Secret rendered")


def rule_redis_url_only_from_secret_and_only_on_redis(ctx: Context, sc: Scenario) -> None:
    ps, env, chart_secrets = sc.ps, sc.env, sc.chart_secrets
    if sc.backend == "redis":
        ref = (env.get("ATELIO_GATEWAY__REDIS__URL", {}).get("valueFrom") or {}).get("secretKeyRef") or {}
        ctx.check(ref == {"name": sc.secret_name, "key": "redis-url"}, f"{ps} redis URL from the Secret key redis-url", str(ref))
        if not sc.values["existingSecret"] and chart_secrets:
            ctx.check("redis-url" in chart_secrets[0]["data"], f"{ps} chart Secret has redis-url")
    else:
        ctx.check("ATELIO_GATEWAY__REDIS__URL" not in env, f"{ps} no redis env without redis")


def rule_managed_redis_ca_and_sentinel_wired(ctx: Context, sc: Scenario) -> None:
    """rediss:// with a private CA: the CA Secret mounted read-only and named as [redis] ca_file.
    Sentinel: the sentinels from the Secret key redis-sentinels, the master name in config.toml."""
    ps, r = sc.ps, sc.values["store"]["redis"]
    redis_cfg = sc.cfg.get("redis", {})
    if sc.backend == "redis" and r["caSecret"]["name"]:
        mount = sc.mounts.get("/etc/atelio-gateway/redis-ca", {})
        vol = (sc.vols.get(mount.get("name", ""), {}).get("secret") or {})
        ctx.check(mount.get("readOnly") is True and vol.get("secretName") == r["caSecret"]["name"],
                  f"{ps} redis CA Secret mounted read-only", str(mount))
        ctx.check(redis_cfg.get("ca_file") == f"/etc/atelio-gateway/redis-ca/{r['caSecret']['key']}",
                  f"{ps} [redis] ca_file names the mounted CA", str(redis_cfg))
    else:
        ctx.check("ca_file" not in redis_cfg, f"{ps} no redis ca_file without a CA Secret")
    env = sc.env.get("ATELIO_GATEWAY__REDIS__SENTINELS")
    if sc.backend == "redis" and r["sentinelMaster"]:
        ref = ((env or {}).get("valueFrom") or {}).get("secretKeyRef") or {}
        ctx.check(ref == {"name": sc.secret_name, "key": "redis-sentinels"},
                  f"{ps} sentinels from the Secret key redis-sentinels", str(ref))
        ctx.check(redis_cfg.get("sentinel_master") == r["sentinelMaster"],
                  f"{ps} [redis] sentinel_master from values", str(redis_cfg))
        if not sc.values["existingSecret"] and sc.chart_secrets:
            raw = sc.chart_secrets[0]["data"].get("redis-sentinels", "")
            listed = json.loads(base64.b64decode(raw)) if raw else None
            ctx.check(listed == r["sentinels"], f"{ps} chart Secret lists the sentinels", str(listed))
    else:
        ctx.check(env is None and "sentinel_master" not in redis_cfg, f"{ps} no Sentinel wiring without sentinelMaster")


def rule_data_on_pvc_only_for_persistent_sqlite(ctx: Context, sc: Scenario) -> None:
    ps, values = sc.ps, sc.values
    pvcs = find(sc.docs, "PersistentVolumeClaim")
    data = sc.vols.get("data", {})
    if sc.backend == "sqlite" and values["persistence"]["enabled"]:
        claim = values["persistence"]["existingClaim"] or f"{FULLNAME}-data"
        ctx.check((data.get("persistentVolumeClaim") or {}).get("claimName") == claim, f"{ps} /data on PVC {claim}")
        ctx.check(len(pvcs) == (0 if values["persistence"]["existingClaim"] else 1), f"{ps} PVC rendered")
        ctx.check(sc.dep["spec"]["strategy"]["type"] == "Recreate", f"{ps} Recreate strategy with a PVC")
    else:
        ctx.check("emptyDir" in data and not pvcs, f"{ps} /data is an emptyDir, no PVC")


def rule_service_exposes_three_named_ports(ctx: Context, sc: Scenario) -> None:
    ps = sc.ps
    svc = one(ctx, sc.docs, "Service", sc.name)
    if svc:
        sp = {p["name"]: p for p in svc["spec"]["ports"]}
        ctx.check(set(sp) == {"grpc", "webhook", "metrics"}, f"{ps} Service ports grpc/webhook/metrics", str(list(sp)))
        ctx.check(all(sp[n]["targetPort"] == n for n in sp), f"{ps} Service targets the named ports")
        ctx.check(svc["spec"]["selector"] == sc.dep["spec"]["selector"]["matchLabels"], f"{ps} Service selects the gateway pods")
        if not sc.values["tls"]["enabled"]:
            ctx.check(sp.get("grpc", {}).get("appProtocol") in ("kubernetes.io/h2c", "grpc"), f"{ps} gRPC appProtocol h2c")


def rule_ingress_only_webhooks_path_on_webhook_port(ctx: Context, sc: Scenario) -> None:
    ps = sc.ps
    ings = find(sc.docs, "Ingress")
    if sc.values["ingress"]["enabled"]:
        paths = [(p["path"], p["backend"]["service"]) for ing in ings for rule in ing["spec"]["rules"]
                 for p in rule["http"]["paths"]]
        ctx.check(ings and not any("defaultBackend" in i["spec"] for i in ings), f"{ps} Ingress without a default backend")
        ctx.check(paths == [("/webhooks/atelio", {"name": FULLNAME, "port": {"name": "webhook"}})],
                  f"{ps} Ingress exposes only /webhooks/atelio on the webhook port", str(paths))
    else:
        ctx.check(not ings, f"{ps} no Ingress when disabled")


def rule_service_monitor_only_when_enabled(ctx: Context, sc: Scenario) -> None:
    sms = find(sc.docs, "ServiceMonitor")
    ctx.check(bool(sms) == sc.values["serviceMonitor"]["enabled"], f"{sc.ps} ServiceMonitor only when enabled")


def rule_network_policy_limits_ingress_and_egress(ctx: Context, sc: Scenario) -> None:
    ps, values = sc.ps, sc.values
    nps = find(sc.docs, "NetworkPolicy")
    if values["networkPolicy"]["enabled"] and ctx.check(len(nps) == 1, f"{ps} NetworkPolicy rendered"):
        np = nps[0]["spec"]
        ctx.check(np["podSelector"]["matchLabels"] == sc.dep["spec"]["selector"]["matchLabels"], f"{ps} NetworkPolicy selects the gateway")
        in_ports = sorted(p["port"] for rule in np["ingress"] for p in rule["ports"])
        ctx.check(in_ports == ["grpc", "metrics", "webhook"], f"{ps} NetworkPolicy ingress ports", str(in_ports))
        eg_ports = {p["port"] for rule in np["egress"] for p in rule.get("ports", [])}
        ctx.check({53, 443} <= eg_ports, f"{ps} egress allows DNS and HTTPS", str(eg_ports))
        if sc.backend == "redis":
            ctx.check(values["store"]["redis"]["port"] in eg_ports, f"{ps} egress allows Redis")
        if values["config"]["telemetry"]["otlpEndpoint"]:
            ctx.check(4317 in eg_ports, f"{ps} egress allows the OTLP collector")
        grpc_rule = next(r for r in np["ingress"] if r["ports"][0]["port"] == "grpc")
        if values["networkPolicy"]["grpcFrom"]:
            ctx.check(len(grpc_rule.get("from", [])) == len(values["networkPolicy"]["grpcFrom"]) + 1,
                      f"{ps} gRPC ingress from the configured peers (+ the helm test pod)")
    elif not values["networkPolicy"]["enabled"]:
        ctx.check(not nps, f"{ps} no NetworkPolicy when disabled")


def rule_pdb_only_when_enabled(ctx: Context, sc: Scenario) -> None:
    pdbs = find(sc.docs, "PodDisruptionBudget")
    ctx.check(bool(pdbs) == sc.values["podDisruptionBudget"]["enabled"], f"{sc.ps} PDB only when enabled")


def rule_service_accounts_do_not_automount_tokens(ctx: Context, sc: Scenario) -> None:
    for sa in find(sc.docs, "ServiceAccount"):
        ctx.check(sa.get("automountServiceAccountToken") is False, f"{sc.ps} ServiceAccount without token automount")


def rule_helm_test_pod_probes_health_securely(ctx: Context, sc: Scenario) -> None:
    ps = sc.ps
    tests = [o for _, o, _ in sc.docs if o.get("kind") == "Pod"]
    if ctx.check(len(tests) == 1, f"{ps} one helm test pod", str(len(tests))):
        t = tests[0]
        ctx.check((t["metadata"].get("annotations") or {}).get("helm.sh/hook") == "test", f"{ps} test pod has helm.sh/hook: test")
        args = t["spec"]["containers"][0].get("args", [])
        ctx.check(args[:3] == ["health-probe", "--addr", f"{FULLNAME}:50051"], f"{ps} test pod runs health-probe", str(args))
        sel = sc.dep["spec"]["selector"]["matchLabels"]
        ctx.check(not all(t["metadata"]["labels"].get(k) == v for k, v in sel.items()),
                  f"{ps} test pod is not selected by the gateway selector")
        ctx.check(t["spec"].get("restartPolicy") == "Never", f"{ps} test pod restartPolicy Never")
        check_secure_pod(ctx, t["spec"], f"{ps} test pod")


def rule_values_secrets_only_inside_secrets(ctx: Context, sc: Scenario) -> None:
    """Nothing rendered may carry a secret of the values in plain text outside a Secret."""
    for path, obj, text in sc.docs:
        if obj.get("kind") == "Secret":
            continue
        for k, v in (sc.values.get("secrets") or {}).items():
            vals = v if isinstance(v, list) else [v]
            for s in vals:
                if s and len(s) > 6:
                    ctx.check(s not in text, f"{sc.ps} secrets.{k} not in {obj.get('kind')} {path}")


SCENARIO_RULES: tuple[Callable[[Context, Scenario], bool | None], ...] = (
    rule_exactly_one_deployment,
    rule_deployment_pod_is_secure,
    rule_gateway_container_present,
    rule_container_ports_are_grpc_webhook_metrics,
    rule_probes_livez_and_readyz_on_the_admin_port,
    rule_prestop_sleep_and_termination_grace_cover_shutdown,
    rule_checksums_roll_pods_on_config_and_secret_changes,
    rule_replicas_from_hpa_or_replica_count,
    rule_configmap_has_config_toml,
    rule_config_toml_parses,
    rule_config_keys_are_known_and_not_secret,
    rule_config_stores_match_store_backend,
    rule_rate_limit_shared_exactly_on_redis_sized_for_most_replicas,
    rule_shutdown_grace_matches_values,
    rule_listen_addresses_match_container_ports,
    rule_otlp_export_only_with_endpoint,
    rule_config_file_keys_are_mounted_read_only,
    rule_sqlite_file_on_data_volume,
    rule_config_mounted_and_named_by_env,
    rule_secrets_volume_uses_chart_or_existing_secret,
    rule_redis_url_only_from_secret_and_only_on_redis,
    rule_managed_redis_ca_and_sentinel_wired,
    rule_data_on_pvc_only_for_persistent_sqlite,
    rule_service_exposes_three_named_ports,
    rule_ingress_only_webhooks_path_on_webhook_port,
    rule_service_monitor_only_when_enabled,
    rule_network_policy_limits_ingress_and_egress,
    rule_pdb_only_when_enabled,
    rule_service_accounts_do_not_automount_tokens,
    rule_helm_test_pod_probes_health_securely,
    rule_values_secrets_only_inside_secrets,
)


def rule_custom_resources_have_known_shape(ctx: Context, name: str, docs) -> list[dict]:
    """Validate CRD kinds by hand (kubernetes-validate has no schemas for them)."""
    custom = [o for _, o, _ in docs if o.get("apiVersion") not in BUILTIN_GROUPS]
    svc = next((o for o in find(docs, "Service")), None)
    for o in custom:
        what = f"[{name}] {o.get('kind')}"
        if o.get("apiVersion") == "monitoring.coreos.com/v1" and o.get("kind") == "ServiceMonitor":
            ctx.check(set(o) == {"apiVersion", "kind", "metadata", "spec"}, f"{what} top-level fields")
            spec = o["spec"]
            ctx.check(set(spec) <= {"selector", "namespaceSelector", "endpoints", "jobLabel", "targetLabels",
                                    "podTargetLabels", "sampleLimit"}, f"{what} spec fields", str(list(spec)))
            ml = spec.get("selector", {}).get("matchLabels", {})
            ctx.check(bool(ml) and svc is not None and all(svc["metadata"]["labels"].get(k) == v for k, v in ml.items()),
                      f"{what} selects the gateway Service")
            ctx.check(spec.get("namespaceSelector", {}).get("matchNames") == [NAMESPACE], f"{what} namespaceSelector")
            eps = spec.get("endpoints", [])
            svc_ports = {p["name"] for p in svc["spec"]["ports"]} if svc else set()
            ctx.check(len(eps) == 1 and eps[0].get("port") == "metrics" and eps[0].get("path") == "/metrics"
                      and "metrics" in svc_ports, f"{what} scrapes the Service's metrics port /metrics", str(eps))
            allowed = {"port", "path", "scheme", "interval", "scrapeTimeout", "honorLabels", "relabelings",
                       "metricRelabelings", "tlsConfig"}
            ctx.check(all(set(e) <= allowed for e in eps), f"{what} endpoint fields")
        else:
            ctx.check(False, f"{what}: no check for this custom kind ({o.get('apiVersion')})")
    return custom


def rule_credentials_only_base64_in_the_chart_secret(ctx: Context, docs) -> None:
    """The distinctive credentials appear (decoded) only in the chart Secret, never in clear text."""
    ps = "[secrets-redis]"
    secrets = find(docs, "Secret")
    if not ctx.check(len(secrets) == 1, f"{ps} one chart Secret"):
        return
    data = {k: base64.b64decode(v).decode() for k, v in secrets[0]["data"].items()}
    for key, val in SECRET_VALUES.items():
        ctx.check(data.get(key) == val, f"{ps} Secret key {key} holds its value")
    for path, obj, text in docs:
        for key, val in SECRET_VALUES.items():
            b64 = base64.b64encode(val.encode()).decode()
            if obj.get("kind") == "Secret":
                ctx.check(val not in text, f"{ps} {key} only base64-encoded in the Secret")
            else:
                ctx.check(val not in text and b64 not in text, f"{ps} {key} absent from {obj.get('kind')} ({path})")
    for cm in find(docs, "ConfigMap"):
        body = yaml.safe_dump(cm)
        ctx.check("XYZ" not in body, f"{ps} ConfigMap {cm['metadata']['name']} holds no secret")


# ----------------------------------------------------------------------------------------------
# Rules over the whole chart and its scenarios
# ----------------------------------------------------------------------------------------------
def rule_at_least_three_ci_values_files(ctx: Context) -> None:
    ctx.check(len(ctx.ci_files) >= 3, "at least 3 CI values files", str(len(ctx.ci_files)))


def rule_chart_lints_strict(ctx: Context, name: str, overrides: dict) -> None:
    rep = helm.lint(str(CHART), overrides, strict=True, kube_version=f"v{KUBE_VERSION}")
    bad = [m for m in rep.get("messages", []) if m.get("severity", 0) >= 2]
    ctx.check(not bad and not rep.get("errors"), f"[{name}] helm lint --strict",
              "; ".join(f"{m.get('path')}: {m.get('error')}" for m in bad) + " ".join(rep.get("errors") or []))


def rule_chart_renders(ctx: Context, name: str, overrides: dict) -> dict[str, str] | None:
    """Counted only when it fails (the rules on the rendered output are the assertions)."""
    try:
        helm.Chart.load(CHART).validate_schema(overrides)
        return render(overrides)
    except helm.HelmError as e:
        ctx.check(False, f"[{name}] render", str(e))
        return None


def run_tool(ctx: Context, args: list[str], what: str) -> None:
    proc = subprocess.run(args, capture_output=True, text=True)
    out = (proc.stdout + proc.stderr).strip()
    ctx.check(proc.returncode == 0, what, "\n" + out if out else f"exit {proc.returncode}")


def rule_rendered_builtin_kinds_validate_strict(ctx: Context) -> None:
    kv = Path(sys.executable).parent / "kubernetes-validate"
    run_tool(ctx, [str(kv), "--strict", "-k", KUBE_VERSION, "--quiet", *ctx.builtin_files],
             f"kubernetes-validate --strict -k {KUBE_VERSION} ({len(ctx.builtin_files)} streams)")


def rule_rendered_and_chart_yaml_pass_yamllint(ctx: Context) -> None:
    chart_yaml = [str(CHART / "Chart.yaml"), str(CHART / "values.yaml"), *map(str, ctx.ci_files)]
    run_tool(ctx, [sys.executable, "-m", "yamllint", "-s", "-d", YAMLLINT_CONFIG, *ctx.all_files, *chart_yaml],
             f"yamllint (rendered output and chart YAML, {len(ctx.all_files) + len(chart_yaml)} files)")


def must_fail_render(ctx: Context, label: str, overrides: dict, needle: str) -> None:
    try:
        render(overrides)
    except helm.HelmError as e:
        ctx.check(needle in str(e), f"{label}: refused with '{needle}'", str(e))
        return
    ctx.check(False, f"{label}: refused", "rendered without error")


def must_render(ctx: Context, label: str, overrides: dict) -> None:
    try:
        render(overrides)
        ctx.check(True, label)
    except helm.HelmError as e:
        ctx.check(False, label, str(e))


def rule_several_replicas_need_a_shared_store(ctx: Context) -> None:
    must_fail_render(ctx, "replicaCount 2 on sqlite", {"replicaCount": 2}, SHARED_STORE_MSG)
    must_fail_render(ctx, "replicaCount 2 on memory", {"replicaCount": 2, "store": {"backend": "memory"}}, SHARED_STORE_MSG)
    must_fail_render(ctx, "autoscaling to 3 on sqlite",
                     {"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 3}}, SHARED_STORE_MSG)


def rule_mtls_needs_tls(ctx: Context) -> None:
    must_fail_render(ctx, "mTLS without TLS", {"tls": {"clientCa": {"enabled": True}}}, "needs tls.enabled")


def rule_redis_store_needs_a_url(ctx: Context) -> None:
    must_fail_render(ctx, "redis without a URL", {"store": {"backend": "redis"}}, "store.redis.url")


def rule_redis_store_allows_several_replicas(ctx: Context) -> None:
    must_render(ctx, "replicaCount 2 on redis renders",
                {"replicaCount": 2, "store": {"backend": "redis", "redis": {"url": "redis://r:6379"}}})


def rule_autoscaling_to_one_replica_on_sqlite_renders(ctx: Context) -> None:
    must_render(ctx, "autoscaling with maxReplicas 1 on sqlite renders",
                {"autoscaling": {"enabled": True, "minReplicas": 1, "maxReplicas": 1}})


SCHEMA_CASES: tuple[tuple[str, dict, str], ...] = (
    ("store.backend mysql", {"store": {"backend": "mysql"}}, "backend"),
    ("replicaCount 0", {"replicaCount": 0}, "replicaCount"),
    ("log.format xml", {"config": {"log": {"format": "xml"}}}, "format"),
    ("auth.mode basic", {"config": {"auth": {"mode": "basic"}}}, "mode"),
    ("unknown top-level key", {"replicas": 2}, "replicas"),
    ("unknown config key", {"config": {"upstream": {"identity": "inline"}}}, "identity"),
    ("grace 0", {"shutdown": {"graceSeconds": 0}}, "graceSeconds"),
)


def rule_schema_and_lint_reject_bad_values(ctx: Context) -> None:
    chart = helm.Chart.load(CHART)
    for label, overrides, needle in SCHEMA_CASES:
        try:
            chart.validate_schema(overrides)
            ctx.check(False, f"schema rejects {label}", "accepted")
        except helm.HelmValuesError as e:
            ctx.check(needle in str(e), f"schema rejects {label}", str(e))
        rep = helm.lint(str(CHART), overrides, strict=True, kube_version=f"v{KUBE_VERSION}")
        ctx.check(any(m.get("severity", 0) >= 3 for m in rep.get("messages", [])) or bool(rep.get("errors")),
                  f"lint reports {label} as an error")


NEGATIVE_RULES: tuple[Callable[[Context], None], ...] = (
    rule_several_replicas_need_a_shared_store,
    rule_mtls_needs_tls,
    rule_redis_store_needs_a_url,
    rule_redis_store_allows_several_replicas,
    rule_autoscaling_to_one_replica_on_sqlite_renders,
    rule_schema_and_lint_reject_bad_values,
)


# ----------------------------------------------------------------------------------------------
# Running
# ----------------------------------------------------------------------------------------------
def scenarios(ctx: Context) -> list[tuple[str, dict]]:
    """The default values, every ci/*.yaml, and two hand-made ones."""
    out: list[tuple[str, dict]] = [("default", {})]
    for f in ctx.ci_files:
        out.append((f"ci/{f.name}", yaml.safe_load(f.read_text()) or {}))
    # Distinctive secrets (on redis, so redis-url is covered too).
    out.append(("secrets-redis", {
        "store": {"backend": "redis", "redis": {"url": SECRET_VALUES["redis-url"]}},
        "secrets": {"atelioIdentity": SECRET_VALUES["atelio-identity"],
                    "atelioAuthorization": SECRET_VALUES["atelio-authorization"],
                    "webhookSecrets": [SECRET_VALUES["webhook-secrets"]],
                    "callersToml": SECRET_VALUES["callers.toml"]},
    }))
    out.append(("memory-auth-off", {"store": {"backend": "memory"}, "config": {"auth": {"mode": "off"}},
                                    "podDisruptionBudget": {"enabled": False}, "tests": {"enabled": True}}))
    return out


def keep_rendered(ctx: Context, name: str, docs, custom: list[dict]) -> None:
    """Writes the scenario's built-in kinds (for kubernetes-validate) and CRDs (for yamllint)."""
    stem = name.replace("/", "_").removesuffix(".yaml")
    builtin = [text.strip("\n") for _, o, text in docs if o not in custom]
    crd = [text.strip("\n") for _, o, text in docs if o in custom]
    f = ctx.tmp / f"{stem}.yaml"
    f.write_text("\n---\n".join(builtin) + "\n")
    ctx.builtin_files.append(str(f))
    ctx.all_files.append(str(f))
    if crd:
        g = ctx.tmp / f"{stem}.crds.yaml"
        g.write_text("\n---\n".join(crd) + "\n")
        ctx.all_files.append(str(g))


def run_scenario(ctx: Context, name: str, overrides: dict) -> None:
    print(f"- {name}")
    rule_chart_lints_strict(ctx, name, overrides)
    values = merge(ctx.defaults, overrides)
    rendered = rule_chart_renders(ctx, name, overrides)
    if rendered is None:
        return
    docs = documents(rendered)
    custom = rule_custom_resources_have_known_shape(ctx, name, docs)
    keep_rendered(ctx, name, docs, custom)
    sc = Scenario(name, values, docs)
    for rule in SCENARIO_RULES:
        if rule(ctx, sc) is False:
            break
    if name == "secrets-redis":
        rule_credentials_only_base64_in_the_chart_secret(ctx, docs)


def new_context() -> Context:
    return Context(
        reference=load_config_reference(CONFIG_REFERENCE),
        defaults=yaml.safe_load((CHART / "values.yaml").read_text()),
        ci_files=sorted((CHART / "ci").glob("*.yaml")),
        tmp=Path(tempfile.mkdtemp(prefix="check-chart-")),
    )


def finish(ctx: Context, t0: float) -> int:
    if ctx.failures:
        print(f"\nRendered streams kept in {ctx.tmp}")
    else:
        shutil.rmtree(ctx.tmp, ignore_errors=True)
    for f in ctx.failures:
        print(f"FAILED: {f}")
    print(f"({time.monotonic() - t0:.1f}s)")
    print(f"check-chart: {ctx.passed} passed, {len(ctx.failures)} failed")
    return 1 if ctx.failures else 0


def main() -> int:
    t0 = time.monotonic()
    try:
        ctx = new_context()
    except (OSError, ConfigReferenceError) as e:
        print(f"FAILED: {CONFIG_REFERENCE.name}: {e}")
        print("check-chart: 0 passed, 1 failed")
        return 1
    rule_at_least_three_ci_values_files(ctx)
    runs = scenarios(ctx)
    print(f"Chart {CHART.relative_to(ROOT)}: {len(runs)} scenarios, Kubernetes {KUBE_VERSION}")
    for name, overrides in runs:
        run_scenario(ctx, name, overrides)
    print("- kubernetes-validate / yamllint")
    rule_rendered_builtin_kinds_validate_strict(ctx)
    rule_rendered_and_chart_yaml_pass_yamllint(ctx)
    print("- negative cases")
    for rule in NEGATIVE_RULES:
        rule(ctx)
    return finish(ctx, t0)


if __name__ == "__main__":
    sys.exit(main())
