"""What a probe's builder sees: the endpoint, the credentials, the clock, and signing helpers.

The builders sign through the public registry (``signers.get_signer``) and hand-sign only what a
signer refuses to make (:mod:`.craft`).  Every signature made with the caller's secret is
registered with the run's :class:`~.wire.Redactor`, so that no report shows it.
"""

from __future__ import annotations

import datetime as _dt
import threading
from dataclasses import dataclass, field
from typing import Any, Dict, FrozenSet, Iterable, List, Optional, Sequence, Set, Tuple

import signers
from signers import Credentials, Request, SignedRequest

from . import craft
from .model import NotApplicable, Sent, SetupFailed
from .wire import Endpoint, Redactor

__all__ = ["ProbeConfig", "Context", "QueryOperation", "QUERY_OPERATIONS", "S3_SERVICES"]

Pair = Tuple[str, str]

#: Signing names that follow S3's rules (and get the S3 catalogue).
S3_SERVICES = frozenset({"s3", "s3express", "s3-object-lambda", "s3-outposts"})


@dataclass(frozen=True)
class QueryOperation:
    """A harmless read-only call of a query-protocol service: ``Action`` and ``Version``."""

    action: str
    version: str


#: Query APIs the probe knows a harmless call of (read-only, no side effect).
QUERY_OPERATIONS: Dict[str, QueryOperation] = {
    "sts": QueryOperation("GetCallerIdentity", "2011-06-15"),
    "sqs": QueryOperation("ListQueues", "2012-11-05"),
    "sns": QueryOperation("ListTopics", "2010-03-31"),
    "iam": QueryOperation("ListUsers", "2010-05-08"),
    "cloudformation": QueryOperation("ListStacks", "2010-05-15"),
    "monitoring": QueryOperation("ListMetrics", "2010-08-01"),
    "elasticloadbalancing": QueryOperation("DescribeLoadBalancers", "2012-06-01"),
    "autoscaling": QueryOperation("DescribeAutoScalingGroups", "2011-01-01"),
    "rds": QueryOperation("DescribeDBInstances", "2014-10-31"),
    "sdb": QueryOperation("ListDomains", "2009-04-15"),
}

#: An access key no server should know (the shape of an AWS key, with "PROBE" in it).
UNKNOWN_ACCESS_KEY = "AKIAPROBEUNKNOWNKEY0"


@dataclass(frozen=True)
class ProbeConfig:
    """A run's settings, as the command line gives them."""

    url: str
    credentials: Credentials
    region: str = "us-east-1"
    service: str = "s3"
    bucket: Optional[str] = None
    create_bucket: bool = False
    prefix: str = "sigbridge-probe/"
    schemes: Tuple[str, ...] = ()
    cases: Tuple[str, ...] = ()
    concurrency: int = 4
    max_requests: int = 1000
    timeout: float = 10.0
    time_limit: float = 600.0
    features: FrozenSet[str] = frozenset()

    @property
    def s3(self) -> bool:
        return self.service in S3_SERVICES


