"""AWS service metadata, and the SigV4 region and signing name inferred from a request.

SigV4's credential scope (``DATE/REGION/SERVICE/aws4_request``) names a region and a *signing
name*, which is often not the first label of the host: ``email.*`` signs as ``ses``, a domain
``search-x.REGION.es.amazonaws.com`` as ``es``, and ``autoscaling.REGION.amazonaws.com`` answers
for three APIs (Auto Scaling, and for compatibility Application Auto Scaling and Auto Scaling
Plans) that sign with three names.  The facts come from a table generated from botocore's service
models and endpoint data (``signers/_data/services.json``, see :mod:`signers._tools.make_services`),
loaded on first use; this module imports only the standard library.

:func:`infer` reads the host, then the request, and says where each value came from:

1. Values passed explicitly are kept and reported as ``given``.
2. The host: a fixed host (``iam.amazonaws.com`` signs for us-east-1), an S3 host in any of its
   spellings, an OpenSearch domain, or ``PREFIX[.-fips][.dualstack].REGION.SUFFIX`` whose
   prefix the table knows.  It gives the region and the services that answer there.
3. The request: ``X-Amz-Target: Prefix.Operation`` (JSON protocol), an RPCv2-CBOR path
   ``/service/Prefix/operation/Operation``, or ``Action`` + ``Version`` (query protocol) name
   the API exactly.
4. When both speak, the request names the API and the host must be one that API answers on
   (its endpoint prefix, another host prefix botocore lists for it, or a documented legacy host
   such as ``autoscaling`` for Auto Scaling Plans); then the request wins.  Otherwise, or when
   neither decides, :class:`~signers.errors.AmbiguousScope` says which ``--service`` /
   ``--region`` to pass and why.
"""

from __future__ import annotations

import functools
import json
import threading
from typing import Any, Dict, Iterable, List, NamedTuple, Optional, Tuple

from ._encoding import percent_decode_str
from .errors import AmbiguousScope, InvalidOption
from .model import Request

__all__ = [
    "ServiceInfo",
    "GlobalEndpoint",
    "Inference",
    "service",
    "service_names",
    "operations",
    "infer",
    "data_version",
]

_DATA = "_data/services.json"
_OPERATIONS = "_data/operations.json.gz"


class GlobalEndpoint(NamedTuple):
    """A host name without a region in it, and the region requests to it sign for.

    ``region`` is ``None`` where the host signs for a region it does not name (SigV4A's ``*``,
    bearer-token services).
    """

    host: str
    region: Optional[str]
    partition: str


class ServiceInfo(NamedTuple):
    """One AWS API as botocore's model describes it (``name`` is botocore's service name)."""

    name: str
    service_id: str
    endpoint_prefix: str
    signing_name: str
    protocol: str
    protocols: Tuple[str, ...]
    target_prefix: Optional[str]
    json_version: Optional[str]
    api_version: str
    auth: Tuple[str, ...]
    signature_version: str
    host_prefixes: Tuple[str, ...]
    legacy_host_prefixes: Tuple[str, ...]
    global_endpoints: Tuple[GlobalEndpoint, ...]

    @property
    def operations(self) -> Tuple[str, ...]:
        """The API's operation names (loaded from the compressed operations file when asked)."""
        return operations(self.name)


class Inference(NamedTuple):
    """The region and signing name for a request, and where each came from."""

    region: str
    service: str
    region_source: str
    service_source: str
    #: botocore names of the APIs the evidence fits (empty when the service was given)
    services: Tuple[str, ...] = ()

    def lines(self) -> List[str]:
        """``region R: source`` and ``service S: source``, for ``--explain``."""
        return [
            f"region {self.region}: {self.region_source}",
            f"service {self.service}: {self.service_source}",
        ]


# -- the table --------------------------------------------------------------------------------


