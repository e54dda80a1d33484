"""Regenerate the AWS service table (``signers/_data/services.json``) from botocore's data files.

Source: the installed botocore's ``data/`` folder, read as files (botocore publishes it under the
Apache License 2.0): ``<service>/<api-version>/service-2.json(.gz)`` for each service's metadata
and operation names (the newest API version, as botocore's loader picks it),
``endpoints.json`` (partition endpoints, explicit host names, credential scopes),
``partitions.json`` (DNS suffixes, region patterns, each partition's implicit global region)
and each service's ``endpoint-rule-set-1.json(.gz)``.  The rule sets are evaluated with
botocore's own ``EndpointProvider`` for every region of every partition, with and without FIPS
and dual-stack, to learn which host names a service answers on and which region a host that
names none signs for.  Only this tool imports botocore; the library reads the JSON it writes.

Run from the repository root::

    python -m signers._tools.make_services --output signers/_data/services.json

It writes ``services.json`` (compact JSON: one row per service, column names in ``fields``) and,
next to it, ``operations.json.gz`` (operation names per service, gzip-compressed because they are
four fifths of the data and only ``sigbridge call`` needs them).  The output depends only on the
botocore version it reads; the version is recorded in the file.
"""

from __future__ import annotations

import argparse
import gzip
import importlib
import json
import os
import re
import sys
from typing import Any, Dict, Iterable, List, Optional, Set, Tuple

# The host labels' FIPS and dual-stack markers are dropped as the library drops them.
from ..services import _strip as strip_decorations

__all__ = ["build", "render", "render_operations", "main", "FIELDS", "OPERATIONS_FILE"]

#: Column names of a service row in ``services.json``.
FIELDS = (
    "service_id",
    "endpoint_prefix",
    "signing_name",
    "protocol",
    "protocols",
    "target_prefix",
    "json_version",
    "api_version",
    "auth",
    "signature_version",
    "host_prefixes",
    "legacy_host_prefixes",
    "global_endpoints",
)

OPERATIONS_FILE = "operations.json.gz"

# The model's ``auth`` trait names (Smithy shape ids) and the names sigbridge uses for them.
_AUTH_NAMES = {
    "aws.auth#sigv4": "v4",
    "aws.auth#sigv4a": "v4a",
    "smithy.api#httpBearerAuth": "bearer",
    "smithy.api#noAuth": "none",
}

# Curated facts botocore's current data no longer carries (it lists only today's endpoints).
#
# Hosts a service still answers on for backward compatibility, used only when the request itself
# names the service (X-Amz-Target): Application Auto Scaling and Auto Scaling Plans moved to their
# own host names in 2019 and AWS documents that ``autoscaling.REGION.amazonaws.com`` keeps
# serving them (AWS Auto Scaling user guide, "Endpoint migration").
LEGACY_HOST_PREFIXES: Dict[str, Tuple[str, ...]] = {
    "application-autoscaling": ("autoscaling",),
    "autoscaling-plans": ("autoscaling",),
}

# The original US East endpoints, named before regions were part of host names; they sign for
# us-east-1 (AWS General Reference, pre-2014 endpoint tables).
LEGACY_GLOBAL_HOSTS: Dict[str, str] = {
    "autoscaling.amazonaws.com": "autoscaling",
    "ec2.amazonaws.com": "ec2",
    "elasticloadbalancing.amazonaws.com": "elb",
    "elasticmapreduce.amazonaws.com": "emr",
    "monitoring.amazonaws.com": "cloudwatch",
    "queue.amazonaws.com": "sqs",
    "rds.amazonaws.com": "rds",
    "s3-external-1.amazonaws.com": "s3",
    "sdb.amazonaws.com": "sdb",
    "sns.amazonaws.com": "sns",
}


# -- reading botocore's files -------------------------------------------------------------------


def _read_json(path: str) -> Any:
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as handle:
            return json.loads(handle.read().decode("utf-8"))
    with open(path, "rb") as handle:
        return json.loads(handle.read().decode("utf-8"))


def _newest(data_dir: str, service: str, name: str) -> Optional[str]:
    """Path of ``name`` (or ``name.gz``) in the newest API version folder that has it."""
    folder = os.path.join(data_dir, service)
    versions = sorted(v for v in os.listdir(folder) if os.path.isdir(os.path.join(folder, v)))
    for version in reversed(versions):
        for candidate in (name, name + ".gz"):
            path = os.path.join(folder, version, candidate)
            if os.path.exists(path):
                return path
    return None


