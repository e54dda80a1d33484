"""The benchmark operations, as data: shared by ``sigbridge bench`` and ``tests/benchmarks``.

Each :class:`Operation` names one thing a user does, from the natural input (method, URL, headers,
body) to the signed result, request construction included for every library.  ``ours`` builds the
sigbridge side (:mod:`.bench_ops_ours`); ``peers`` build the same operation with other libraries
(botocore, requests-aws4auth, awscrt: :mod:`.bench_ops_peers`) when they are installed.  A factory
returns a :class:`Subject`: ``run`` does the operation once (or one batch of ``Operation.batch``),
and ``signature`` gives the signature (or canonical request) it produces at :data:`AT`, so that
every comparison first checks that both sides produce the same result at the same instant.

To add an operation, write its factories and append an :class:`Operation` to
:data:`OPERATIONS`; the pytest suite and ``sigbridge bench`` pick it up, and the report gets a
row.  For example, the SigV2 operation::

    Operation("sigv2-query-ec2-describe-instances", "SigV2, EC2 DescribeInstances GET ...",
              ours_signed("sigv2", "GET", EC2_V2_URL, signature=_legacy_signature),
              (("botocore", botocore_sigv2),), targets=(("botocore", 0.6),), group="legacy")

``targets`` holds the issue's bounds as ``(peer, highest ratio)`` or ``("rate", lowest ops/s)``.
A verify operation names the signing operation of the same request as its ``baseline``: that one
is measured beside it in the same run as the implementation ``"sign"``, and the target
``("sign", 1.5)`` bounds verify's ratio to it.  :func:`.bench_ops_ours.ours_verify` builds verify
factories (the request is signed once outside the timing; each run builds the received request
and verifies it, with the signer's ``verify`` or with ``signers.verify``).

The peers that read the clock themselves run under :func:`frozen_peer_clocks`.

Peers are imported only inside their factories, never when this module is imported.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any, Dict, List, NamedTuple, Optional, Tuple

from .._cache import DEFAULT_SIZES
from ..model import SignedRequest
from .bench_ops_inputs import (
    ACCESS_KEY,
    AT,
    BASELINE,
    BULK_KEYS,
    EC2_URL,
    EC2_V2_URL,
    ECS_BODY,
    ECS_HEADERS,
    ECS_URL,
    EXPIRES,
    OURS,
    PEERS,
    REGION,
    S3_URL,
    SECRET_KEY,
    Factory,
    PeerMissing,
    Subject,
    legacy_signature_of_url,
)
from .bench_ops_ours import (
    ours_bulk,
    ours_canonical_request,
    ours_key_cached,
    ours_key_cycle,
    ours_key_derivation,
    ours_signed,
    ours_verify,
)
from .bench_ops_parallel import (
    PARALLEL_JOBS,
    PARALLEL_KEYS,
    ours_bulk_100k,
    ours_jobs_cold,
    ours_pool_lines,
    ours_pool_signed,
    ours_pool_urls,
)
from .bench_ops_peers import (
    aws4auth_header,
    aws4auth_key_derivation,
    botocore_bulk,
    botocore_canonical_request,
    botocore_header,
    botocore_query,
    botocore_s3_v2,
    botocore_sigv2,
    crt_bulk,
    crt_header,
    crt_query,
    frozen_peer_clocks,
)

__all__ = [
    "AT",
    "ACCESS_KEY",
    "BASELINE",
    "OURS",
    "SECRET_KEY",
    "PEERS",
    "Operation",
    "Subject",
    "PeerMissing",
    "OPERATIONS",
    "operation",
    "build",
    "frozen_peer_clocks",
    "measure_import",
]


class Operation(NamedTuple):
    name: str
    title: str
    ours: Factory
    peers: Tuple[Tuple[str, Factory], ...] = ()
    #: operations done by one ``run()`` call (bulk presign signs ``batch`` URLs per call)
    batch: int = 1
    #: the issue's targets: (peer name, highest ratio ours/peer), or ("rate", lowest ops per
    #: second); ("sign", ratio) bounds the ratio to :attr:`baseline`
    targets: Tuple[Tuple[str, float], ...] = ()
    group: str = ""
    #: another operation whose sigbridge side is measured beside this one, in the same run, as
    #: the implementation :data:`BASELINE` ("sign"): verify is compared with signing the request
    baseline: str = ""


def _verify_operation(name: str, title: str, factory: Factory, baseline: str) -> Operation:
    """A verify operation: measured beside signing the same request (its ``baseline``), whose
    ratio to it is bounded by the issue's 1.5."""
    return Operation(
        name, title, factory, targets=((BASELINE, 1.5),), group="verify", baseline=baseline
    )