class _Table:
    """The loaded table and the indexes inference reads (built once, then read-only)."""

    def __init__(self, raw: Dict[str, Any]) -> None:
        import re

        self.version: str = raw["botocore"]
        fields = raw["fields"]
        self.services: Dict[str, ServiceInfo] = {}
        for name, row in raw["services"].items():
            values = dict(zip(fields, row))
            values["protocols"] = tuple(values["protocols"])
            values["auth"] = tuple(values["auth"])
            values["host_prefixes"] = tuple(values["host_prefixes"])
            values["legacy_host_prefixes"] = tuple(values["legacy_host_prefixes"])
            values["global_endpoints"] = tuple(
                GlobalEndpoint(*g) for g in values["global_endpoints"]
            )
            self.services[name] = ServiceInfo(name=name, **values)
        self.suffixes = sorted(
            {(p[1], p[0]) for p in raw["partitions"]} | {(p[2], p[0]) for p in raw["partitions"]},
            key=lambda s: (-len(s[0]), s[0]),
        )
        self.region_pattern = re.compile("|".join(f"(?:{p[4]})" for p in raw["partitions"]))
        self.prefixes: Dict[str, List[str]] = {}
        self.wildcards: Dict[str, List[str]] = {}
        self.legacy: Dict[str, List[str]] = {}
        self.fixed: Dict[str, List[Tuple[str, Optional[str]]]] = {}
        self.targets: Dict[str, List[str]] = {}
        self.by_signing_name: Dict[str, List[str]] = {}
        for info in self.services.values():
            for prefix in (info.endpoint_prefix, *info.host_prefixes):
                index = self.wildcards if prefix.startswith("*") else self.prefixes
                index.setdefault(prefix.lstrip("*"), []).append(info.name)
            for prefix in info.legacy_host_prefixes:
                self.legacy.setdefault(prefix, []).append(info.name)
            for endpoint in info.global_endpoints:
                self.fixed.setdefault(endpoint.host, []).append((info.name, endpoint.region))
            if info.target_prefix:
                self.targets.setdefault(info.target_prefix, []).append(info.name)
            self.by_signing_name.setdefault(info.signing_name, []).append(info.name)

    def is_region(self, label: str) -> bool:
        return self.region_pattern.fullmatch(label) is not None

    def is_region_named(self, host: str) -> bool:
        return any(self.is_region(label) for label in host.split("."))


_LOCK = threading.Lock()


@functools.lru_cache(maxsize=None)
def _table() -> _Table:
    import pkgutil

    with _LOCK:
        data = pkgutil.get_data(__package__ or "signers", _DATA)
        if data is None:  # pragma: no cover - a broken install
            raise InvalidOption(f"service table {_DATA} is missing from the installation")
        return _Table(json.loads(data.decode("utf-8")))


@functools.lru_cache(maxsize=None)
def _operations() -> Dict[str, Tuple[str, ...]]:
    import gzip
    import pkgutil

    data = pkgutil.get_data(__package__ or "signers", _OPERATIONS)
    if data is None:  # pragma: no cover - a broken install
        raise InvalidOption(f"operation list {_OPERATIONS} is missing from the installation")
    raw = json.loads(gzip.decompress(data).decode("utf-8"))
    return {name: tuple(names) for name, names in raw.items()}


def data_version() -> str:
    """The botocore version the shipped table was generated from."""
    return _table().version


def service_names() -> Tuple[str, ...]:
    """Every service in the table, by botocore name, sorted."""
    return tuple(sorted(_table().services))


def operations(name: str) -> Tuple[str, ...]:
    """The operation names of service ``name`` (as :func:`service` accepts it)."""
    return _operations()[service(name).name]