def _auth(metadata: Dict[str, Any]) -> List[str]:
    """The schemes the model lists, in its order; the legacy ``signatureVersion`` otherwise."""
    legacy = metadata.get("signatureVersion", "v4")
    schemes = [_AUTH_NAMES.get(item, item) for item in metadata.get("auth", ())]
    if legacy in ("s3", "s3v4"):
        # S3's SigV4 flavour (no double encoding, x-amz-content-sha256): botocore signs S3 and
        # S3 Control with s3v4 whatever the auth trait says.
        schemes = ["s3v4" if s == "v4" else s for s in schemes] or ["s3v4"]
    if not schemes:
        schemes = [legacy]
    return schemes


# -- host names -----------------------------------------------------------------------------------


class _Partitions:
    def __init__(self, data: Dict[str, Any]) -> None:
        self.rows: List[List[Any]] = []
        suffixes: List[Tuple[str, str]] = []
        patterns = []
        for item in data["partitions"]:
            outputs = item["outputs"]
            self.rows.append(
                [
                    item["id"],
                    outputs["dnsSuffix"],
                    outputs["dualStackDnsSuffix"],
                    outputs["implicitGlobalRegion"],
                    item["regionRegex"],
                ]
            )
            suffixes += [
                (outputs["dnsSuffix"], item["id"]),
                (outputs["dualStackDnsSuffix"], item["id"]),
            ]
            patterns.append(re.compile(item["regionRegex"]))
        self.suffixes = sorted(set(suffixes), key=lambda s: (-len(s[0]), s[0]))
        self.patterns = patterns
        self.regions = {item["id"]: [r for r in item["regions"]] for item in data["partitions"]}

    def split(self, host: str) -> Optional[Tuple[List[str], str, str]]:
        """``(labels before the suffix, suffix, partition)`` or ``None`` off AWS's domains."""
        for suffix, partition in self.suffixes:
            if host.endswith("." + suffix):
                return host[: -len(suffix) - 1].split("."), suffix, partition
        return None

    def is_region(self, label: str) -> bool:
        return any(p.match(label) for p in self.patterns)


def _prefix_of(labels: List[str], partitions: _Partitions) -> Tuple[Optional[str], Optional[str]]:
    """``(host prefix, region label)`` of a host's labels before the DNS suffix."""
    index = next(
        (i for i in range(len(labels) - 1, -1, -1) if partitions.is_region(labels[i])), None
    )
    if index is None:
        return None, None
    before = [label for label in strip_decorations(labels[:index]) if "{" not in label]
    after = strip_decorations(labels[index + 1 :])
    if after and not before:
        return ".".join(after), labels[index]
    return (".".join(before) or None), labels[index]


def _template_prefix(url: str) -> Optional[str]:
    """The literal host prefix of a rule-set URL template ``https://a.b.{Region}.{...}``.

    A leading variable part of a label (``{OperationType}-kinesis``) becomes ``*``: the label
    then matches any name ending in the rest.
    """
    match = re.match(r"https?://([^/]+)", url)
    if not match:
        return None
    labels = match.group(1).split(".")
    if "{Region}" not in labels:
        return None
    before = labels[: labels.index("{Region}")]
    kept: List[str] = []
    for label in before:
        if "{" in label:
            # Only ``{Variable}-literal`` keeps a pattern; a label with more variables, or one
            # after the literal, says too little to recognise a host by.
            head, _, tail = label.partition("}")
            simple = head.startswith("{") and "{" not in tail and tail.startswith("-")
            kept = ["*" + tail] if simple else []
            continue
        kept.append(label)
    kept = strip_decorations(kept)
    if kept and kept[-1].startswith("*") and kept[-1].endswith("-fips"):
        kept[-1] = kept[-1][: -len("-fips")]
    return ".".join(kept) or None


def _walk_urls(node: Any, out: Set[str]) -> None:
    if isinstance(node, dict):
        if node.get("type") == "endpoint" and isinstance(node["endpoint"].get("url"), str):
            out.add(node["endpoint"]["url"])
        for rule in node.get("rules", ()):
            _walk_urls(rule, out)


def _evaluate(
    provider: Any, partitions: _Partitions
) -> Iterable[Tuple[str, str, str, Optional[str], Optional[str]]]:
    """Every ``(partition, region param, host, signing name, signing region)`` a rule set gives."""
    for partition, regions in partitions.regions.items():
        for region in regions:
            for fips in (False, True):
                for dualstack in (False, True):
                    try:
                        endpoint = provider.resolve_endpoint(
                            Region=region, UseFIPS=fips, UseDualStack=dualstack
                        )
                    except Exception:  # a combination the service does not offer
                        continue
                    match = re.match(r"https?://([^/:]+)", endpoint.url)
                    if not match:
                        continue
                    schemes = endpoint.properties.get("authSchemes") or [{}]
                    scheme = schemes[-1] if schemes[0].get("name") == "sigv4a" else schemes[0]
                    signing_region = scheme.get("signingRegion")
                    if scheme.get("name") == "sigv4a" or "signingRegionSet" in scheme:
                        signing_region = "*"
                    yield (
                        partition,
                        region,
                        match.group(1).lower(),
                        scheme.get("signingName"),
                        signing_region,
                    )