@dataclass
class Context:
    """The run's state as builders read it.  ``run_prefix`` is unique to the run; every key the
    probe writes starts with it."""

    config: ProbeConfig
    endpoint: Endpoint
    redactor: Redactor
    run_prefix: str
    bucket: Optional[str] = None
    clock_offset: _dt.timedelta = _dt.timedelta(0)
    seeds: Dict[str, bytes] = field(default_factory=dict)
    seed_errors: Dict[str, str] = field(default_factory=dict)
    features: FrozenSet[str] = frozenset()
    written: Set[str] = field(default_factory=set)
    requests: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    # Shortcuts to the run's settings (the config is frozen: read once)
    credentials: Credentials = field(init=False, repr=False)
    region: str = field(init=False, repr=False)
    service: str = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.credentials = self.config.credentials
        self.region = self.config.region
        self.service = self.config.service

    def track(self, keys: Iterable[str]) -> None:
        """Remember ``keys`` as written (the cleanup deletes them), before the write is sent."""
        with self._lock:
            self.written.update(keys)

    def counted(self) -> None:
        """Count one request sent."""
        with self._lock:
            self.requests += 1

    # -- basics ----------------------------------------------------------------------------------

    def now(self) -> _dt.datetime:
        """The server's time as best known (the local clock corrected by the server's Date)."""
        now = _dt.datetime.now(_dt.timezone.utc) + self.clock_offset
        return now.replace(microsecond=0)

    def other_region(self) -> str:
        return "eu-west-3" if self.region != "eu-west-3" else "ap-south-1"

    def other_service(self) -> str:
        return "sqs" if self.service != "sqs" else "sns"

    def operation(self) -> QueryOperation:
        found = QUERY_OPERATIONS.get(self.service)
        if found is None:
            raise NotApplicable(f"no harmless operation is known for service {self.service!r}")
        return found

    # -- addressing ------------------------------------------------------------------------------

    def key(self, name: str) -> str:
        """The full object key of ``name``, under the run's prefix."""
        return self.run_prefix + name

    def bucket_path(self) -> str:
        if self.bucket is None:
            raise NotApplicable("needs --bucket (or --create-bucket)")
        return "/" + craft.encode_key(self.bucket)

    def object_path(self, key: str, *, safe: str = "/~") -> str:
        """Path-style address of ``key`` (encoded like botocore unless ``safe`` says more)."""
        return self.bucket_path() + "/" + craft.encode_key(key, safe)

    def seed(self, name: str = "seed.txt") -> Tuple[str, bytes]:
        """The key and body of a seed object written before the probes ran."""
        self.bucket_path()  # (no bucket: not applicable)
        key = self.key(name)
        body = self.seeds.get(key)
        if body is None:
            why = self.seed_errors.get(key, "not written")
            raise SetupFailed(f"setup failed: the seed object {name!r} was not written ({why})")
        return key, body

    def url(self, target: str) -> str:
        return self.endpoint.base + target

    def request(
        self,
        method: str,
        target: str,
        headers: Iterable[Pair] = (),
        body: Any = b"",
    ) -> Request:
        """A :class:`signers.Request` for ``target`` on this endpoint; a body (or a write) gets a
        ``Content-Length``, as every HTTP client sends."""
        extra = list(headers)
        data = body if isinstance(body, bytes) else b""
        if (data or method in ("PUT", "POST")) and not any(
            n.lower() == "content-length" for n, _ in extra
        ):
            extra.append(("Content-Length", str(len(data))))
        return Request(method, self.url(target), extra, body)

    # -- signing ---------------------------------------------------------------------------------

    def secret(self, value: Optional[str]) -> None:
        """Never show ``value`` (a signature or token) in any report."""
        self.redactor.add(value)

    def signer(self, scheme: str, **options: Any) -> Any:
        """``signers.get_signer(scheme, ...)`` with this endpoint's scope (SigV4 family) and S3
        preset where they apply."""
        if scheme in ("sigv4", "sigv4-query"):
            options.setdefault("region", self.region)
            options.setdefault("service", self.service)
            options.setdefault("s3", self.config.s3)
        elif scheme in ("sigv4a", "sigv4a-query"):
            options.setdefault("region_set", self.region)
            options.setdefault("service", self.service)
            options.setdefault("s3", self.config.s3)
        elif scheme in ("s3-v2", "s3-v2-query"):
            options.setdefault("addressing", "path")
        return signers.get_signer(scheme, **options)

    def sign(
        self,
        scheme: str,
        request: Request,
        *,
        credentials: Optional[Credentials] = None,
        at: Optional[_dt.datetime] = None,
        **options: Any,
    ) -> SignedRequest:
        signed: SignedRequest = self.signer(scheme, **options).sign(
            request, credentials or self.credentials, at=at or self.now()
        )
        self.secret(signed.artifacts.signature)
        return signed

    def craft_header(
        self,
        method: str,
        target: str,
        headers: Sequence[Pair],
        *,
        body: bytes = b"",
        host: Optional[str] = None,
        **kw: Any,
    ) -> craft.Crafted:
        """:func:`.craft.sign` in the header for ``target`` on this endpoint (``Host`` first: the
        endpoint's, or ``host``)."""
        kw.setdefault("payload_hash", craft.sha256_hex(body))
        host_header = ("Host", host or self.endpoint.host_header)
        return self._craft(method, target, [host_header, *headers], placement="header", **kw)

    def craft_presign(self, method: str, target: str, **kw: Any) -> craft.Crafted:
        """:func:`.craft.sign` in the query for ``target`` on this endpoint (``Host`` first)."""
        headers = [("Host", self.endpoint.host_header), *kw.pop("headers", ())]
        return self._craft(method, target, headers, placement="query", **kw)

    def _craft(self, method: str, target: str, headers: Sequence[Pair], **kw: Any) -> craft.Crafted:
        """:func:`.craft.sign` with this endpoint's region, service, S3-ness, credentials and
        clock unless ``kw`` names others; the signature is registered as a secret."""
        path, _, query = target.partition("?")
        kw.setdefault("region", self.region)
        kw.setdefault("service", self.service)
        kw.setdefault("s3", self.config.s3)
        credentials = kw.pop("credentials", self.credentials)
        at = kw.pop("at", None) or self.now()
        crafted = craft.sign(method, path, query, headers, credentials, at, **kw)
        self.secret(crafted.signature)
        return crafted

    # -- building what goes on the wire ----------------------------------------------------------

    def sent(
        self,
        source: Any,
        *,
        method: Optional[str] = None,
        target: Optional[str] = None,
        headers: Optional[Sequence[Pair]] = None,
        body: Optional[bytes] = None,
        writes: Sequence[str] = (),
        note: str = "",
    ) -> Sent:
        """A :class:`Sent` from a signed request (or a plain one), with any part replaced after
        signing.  ``Host`` goes first when the request does not carry one."""
        request: Request = source.request if isinstance(source, SignedRequest) else source
        creq = sts = None
        if isinstance(source, SignedRequest):
            creq = source.artifacts.canonical_request
            sts = source.artifacts.string_to_sign
        pairs = list(request.headers if headers is None else headers)
        if not any(n.lower() == "host" for n, _ in pairs):
            pairs.insert(0, ("Host", request.host_header))
        data = request.body if isinstance(request.body, bytes) else b""
        return Sent(
            method=method or request.method,
            target=target or request.target,
            headers=tuple(pairs),
            body=data if body is None else body,
            writes=tuple(writes),
            canonical_request=creq,
            string_to_sign=sts,
            note=note,
        )

    def crafted(
        self,
        method: str,
        target: str,
        crafted: craft.Crafted,
        *,
        body: bytes = b"",
        writes: Sequence[str] = (),
        note: str = "",
    ) -> Sent:
        return Sent(
            method=method,
            target=target,
            headers=crafted.headers,
            body=body,
            writes=tuple(writes),
            canonical_request=crafted.canonical_request,
            string_to_sign=crafted.string_to_sign,
            note=note,
        )