def service(name_or_prefix: str) -> ServiceInfo:
    """The service named ``name_or_prefix``: a botocore name (``autoscaling-plans``), else a
    signing name, endpoint prefix or service id that only one service has (``ses`` has three:
    ``ses``, ``sesv2``, ``pinpoint-email`` -- ask for one by name)."""
    table = _table()
    key = name_or_prefix.strip()
    if key in table.services:
        return table.services[key]
    lowered = key.lower()
    for attribute in ("signing_name", "endpoint_prefix", "service_id"):
        found = [
            info
            for info in table.services.values()
            if str(getattr(info, attribute)).lower() == lowered
        ]
        if len(found) == 1:
            return found[0]
        if found:
            names = ", ".join(sorted(info.name for info in found))
            raise InvalidOption(
                f"service {key!r} is the {attribute.replace('_', ' ')} of {names}; name one",
                field="service",
            )
    import difflib

    close = difflib.get_close_matches(lowered, list(table.services), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise InvalidOption(
        f"service {key!r} is not in the service table (botocore {table.version}){hint}",
        field="service",
    )


# -- what the host says -----------------------------------------------------------------------


class _HostFacts(NamedTuple):
    """What a host name alone tells: ``services`` answer on it; ``signing_name`` is set when the
    host form itself fixes it (S3, OpenSearch, a fixed host)."""

    aws: bool
    region: Optional[str]
    region_source: str
    services: Tuple[str, ...]
    signing_name: Optional[str]
    service_source: str
    prefix: Optional[str] = None
    fixed: bool = False


def _bare_host(host: str) -> str:
    name = host.strip().lower().rstrip(".")
    if name.startswith("["):
        return name[: name.find("]") + 1] if "]" in name else name
    return name.rpartition(":")[0] if name.count(":") == 1 else name


def _not_aws(host: str, why: str) -> _HostFacts:
    return _HostFacts(False, None, why, (), None, why)


def _host_facts(host: str) -> _HostFacts:
    table = _table()
    name = _bare_host(host)
    if not name or name.startswith("[") or name.replace(".", "").isdigit():
        return _not_aws(host, f"host {host!r} is an IP address, not an AWS endpoint")
    fixed = table.fixed.get(name)
    if fixed is not None:
        return _fixed_host(name, fixed)
    suffix = next(((s, p) for s, p in table.suffixes if name.endswith("." + s)), None)
    if suffix is None:
        return _not_aws(host, f"host {host!r} is not an AWS endpoint")
    labels = name[: -len(suffix[0]) - 1].split(".")
    s3 = _s3_facts(name, labels)
    if s3 is not None:
        return s3
    return _prefix_facts(name, labels)


def _fixed_host(name: str, entries: List[Tuple[str, Optional[str]]]) -> _HostFacts:
    table = _table()
    names = tuple(sorted({n for n, _ in entries}))
    regions = {r for _, r in entries}
    region = next(iter(regions)) if len(regions) == 1 else None
    if region is not None and table.is_region_named(name) and region not in name.split("."):
        source = f"endpoint {name} signs for {region} whatever region it names"
    elif region is not None:
        source = f"global endpoint {name} signs for {region}"
    else:
        source = f"global endpoint {name} names no region and signs for none fixed"
    return _served(region, source, names, f"global endpoint {name}", None, fixed=True)


def _served(
    region: Optional[str],
    region_source: str,
    names: Tuple[str, ...],
    service_source: str,
    prefix: Optional[str],
    *,
    fixed: bool = False,
) -> _HostFacts:
    """An AWS host on which the services ``names`` answer: the signing name is fixed when they
    all sign with the same one."""
    signing = {_table().services[n].signing_name for n in names}
    only = next(iter(signing)) if len(signing) == 1 else None
    return _HostFacts(True, region, region_source, names, only, service_source, prefix, fixed)


# S3's labels: s3, s3-fips, s3-REGION (legacy), s3-external-1, s3-accelerate, s3-accesspoint(-fips),
# s3-object-lambda(-fips), s3-outposts, s3-control(-fips), s3-global (multi-region access points),
# s3express-AZ / s3express-fips-AZ / s3express-control (directory buckets), s3-website(-REGION).
_S3_SIGNING = (
    ("s3-object-lambda", "s3-object-lambda"),
    ("s3-outposts", "s3-outposts"),
    ("s3express", "s3express"),
)


def _is_s3_label(label: str) -> bool:
    return label == "s3" or label.startswith(("s3-", "s3express-"))


def _s3_facts(name: str, labels: List[str]) -> Optional[_HostFacts]:
    table = _table()
    # Scan from the right: a bucket name may itself contain an "s3" label.
    index = next((i for i in range(len(labels) - 1, -1, -1) if _is_s3_label(labels[i])), None)
    if index is None:
        return None
    label = labels[index]
    if label.startswith("s3-control"):
        return None  # S3 Control is an ordinary prefixed host ({account}.s3-control.REGION)
    signing = next((s for p, s in _S3_SIGNING if label.startswith(p)), "s3")
    names = ("s3",)  # every S3 data-plane host serves the S3 API, whatever it signs as
    after = [x for x in labels[index + 1 :] if x not in ("dualstack", "fips")]
    region = next((x for x in after if table.is_region(x)), None)
    rest = label[3:] if label.startswith("s3-") else ""
    if region is None and table.is_region(rest):
        region = rest  # bucket.s3-us-west-2.amazonaws.com: the legacy dash spelling
    kind = "S3"
    if label.startswith("s3-accesspoint"):
        kind = "S3 access point"
    elif signing != "s3":
        kind = {"s3-object-lambda": "S3 Object Lambda", "s3-outposts": "S3 on Outposts"}.get(
            signing, "S3 Express (directory bucket)"
        )
    service_source = f"{kind} host {name!r}"
    if region is not None:
        return _HostFacts(True, region, service_source, names, signing, service_source, label)
    if label == "s3-global":
        why = f"{service_source} is a multi-region access point: SigV4A with region set '*'"
        return _HostFacts(True, None, why, names, signing, service_source, label)
    if label.startswith("s3-accelerate"):
        why = f"{service_source} (Transfer Acceleration) names no region: the bucket's region"
        return _HostFacts(True, None, why, names, signing, service_source, label)
    if label in ("s3", "s3-external-1") and not after:
        why = f"{service_source} without a region: us-east-1 (legacy global endpoint)"
        return _HostFacts(True, "us-east-1", why, names, signing, service_source, label, True)
    why = f"{service_source} names no region"
    return _HostFacts(True, None, why, names, signing, service_source, label)


def _strip(labels: Iterable[str]) -> List[str]:
    out = []
    for label in labels:
        if label in ("fips", "dualstack"):
            continue
        out.append(label[: -len("-fips")] if label.endswith("-fips") else label)
    return out


def _lookup(labels: List[str]) -> Tuple[Optional[str], Tuple[str, ...]]:
    """The longest known host prefix ending ``labels`` (leading labels are resource names:
    a bucket, an account id, an API id) and the services that answer on it."""
    table = _table()
    for start in range(len(labels)):
        prefix = ".".join(labels[start:])
        names = table.prefixes.get(prefix)
        if names:
            return prefix, tuple(sorted(names))
    if labels:
        last = labels[-1]
        for tail, names in table.wildcards.items():
            if last.endswith(tail) and len(last) > len(tail):
                return "*" + tail, tuple(sorted(names))
    return None, ()


def _prefix_facts(name: str, labels: List[str]) -> _HostFacts:
    table = _table()
    index = next((i for i in range(len(labels) - 1, -1, -1) if table.is_region(labels[i])), None)
    if index is None:
        why = f"no region in host {name!r}"
        return _HostFacts(True, None, why, (), None, f"host {name!r} is not one the table knows")
    region = labels[index]
    source = f"host {name!r}"
    before, after = _strip(labels[:index]), _strip(labels[index + 1 :])
    prefix, names = _lookup(after) if after else (None, ())
    if names and prefix in ("es", "aoss") and before:
        kind = "OpenSearch domain" if prefix == "es" else "OpenSearch Serverless collection"
        source = f"{kind} host {name!r}"
    elif not names:
        prefix, names = _lookup(before)
    if names:
        return _served(region, source, names, source, prefix)
    if len(before) == 1 and not after:
        # An AWS host whose prefix this table does not know (a service newer than it): botocore
        # itself signs with the endpoint prefix when a model names no signing name.
        guess = before[0]
        why = (
            f"host {name!r}: prefix {guess!r} is not in the service table (botocore "
            f"{table.version}); assumed to be the signing name"
        )
        return _HostFacts(True, region, source, (), guess, why, guess)
    why = f"host {name!r}: no known service prefix in {'.'.join(before + after) or 'it'!r}"
    return _HostFacts(True, region, source, (), None, why)


# -- what the request says ----------------------------------------------------------------------


class _RequestFacts(NamedTuple):
    services: Tuple[str, ...]
    source: str


_FORM = "application/x-www-form-urlencoded"


def _parameters(request: Request) -> Dict[str, str]:
    """Query-protocol parameters: the URL's query, then a form body's (first value wins)."""
    pairs: List[Tuple[str, str]] = list(request.query_pairs())
    content_type = (request.header("content-type") or "").lower()
    body = request.body_bytes
    if body and content_type.startswith(_FORM):
        text = body.decode("utf-8", "surrogateescape")
        for piece in text.split("&"):
            key, _, value = piece.partition("=")
            pairs.append((key, value))
    out: Dict[str, str] = {}
    for key, value in pairs:
        name = percent_decode_str(key.replace("+", " "))
        out.setdefault(name, percent_decode_str(value.replace("+", " ")))
    return out


def _target_facts(request: Request) -> Optional[_RequestFacts]:
    table = _table()
    target = request.header("x-amz-target")
    if target:
        prefix, dot, _ = target.strip().rpartition(".")
        names = table.targets.get(prefix) if dot else None
        if names:
            ids = _ids(names)
            return _RequestFacts(tuple(sorted(names)), f"X-Amz-Target prefix {prefix!r} ({ids})")
        return _RequestFacts((), f"X-Amz-Target {target.strip()!r} is not in the service table")
    parts = request.path.split("/")
    if len(parts) == 5 and parts[1] == "service" and parts[3] == "operation":
        prefix = percent_decode_str(parts[2])
        names = table.targets.get(prefix)
        if names:
            source = f"RPCv2 CBOR path service {prefix!r} ({_ids(names)})"
            return _RequestFacts(tuple(sorted(names)), source)
    return None


def _query_facts(request: Request) -> Optional[_RequestFacts]:
    table = _table()
    parameters = _parameters(request)
    version = parameters.get("Version")
    action = parameters.get("Action")
    if not version:
        return None
    names = [
        info.name
        for info in table.services.values()
        if info.api_version == version and ({"query", "ec2"} & set(info.protocols))
    ]
    if action and len(names) > 1:
        # Several query APIs share the version date: the one that has the action is meant.
        having = [n for n in names if action in _operations().get(n, ())]
        names = having or names
    if not names:
        return None
    said = f"Action={action}&Version={version}" if action else f"Version={version}"
    return _RequestFacts(tuple(sorted(names)), f"{said} ({_ids(names)})")


def _ids(names: Iterable[str]) -> str:
    table = _table()
    return ", ".join(sorted({table.services[n].service_id for n in names}))


def _signing_names(names: Iterable[str]) -> List[str]:
    table = _table()
    return sorted({table.services[n].signing_name for n in names})


# -- the decision --------------------------------------------------------------------------------


def _decide_service(
    host: _HostFacts, said: Optional[_RequestFacts]
) -> Tuple[Optional[str], str, Tuple[str, ...]]:
    """``(signing name or None, source or the reason it cannot be decided, services)``."""
    table = _table()
    by_request = set(said.services) if said else set()
    by_host = set(host.services)
    if by_request:
        assert said is not None
        signing = _signing_names(by_request)
        if not by_host:
            # The host names no API the table knows (a custom domain, an unknown prefix)
            if len(signing) == 1:
                return signing[0], said.source, tuple(sorted(by_request))
            return None, f"{said.source} signs as {' or '.join(signing)}", ()
        both = by_request & by_host
        if both:
            return (
                _signing_names(both)[0],
                f"{said.source}, {host.service_source}",
                tuple(sorted(both)),
            )
        legacy = by_request & set(table.legacy.get(host.prefix or "", ()))
        if legacy:
            source = (
                f"{said.source}; {host.service_source} is a legacy endpoint of that API "
                "(the request names the API, the host only where to send it)"
            )
            return _signing_names(legacy)[0], source, tuple(sorted(legacy))
        host_signing = _signing_names(by_host) if by_host else [str(host.signing_name)]
        common = sorted(set(signing) & set(host_signing))
        if common:
            return common[0], f"{said.source}, {host.service_source}", tuple(sorted(by_request))
        why = (
            f"{said.source} signs as {' or '.join(signing)} but {host.service_source} is "
            f"{_ids(by_host) if by_host else 'another service'} (signs as "
            f"{' or '.join(host_signing)})"
        )
        return None, why, ()
    if host.signing_name is not None:
        return host.signing_name, host.service_source, tuple(sorted(by_host))
    if by_host:
        shared = "; ".join(
            f"{_ids([n])} signs as {table.services[n].signing_name}" for n in sorted(by_host)
        )
        return None, f"{host.service_source} is shared: {shared}", ()
    note = f"; {said.source}" if said else ""
    return None, f"{host.service_source}{note}", ()


def infer(
    request: Request, *, service: Optional[str] = None, region: Optional[str] = None
) -> Inference:
    """The SigV4 region and signing name for ``request``, with where each came from.

    ``service`` / ``region`` given here are kept (reported as ``given``); only what is missing is
    inferred.  Raises :class:`~signers.errors.AmbiguousScope` (one line naming ``--service`` /
    ``--region``) when the host and the request contradict each other or nothing decides.
    """
    host = _host_facts(request.host)
    names: Tuple[str, ...] = ()
    problems = []
    service_source = "given"
    if service is None:
        said = _target_facts(request)
        if said is None or not said.services:
            said = _query_facts(request) or said
        service, service_source, names = _decide_service(host, said)
        if service is None:
            problems.append(("service", service_source))
    region_source = "given"
    if region is None:
        region, region_source = host.region, host.region_source
        if region is None:
            problems.append(("region", region_source))
    if problems:
        flags = " and ".join(f"--{field} NAME" for field, _ in problems)
        reasons = "; ".join(dict.fromkeys(reason for _, reason in problems))
        raise AmbiguousScope(
            f"cannot infer the {' and '.join(f for f, _ in problems)}: {reasons}; pass {flags}",
            field=problems[0][0],
        )
    assert service is not None and region is not None
    return Inference(region, service, region_source, service_source, names)


def _host_scope(host: str) -> Tuple[Optional[str], Optional[str], str, bool]:
    """``(signing name, region, reason, global)`` from a host name alone (for
    :func:`signers.endpoints.infer_scope`); either value may be ``None``, the reason says why."""
    facts = _host_facts(host)
    service = facts.signing_name
    if service is not None and facts.region is not None:
        reason = f"{facts.service_source}: service {service!r}, region {facts.region}"
        return service, facts.region, reason, facts.fixed
    missing = [n for n, v in (("region", facts.region), ("service", service)) if v is None]
    reasons = "; ".join(
        dict.fromkeys(
            r
            for r, v in ((facts.service_source, service), (facts.region_source, facts.region))
            if v is None
        )
    )
    return service, facts.region, f"{reasons}; give {' and '.join(missing)}", facts.fixed