# -- the table ------------------------------------------------------------------------------------


def _models(data_dir: str) -> Dict[str, Dict[str, Any]]:
    models = {}
    for name in sorted(os.listdir(data_dir)):
        if not os.path.isdir(os.path.join(data_dir, name)):
            continue
        path = _newest(data_dir, name, "service-2.json")
        if path is not None:
            models[name] = _read_json(path)
    return models


def _endpoints_hosts(
    endpoints: Dict[str, Any],
    by_prefix: Dict[str, List[str]],
    by_signing: Dict[str, List[str]],
    partitions: _Partitions,
    prefixes: Dict[str, Set[str]],
    globals_: Dict[str, Dict[str, Tuple[Optional[str], str]]],
) -> None:
    """Host prefixes and partition (global) endpoints from ``endpoints.json``."""
    for partition in endpoints["partitions"]:
        pid = partition["partition"]
        suffix = partition["dnsSuffix"]
        for key, entry in sorted(partition["services"].items()):
            scope_service = (entry.get("defaults", {}).get("credentialScope") or {}).get("service")
            owners = by_prefix.get(key) or by_signing.get(scope_service or "", [])
            if not owners:
                continue
            hosts = []
            common = entry.get("defaults", {}).get("sslCommonName")
            if common:
                hosts.append(common.replace("{dnsSuffix}", suffix).replace("{service}", key))
            for name, endpoint in sorted(entry.get("endpoints", {}).items()):
                for item in [endpoint, *endpoint.get("variants", ())]:
                    host = item.get("hostname")
                    if host and "{" not in host:
                        hosts.append(host)
                        region = (endpoint.get("credentialScope") or {}).get("region")
                        if region is None and partitions.is_region(name):
                            region = name
                        split = partitions.split(host)
                        partition_endpoint = name == entry.get("partitionEndpoint")
                        if split and (
                            partition_endpoint or _prefix_of(split[0], partitions)[1] is None
                        ):
                            for owner in owners:
                                globals_[owner].setdefault(host, (region, pid))
            for host in hosts:
                split = partitions.split(host.replace("{region}", "us-east-1"))
                if split is None:
                    continue
                prefix, _ = _prefix_of(split[0], partitions)
                if prefix:
                    for owner in owners:
                        prefixes[owner].add(prefix)


def _rule_set_hosts(
    data_dir: str,
    models: Dict[str, Dict[str, Any]],
    partitions_data: Dict[str, Any],
    partitions: _Partitions,
    prefixes: Dict[str, Set[str]],
    globals_: Dict[str, Dict[str, Tuple[Optional[str], str]]],
) -> None:
    """Host prefixes and region-less hosts from each service's endpoint rule set."""
    # botocore ships no type information; imported by name, it is Any to mypy.
    endpoint_provider = importlib.import_module("botocore.endpoint_provider")

    for name in sorted(models):
        path = _newest(data_dir, name, "endpoint-rule-set-1.json")
        if path is None:
            continue
        rule_set = _read_json(path)
        urls: Set[str] = set()
        for rule in rule_set.get("rules", ()):
            _walk_urls(rule, urls)
        for url in sorted(urls):
            prefix = _template_prefix(url)
            if prefix:
                prefixes[name].add(prefix)
        provider = endpoint_provider.EndpointProvider(rule_set, partitions_data)
        seen: Dict[str, Dict[str, Set[Optional[str]]]] = {}
        for pid, region, host, _, signing_region in _evaluate(provider, partitions):
            split = partitions.split(host)
            if split is None or (not partitions.is_region(region) and region in split[0]):
                continue  # a pseudo region such as aws-global pasted into a host name
            prefix, label = _prefix_of(split[0], partitions)
            signs = None if signing_region == "*" else (signing_region or region)
            if label is not None:
                if prefix:
                    prefixes[name].add(prefix)
                if signs in (None, label):
                    continue
                # A host that names one region and signs for another: kept as a fixed host.
            seen.setdefault(host, {}).setdefault(pid, set()).add(signs)
        for host, by_partition in seen.items():
            # A host two partitions both render (their DNS suffixes are the same) is read as the
            # first partition's, in partitions.json order: aws before aws-us-gov.
            pid = next(p for p in partitions.regions if p in by_partition)
            regions = by_partition[pid]
            signs_for = next(iter(regions)) if len(regions) == 1 else None
            globals_[name].setdefault(host, (signs_for, pid))