def _set_pair(pairs: Sequence[Pair], name: str, value: Optional[str], *, fold: bool) -> List[Pair]:
    """``pairs`` with the first ``name`` set to ``value`` (added last when absent) and the other
    ``name`` pairs dropped; every ``name`` pair dropped when ``value`` is ``None``.  ``fold``:
    names compare case-insensitively (headers)."""
    key = name.lower() if fold else name
    out: List[Pair] = []
    done = False
    for n, v in pairs:
        if (n.lower() if fold else n) == key:
            if value is not None and not done:
                out.append((n, value))
                done = True
            continue
        out.append((n, v))
    if value is not None and not done:
        out.append((name, value))
    return out


def replace_header(headers: Sequence[Pair], name: str, value: Optional[str]) -> List[Pair]:
    """``headers`` with every ``name`` header set to ``value`` (dropped when ``None``)."""
    return _set_pair(headers, name, value, fold=True)


def query_replace(target: str, name: str, value: Optional[str]) -> str:
    """``target`` with query parameter ``name`` set to ``value`` (dropped when ``None``)."""
    path, _, query = target.partition("?")
    out = _set_pair(craft.split_query(query), name, value, fold=False)
    text = "&".join(n if v == "" else f"{n}={v}" for n, v in out)
    return path + ("?" + text if text else "")