_KEPT = f"{PARALLEL_JOBS} worker processes kept"


def _bulk(suffix: str, how: str, factory: Factory, rate: Optional[float] = None) -> Operation:
    """A bulk presign of the :data:`PARALLEL_KEYS` S3 GET URLs, measured per URL (the issue's
    lowest ``rate`` in URLs per second, when it sets one)."""
    return Operation(
        "sigv4-query-bulk-s3-100k" + suffix,
        f"SigV4 bulk presign, {len(PARALLEL_KEYS):,} S3 GET URLs, {how} (per URL)",
        factory,
        batch=len(PARALLEL_KEYS),
        targets=(("rate", rate),) if rate is not None else (),
        group="parallel",
    )


def _legacy_signature(signed: SignedRequest) -> str:
    return legacy_signature_of_url(signed.url)


# -- the table ------------------------------------------------------------------------------------

_ECS = ("POST", ECS_URL, ECS_HEADERS, ECS_BODY)
_S3_GET = ("GET", S3_URL, (), b"")
_S3: Dict[str, Any] = {"region": REGION, "service": "s3", "s3": True}

#: The signing-key cache's default size (the key-cycle rows cycle around it).
KEY_CACHE_SIZE = DEFAULT_SIZES["signing-keys"]

OPERATIONS: Tuple[Operation, ...] = (
    Operation(
        "sigv4-header-ecs-post",
        "SigV4 header, ECS JSON POST",
        ours_signed("sigv4", *_ECS, region=REGION, service="ecs"),
        (
            ("botocore", botocore_header("SigV4Auth", "ecs", *_ECS)),
            (
                "requests-aws4auth",
                aws4auth_header(
                    "ecs", *_ECS, include=("host", "content-type", "x-amz-date", "x-amz-target")
                ),
            ),
            ("awscrt", crt_header("ecs", *_ECS)),
        ),
        targets=(("botocore", 0.12), ("awscrt", 0.65)),
        group="sigv4",
    ),
    Operation(
        "sigv4-header-s3-get",
        "SigV4 header, S3 GET object",
        ours_signed("sigv4", *_S3_GET, **_S3),
        (
            ("botocore", botocore_header("S3SigV4Auth", "s3", *_S3_GET)),
            (
                "requests-aws4auth",
                aws4auth_header(
                    "s3", *_S3_GET, include=("host", "x-amz-content-sha256", "x-amz-date")
                ),
            ),
            ("awscrt", crt_header("s3", *_S3_GET, s3=True)),
        ),
        group="sigv4",
    ),
    Operation(
        "sigv4-query-s3-get",
        "SigV4 presign, S3 GET object, 3600 s",
        ours_signed("sigv4-query", "GET", S3_URL, expires=EXPIRES, **_S3),
        (
            ("botocore", botocore_query("S3SigV4QueryAuth", "s3", "GET", S3_URL)),
            ("awscrt", crt_query("s3", "GET", S3_URL, s3=True)),
        ),
        targets=(("botocore", 0.15),),
        group="sigv4-query",
    ),
    Operation(
        "sigv4-query-ec2-describe-regions",
        "SigV4 presign, EC2 DescribeRegions GET",
        ours_signed("sigv4-query", "GET", EC2_URL, region=REGION, service="ec2", expires=EXPIRES),
        (
            ("botocore", botocore_query("SigV4QueryAuth", "ec2", "GET", EC2_URL)),
            ("awscrt", crt_query("ec2", "GET", EC2_URL, s3=False)),
        ),
        group="sigv4-query",
    ),
    Operation(
        "sigv4-query-bulk-s3",
        f"SigV4 bulk presign, {len(BULK_KEYS)} S3 GET URLs (per URL)",
        ours_bulk,
        (("botocore", botocore_bulk), ("awscrt", crt_bulk)),
        batch=len(BULK_KEYS),
        targets=(("rate", 250_000.0),),
        group="sigv4-query",
    ),
    # The bulk targets: 300,000 URLs/s on one core, 1.8 x that on two.
    _bulk("", "one process", ours_bulk_100k, 300_000.0),
    _bulk("-pool-signed", f"{_KEPT}, SignedRequest results", ours_pool_signed, 540_000.0),
    _bulk("-pool-urls", f"{_KEPT}, URLs only", ours_pool_urls, 540_000.0),
    _bulk("-pool-lines", f"{_KEPT}, URLs as text lines", ours_pool_lines, 540_000.0),
    _bulk("-jobs-cold", f"presign_many(jobs={PARALLEL_JOBS}) starting its workers", ours_jobs_cold),
    Operation(
        "sigv2-query-ec2-describe-instances",
        "SigV2, EC2 DescribeInstances GET, 5 parameters (signed URL)",
        ours_signed("sigv2", "GET", EC2_V2_URL, signature=_legacy_signature),
        (("botocore", botocore_sigv2),),
        targets=(("botocore", 0.6),),
        group="legacy",
    ),
    Operation(
        "s3-v2-header-get",
        "S3 SigV2 header, GET object",
        ours_signed("s3-v2", "GET", S3_URL),
        (("botocore", botocore_s3_v2(query=False)),),
        targets=(("botocore", 0.4),),
        group="legacy",
    ),
    Operation(
        "s3-v2-query-get",
        "S3 SigV2 presign, GET object, 3600 s",
        ours_signed("s3-v2-query", "GET", S3_URL, signature=_legacy_signature, expires=EXPIRES),
        (("botocore", botocore_s3_v2(query=True)),),
        group="legacy",
    ),
    _verify_operation(
        "verify-sigv4-header-ecs-post",
        "verify, SigV4 header, ECS JSON POST",
        ours_verify("sigv4", *_ECS, region=REGION, service="ecs"),
        "sigv4-header-ecs-post",
    ),
    _verify_operation(
        "verify-sigv4-header-s3-get",
        "verify, SigV4 header, S3 GET object",
        ours_verify("sigv4", *_S3_GET, **_S3),
        "sigv4-header-s3-get",
    ),
    _verify_operation(
        "verify-sigv4-query-s3-get",
        "verify, SigV4 presigned S3 GET object",
        ours_verify("sigv4-query", "GET", S3_URL, expires=EXPIRES, **_S3),
        "sigv4-query-s3-get",
    ),
    _verify_operation(
        "verify-sigv4-query-ec2-describe-regions",
        "verify, SigV4 presigned EC2 DescribeRegions GET",
        ours_verify("sigv4-query", "GET", EC2_URL, region=REGION, service="ec2", expires=EXPIRES),
        "sigv4-query-ec2-describe-regions",
    ),
    _verify_operation(
        "verify-sigv2-ec2-describe-instances",
        "verify, SigV2 EC2 DescribeInstances GET",
        ours_verify("sigv2", "GET", EC2_V2_URL),
        "sigv2-query-ec2-describe-instances",
    ),
    _verify_operation(
        "verify-s3-v2-header-get",
        "verify, S3 SigV2 header, GET object",
        ours_verify("s3-v2", "GET", S3_URL),
        "s3-v2-header-get",
    ),
    _verify_operation(
        "verify-s3-v2-query-get",
        "verify, S3 SigV2 presigned GET object",
        ours_verify("s3-v2-query", "GET", S3_URL, expires=EXPIRES),
        "s3-v2-query-get",
    ),
    _verify_operation(
        "verify-any-sigv4-header-ecs-post",
        "signers.verify (any scheme), SigV4 header, ECS JSON POST",
        ours_verify(
            "sigv4",
            *_ECS,
            region=REGION,
            service="ecs",
            dispatch={"region": REGION, "service": "ecs"},
        ),
        "sigv4-header-ecs-post",
    ),
    _verify_operation(
        "verify-any-sigv2-ec2-describe-instances",
        "signers.verify (any scheme), SigV2 EC2 DescribeInstances GET",
        ours_verify("sigv2", "GET", EC2_V2_URL, dispatch={}),
        "sigv2-query-ec2-describe-instances",
    ),
    _verify_operation(
        "verify-any-s3-v2-header-get",
        "signers.verify (any scheme), S3 SigV2 header, GET object",
        ours_verify("s3-v2", "GET", S3_URL, dispatch={}),
        "s3-v2-header-get",
    ),
    Operation(
        "sigv4-key-derivation",
        "SigV4 signing key derivation (uncached)",
        ours_key_derivation,
        (("requests-aws4auth", aws4auth_key_derivation),),
        group="parts",
    ),
    Operation(
        "sigv4-key-cached",
        "SigV4 signing key, cache hit",
        ours_key_cached,
        group="parts",
    ),
    *(
        Operation(
            f"sigv4-key-cycle-{count}",
            f"SigV4 signing key, cycling over {count:,} secrets ({what}, cache of {size})",
            ours_key_cycle(count),
            group="parts",
        )
        for count, what in (
            (KEY_CACHE_SIZE // 2, "they fit"),
            (KEY_CACHE_SIZE + 1, "size + 1"),
            (KEY_CACHE_SIZE * 2, "twice the size"),
        )
        for size in (KEY_CACHE_SIZE,)
    ),
    Operation(
        "sigv4-canonical-request",
        "SigV4 canonical request alone (staged functions), ECS POST",
        ours_canonical_request,
        (("botocore", botocore_canonical_request),),
        group="parts",
    ),
)


def operation(name: str) -> Operation:
    """The operation called ``name`` (:class:`KeyError` when there is none)."""
    for op in OPERATIONS:
        if op.name == name:
            return op
    raise KeyError(name)


def build(factory: Factory) -> Subject:
    """Run a factory; :class:`PeerMissing` when its library is absent."""
    try:
        return factory()
    except PeerMissing:
        raise
    except ImportError as exc:
        raise PeerMissing(str(exc)) from exc


# -- import cost ----------------------------------------------------------------------------------

_IMPORT_PROBE = """
import sys, time
def rss():
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * PAGE
    except OSError:
        return -1
import os
PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
before = rss()
t = time.perf_counter()
import signers
elapsed = time.perf_counter() - t
print(elapsed, rss() - before if before >= 0 else -1, len(sys.modules))
"""


def measure_import(runs: int = 7) -> Dict[str, float]:
    """``import signers`` in fresh interpreters: best time (ms) and resident memory added (KiB).

    Measured inside the child, around the import statement alone, so interpreter start-up is not
    counted: that is the cost "above a bare interpreter".  Memory is the growth of the resident
    set (Linux ``/proc``); -1 where that is not available.

    As installed, with its bytecode: a first, untimed run lets the interpreter write the
    ``.pyc`` files (tox sets PYTHONDONTWRITEBYTECODE, and the benchmarks may import the source
    tree, whose bytecode then exists for no other interpreter), so compiling the sources is not
    counted as importing them.
    """
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run([sys.executable, "-c", "import signers"], check=True, env=env)  # (bytecode)
    times: List[float] = []
    memory: List[int] = []
    modules = 0
    for _ in range(max(1, runs)):
        out = subprocess.run(
            [sys.executable, "-c", _IMPORT_PROBE],
            check=True,
            capture_output=True,
            text=True,
            env=env,
        ).stdout.split()
        times.append(float(out[0]))
        memory.append(int(out[1]))
        modules = int(out[2])
    rss = min(memory)
    return {
        "import_ms": min(times) * 1e3,
        "import_ms_median": sorted(times)[len(times) // 2] * 1e3,
        "rss_kib": rss / 1024 if rss >= 0 else -1.0,
        "modules": float(modules),
    }