def build(data_dir: str) -> Tuple[Dict[str, Any], Dict[str, List[str]]]:
    """``(table, operations)`` from the botocore data folder ``data_dir``."""
    botocore = importlib.import_module("botocore")
    models = _models(data_dir)
    partitions_data = _read_json(os.path.join(data_dir, "partitions.json"))
    partitions = _Partitions(partitions_data)
    endpoints = _read_json(os.path.join(data_dir, "endpoints.json"))

    by_prefix: Dict[str, List[str]] = {}
    by_signing: Dict[str, List[str]] = {}
    for name, model in models.items():
        meta = model["metadata"]
        by_prefix.setdefault(meta["endpointPrefix"], []).append(name)
        by_signing.setdefault(meta.get("signingName", meta["endpointPrefix"]), []).append(name)

    prefixes: Dict[str, Set[str]] = {name: set() for name in models}
    globals_: Dict[str, Dict[str, Tuple[Optional[str], str]]] = {name: {} for name in models}
    # The rule sets first: they are what botocore sends requests by today; endpoints.json adds
    # the host names it still lists (partition endpoints, older spellings).
    _rule_set_hosts(data_dir, models, partitions_data, partitions, prefixes, globals_)
    _endpoints_hosts(endpoints, by_prefix, by_signing, partitions, prefixes, globals_)
    for host, name in LEGACY_GLOBAL_HOSTS.items():
        globals_[name].setdefault(host, ("us-east-1", "aws"))

    services: Dict[str, List[Any]] = {}
    operations: Dict[str, List[str]] = {}
    for name, model in models.items():
        meta = model["metadata"]
        prefix = meta["endpointPrefix"]
        services[name] = [
            meta.get("serviceId", name),
            prefix,
            meta.get("signingName", prefix),
            meta["protocol"],
            list(meta.get("protocols", [meta["protocol"]])),
            meta.get("targetPrefix"),
            meta.get("jsonVersion"),
            meta["apiVersion"],
            _auth(meta),
            meta.get("signatureVersion", "v4"),
            sorted(prefixes[name] - {prefix}),
            list(LEGACY_HOST_PREFIXES.get(name, ())),
            [[host, region, pid] for host, (region, pid) in sorted(globals_[name].items())],
        ]
        operations[name] = sorted(model["operations"])
    table = {
        "about": (
            "AWS service metadata for sigbridge, generated by `python -m "
            "signers._tools.make_services` from botocore's data files (service-2.json, "
            "endpoints.json, partitions.json, endpoint rule sets); do not edit by hand"
        ),
        "botocore": botocore.__version__,
        "fields": list(FIELDS),
        "partitions": partitions.rows,
        "services": services,
    }
    return table, operations


def render(table: Dict[str, Any]) -> bytes:
    """Compact, deterministic JSON: one service a line, so a regeneration diffs readably."""
    head = {k: v for k, v in table.items() if k != "services"}
    lines = [json.dumps(head, separators=(",", ":"), sort_keys=False)[:-1] + ',"services":{']
    rows = [
        json.dumps(name) + ":" + json.dumps(row, separators=(",", ":"))
        for name, row in sorted(table["services"].items())
    ]
    lines.append(",\n".join(rows))
    lines.append("}}")
    return ("\n".join(lines) + "\n").encode("utf-8")


def render_operations(operations: Dict[str, List[str]]) -> bytes:
    """The operation names, gzip-compressed with a fixed header (no time stamp, no file name)."""
    raw = json.dumps(operations, separators=(",", ":"), sort_keys=True).encode("utf-8")
    return gzip.compress(raw, compresslevel=9, mtime=0)


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m signers._tools.make_services", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--output", required=True, help="path of services.json to write")
    parser.add_argument("--data", help="botocore's data folder (default: the installed one's)")
    args = parser.parse_args(argv)
    try:
        botocore = importlib.import_module("botocore")
    except ImportError:
        sys.stderr.write("make_services: botocore is not installed (pip install botocore)\n")
        return 2
    data_dir = args.data or os.path.join(os.path.dirname(str(botocore.__file__)), "data")
    table, operations = build(data_dir)
    output = args.output
    with open(output, "wb") as handle:
        handle.write(render(table))
    operations_path = os.path.join(os.path.dirname(output) or ".", OPERATIONS_FILE)
    with open(operations_path, "wb") as handle:
        handle.write(render_operations(operations))
    sys.stdout.write(
        f"{output}: {len(table['services'])} services from botocore {table['botocore']} "
        f"({os.path.getsize(output)} bytes); {operations_path}: "
        f"{sum(len(v) for v in operations.values())} operations "
        f"({os.path.getsize(operations_path)} bytes)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
