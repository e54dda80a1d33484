"""The benchmark operations, as data: shared by ``sigbridge bench`` and ``tests/benchmarks``.

Each :class:`Operation` names one thing a user does, from the natural input (method, URL, headers,
body) to the signed result, request construction included for every library.  ``ours`` builds the
sigbridge side; ``peers`` build the same operation with other libraries (botocore,
requests-aws4auth, awscrt) when they are installed.  A factory returns a :class:`Subject`: ``run``
does the operation once (or one batch of ``Operation.batch``), and ``signature`` gives the
signature (or canonical request) it produces at :data:`AT`, so that every comparison first checks
that both sides produce the same result at the same instant.

To add an operation, write its factories and append an :class:`Operation` to
:data:`OPERATIONS`; the pytest suite and ``sigbridge bench`` pick it up, and the report gets a
row.  For example, the SigV2 operation::

    def _ours_sigv2() -> Subject:
        signer = get_signer("sigv2")
        def run() -> object:
            return signer.sign(Request("GET", EC2_V2_URL), _credentials(), AT)
        return Subject(run, lambda: _legacy_signature_of_url(run().url))

    Operation("sigv2-query-ec2-describe-instances", "SigV2, EC2 DescribeInstances GET ...",
              _ours_sigv2, (("botocore", _botocore_sigv2),),
              targets=(("botocore", 0.6),), group="legacy")

``targets`` holds the issue's bounds as ``(peer, highest ratio)`` or ``("rate", lowest ops/s)``.
A verify operation names the signing operation of the same request as its ``baseline``: that one
is measured beside it in the same run as the implementation ``"sign"``, and the target
``("sign", 1.5)`` bounds verify's ratio to it.  :func:`_ours_verify` builds verify factories
(the request is signed once outside the timing; each run builds the received request and
verifies it, with the signer's ``verify`` or with ``signers.verify``).

The peers that read the clock themselves run under :func:`frozen_peer_clocks`.

Peers are imported only inside their factories, never when this module is imported.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import os
import subprocess
import sys
import types
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

__all__ = [
    "AT",
    "ACCESS_KEY",
    "BASELINE",
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

UTC = _dt.timezone.utc
#: The instant every operation signs at (the aws-c-auth suite's).
AT = _dt.datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"

#: Peer libraries, in display order: name -> the module whose absence skips it.
PEERS: Dict[str, str] = {
    "botocore": "botocore",
    "requests-aws4auth": "requests_aws4auth",
    "awscrt": "awscrt",
}

OURS = "sigbridge"
#: The implementation name of an operation's baseline (see :attr:`Operation.baseline`).
BASELINE = "sign"


class PeerMissing(Exception):
    """The peer library is not installed (or too old for this operation)."""


class Subject(NamedTuple):
    """One side of a comparison: do the operation, and say what it produced."""

    run: Callable[[], object]
    signature: Callable[[], str]
    note: str = ""


Factory = Callable[[], Subject]


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


def _import(module: str) -> Any:
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise PeerMissing(f"{module} is not installed") from exc


# -- the inputs -----------------------------------------------------------------------------------

ECS_URL = "https://ecs.us-east-1.amazonaws.com/"
ECS_HEADERS = (
    ("Content-Type", "application/x-amz-json-1.1"),
    ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"),
)
ECS_BODY = b"{}"
S3_URL = "https://examplebucket.s3.amazonaws.com/photos/2024/cat.jpg"
S3_BUCKET_URL = "https://examplebucket.s3.amazonaws.com"
EC2_URL = "https://ec2.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15"
#: SigV2: EC2 DescribeInstances with 5 parameters, as a URL (ours) and as parameters (botocore's
#: natural input; it encodes them itself).
EC2_V2_BASE = "https://ec2.amazonaws.com/"
EC2_V2_PARAMS = (
    ("Action", "DescribeInstances"),
    ("Version", "2016-11-15"),
    ("Filter.1.Name", "tag:Name"),
    ("Filter.1.Value.1", "web-*"),
    ("MaxResults", "50"),
)
EC2_V2_URL = (
    EC2_V2_BASE + "?Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AName"
    "&Filter.1.Value.1=web-%2A&MaxResults=50"
)
#: S3's legacy scheme signs the bucket of a virtual-hosted URL in the resource; botocore's S3
#: handlers hand HmacV1Auth that path as ``auth_path``.
S3_AUTH_PATH = "/examplebucket/photos/2024/cat.jpg"
BULK_KEYS = tuple(f"photos/2024/img-{i:05d}.jpg" for i in range(1000))
EXPIRES = 3600


def _signature_of_authorization(value: str) -> str:
    return value.rpartition("Signature=")[2].strip()


def _signature_of_url(url: str) -> str:
    return url.rpartition("X-Amz-Signature=")[2].partition("&")[0]


def _legacy_signature_of_url(url: str) -> str:
    # SigV2 and S3's legacy presigned URLs carry a base64 signature, percent-encoded
    from urllib.parse import unquote

    return unquote(url.rpartition("Signature=")[2].partition("&")[0])


# -- sigbridge ------------------------------------------------------------------------------------


def _credentials() -> Any:
    from .model import Credentials

    return Credentials(ACCESS_KEY, SECRET_KEY)


def _ours_header(
    method: str, url: str, headers: Tuple[Tuple[str, str], ...], body: bytes, **options: Any
) -> Factory:
    def factory() -> Subject:
        from .model import Request
        from .registry import get_signer

        signer = get_signer("sigv4", region=REGION, **options)
        credentials = _credentials()

        def run() -> object:
            return signer.sign(Request(method, url, headers, body), credentials, AT)

        return Subject(run, lambda: run().signature)  # type: ignore[attr-defined]

    return factory


def _ours_query(method: str, url: str, **options: Any) -> Factory:
    def factory() -> Subject:
        from .model import Request
        from .registry import get_signer

        signer = get_signer("sigv4-query", region=REGION, expires=EXPIRES, **options)
        credentials = _credentials()

        def run() -> object:
            return signer.sign(Request(method, url), credentials, AT)

        return Subject(run, lambda: run().signature)  # type: ignore[attr-defined]

    return factory


def _ours_bulk() -> Subject:
    from .registry import get_signer

    signer = get_signer("s3v4-query", region=REGION, service="s3", expires=EXPIRES)
    credentials = _credentials()

    def run() -> object:
        return [
            s.url for s in signer.presign_many("GET", S3_BUCKET_URL, BULK_KEYS, credentials, AT)
        ]

    return Subject(run, lambda: "|".join(_signature_of_url(u) for u in run()))  # type: ignore[attr-defined]


def _ours_key_derivation() -> Subject:
    from ._crypto import derive_signing_key_uncached

    def run() -> object:
        return derive_signing_key_uncached(SECRET_KEY, "20150830", REGION, "ecs")

    return Subject(run, lambda: run().hex())  # type: ignore[attr-defined]


def _ours_key_cached() -> Subject:
    from ._crypto import signing_key

    def run() -> object:
        return signing_key(SECRET_KEY, "20150830", REGION, "ecs")

    return Subject(run, lambda: run()[0].hex())  # type: ignore[index]


def _ours_canonical_request() -> Subject:
    # The staged, pure functions (no HMAC, no clock): what a verifier or a debugging user calls.
    from ._encoding import canonical_headers, canonical_query
    from .model import Request
    from .registry import get_signer
    from .sigv4 import canonical_request, headers_to_sign, payload_hash

    signer = get_signer("sigv4", region=REGION, service="ecs")
    exclude = signer.options.unsigned_headers
    amz = "20150830T123600Z"

    def run() -> object:
        request = Request("POST", ECS_URL, ECS_HEADERS, ECS_BODY)
        block, signed = canonical_headers([*headers_to_sign(request), ("X-Amz-Date", amz)], exclude)
        return canonical_request(
            request.method,
            signer.canonical_uri(request),
            canonical_query(request.query_pairs()),
            block,
            signed,
            payload_hash(request),
        )

    return Subject(run, lambda: str(run()))


def _ours_sigv2() -> Subject:
    from .model import Request
    from .registry import get_signer

    signer = get_signer("sigv2")
    credentials = _credentials()

    def run() -> object:
        return signer.sign(Request("GET", EC2_V2_URL), credentials, AT)

    return Subject(run, lambda: _legacy_signature_of_url(run().url))  # type: ignore[attr-defined]


def _ours_s3_v2() -> Subject:
    from .model import Request
    from .registry import get_signer

    signer = get_signer("s3-v2")
    credentials = _credentials()

    def run() -> object:
        return signer.sign(Request("GET", S3_URL), credentials, AT)

    return Subject(run, lambda: run().signature)  # type: ignore[attr-defined]


def _ours_s3_v2_query() -> Subject:
    from .model import Request
    from .registry import get_signer

    signer = get_signer("s3-v2-query", expires=EXPIRES)
    credentials = _credentials()

    def run() -> object:
        return signer.sign(Request("GET", S3_URL), credentials, AT)

    return Subject(run, lambda: _legacy_signature_of_url(run().url))  # type: ignore[attr-defined]


def _received(signed: Any) -> Tuple[str, str, Tuple[Tuple[str, str], ...], Any]:
    """Method, URL, headers and body of ``signed`` as a server receives them: with the ``Host``
    header every HTTP/1.1 client sends, and ``Content-Length`` for a body."""
    request = signed.request
    headers = tuple(request.headers)
    if not request.has_header("host"):
        headers = (("Host", request.host_header), *headers)
    body = request.body
    if isinstance(body, bytes) and body and not request.has_header("content-length"):
        headers += (("Content-Length", str(len(body))),)
    return request.method, request.url, headers, body


def _ours_verify(
    scheme: str,
    method: str,
    url: str,
    headers: Tuple[Tuple[str, str], ...] = (),
    body: bytes = b"",
    *,
    dispatch: Optional[Dict[str, Any]] = None,
    **options: Any,
) -> Factory:
    """Verify what ``scheme`` signed: from the received request to the verdict.

    The request is signed once, outside the timing; ``run`` builds the :class:`Request` a server
    builds from what it received and verifies it at the signing instant, with the signer's
    ``verify`` or, given ``dispatch`` (keyword arguments), with ``signers.verify`` and a lookup
    table of credentials.
    """

    def factory() -> Subject:
        from .model import Request
        from .registry import get_signer

        signer = get_signer(scheme, **options)
        credentials = _credentials()
        signed = signer.sign(Request(method, url, headers, body), credentials, AT)
        r_method, r_url, r_headers, r_body = _received(signed)
        if dispatch is None:
            verify = signer.verify

            def run() -> object:
                return verify(Request(r_method, r_url, r_headers, r_body), credentials, AT)

            return Subject(run, lambda: run().signature)  # type: ignore[attr-defined]

        from ._verification import verify as verify_any

        lookup = {ACCESS_KEY: credentials}
        keywords = dict(dispatch)

        def run_any() -> object:
            return verify_any(Request(r_method, r_url, r_headers, r_body), lookup, AT, **keywords)

        return Subject(run_any, lambda: run_any().artifacts.signature)  # type: ignore[attr-defined]

    return factory


# -- botocore -------------------------------------------------------------------------------------


@contextlib.contextmanager
def frozen_peer_clocks(at: _dt.datetime = AT) -> Iterator[None]:
    """Make botocore and requests-aws4auth see ``at`` as now, for the comparison and the timing.

    They read the clock themselves (sigbridge takes the time as an argument); this swaps their
    clock functions for ones returning ``at`` while the block runs, and restores them after.  The
    stand-ins do the same formatting work as the originals (only the instant is fixed), so the
    peers' timings are not flattered: botocore's SigV4 classes read ``get_current_datetime``, its
    legacy ones (``SigV2Auth``, ``HmacV1Auth``, ``HmacV1QueryAuth``) the ``time`` module and
    ``email.utils.formatdate``, as imported into ``botocore.auth``.
    """
    import email.utils
    import time as _time_module

    naive = at.astimezone(UTC).replace(tzinfo=None)
    epoch = at.timestamp()
    undo: List[Callable[[], None]] = []

    class _Frozen(_dt.datetime):
        @classmethod
        def utcnow(cls) -> _dt.datetime:  # type: ignore[override]
            return naive

        @classmethod
        def now(cls, tz: Optional[_dt.tzinfo] = None) -> _dt.datetime:  # type: ignore[override]
            return at if tz is not None else naive

    fake = types.SimpleNamespace(**{k: getattr(_dt, k) for k in dir(_dt) if k[:2] != "__"})
    fake.datetime = _Frozen

    def current_datetime(remove_tzinfo: bool = True) -> _dt.datetime:
        return at.replace(tzinfo=None) if remove_tzinfo else at

    def gmtime(seconds: Optional[float] = None) -> Any:
        return _time_module.gmtime(epoch if seconds is None else seconds)

    frozen_time = types.SimpleNamespace(
        **{k: getattr(_time_module, k) for k in dir(_time_module) if k[:2] != "__"}
    )
    frozen_time.time = lambda: epoch
    frozen_time.gmtime = gmtime

    def formatdate(
        timeval: Optional[float] = None, localtime: bool = False, usegmt: bool = False
    ) -> str:
        return email.utils.formatdate(epoch if timeval is None else timeval, localtime, usegmt)

    def patch(module: Any, name: str, value: Any) -> None:
        old = getattr(module, name)
        setattr(module, name, value)
        undo.append(lambda: setattr(module, name, old))

    for module_name in ("botocore.auth", "requests_aws4auth.aws4auth"):
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            continue
        if hasattr(module, "get_current_datetime"):  # botocore >= 1.35-ish
            patch(module, "get_current_datetime", current_datetime)
        if hasattr(module, "datetime"):
            patch(module, "datetime", fake)
        if module_name == "botocore.auth":
            if hasattr(module, "time"):
                patch(module, "time", frozen_time)
            if hasattr(module, "formatdate"):
                patch(module, "formatdate", formatdate)
    try:
        yield
    finally:
        for step in reversed(undo):
            step()


def _botocore_credentials() -> Any:
    credentials = _import("botocore.credentials")
    return credentials.Credentials(ACCESS_KEY, SECRET_KEY)


def _botocore_header(
    auth_class: str,
    service: str,
    method: str,
    url: str,
    headers: Tuple[Tuple[str, str], ...],
    body: bytes,
) -> Factory:
    def factory() -> Subject:
        auth_module = _import("botocore.auth")
        awsrequest = _import("botocore.awsrequest")
        auth = getattr(auth_module, auth_class)(_botocore_credentials(), service, REGION)
        header_dict = dict(headers)

        def run() -> object:
            request = awsrequest.AWSRequest(method=method, url=url, data=body, headers=header_dict)
            auth.add_auth(request)
            return request

        def signature() -> str:
            return _signature_of_authorization(run().headers["Authorization"])  # type: ignore[attr-defined]

        return Subject(run, signature)

    return factory


def _botocore_query(auth_class: str, service: str, method: str, url: str) -> Factory:
    def factory() -> Subject:
        auth_module = _import("botocore.auth")
        awsrequest = _import("botocore.awsrequest")
        auth = getattr(auth_module, auth_class)(
            _botocore_credentials(), service, REGION, expires=EXPIRES
        )

        def run() -> object:
            request = awsrequest.AWSRequest(method=method, url=url)
            auth.add_auth(request)
            return request

        return Subject(run, lambda: _signature_of_url(run().url))  # type: ignore[attr-defined]

    return factory


def _botocore_bulk() -> Subject:
    auth_module = _import("botocore.auth")
    awsrequest = _import("botocore.awsrequest")
    auth = auth_module.S3SigV4QueryAuth(_botocore_credentials(), "s3", REGION, expires=EXPIRES)
    quote = _import("urllib.parse").quote

    def run() -> object:
        urls = []
        for key in BULK_KEYS:
            request = awsrequest.AWSRequest(
                method="GET", url=S3_BUCKET_URL + "/" + quote(key, safe="/~")
            )
            auth.add_auth(request)
            urls.append(request.url)
        return urls

    return Subject(run, lambda: "|".join(_signature_of_url(u) for u in run()))  # type: ignore[attr-defined]


def _botocore_canonical_request() -> Subject:
    auth_module = _import("botocore.auth")
    awsrequest = _import("botocore.awsrequest")
    auth = auth_module.SigV4Auth(_botocore_credentials(), "ecs", REGION)
    header_dict = dict(ECS_HEADERS)

    def run() -> object:
        request = awsrequest.AWSRequest(
            method="POST", url=ECS_URL, data=ECS_BODY, headers=header_dict
        )
        request.headers["X-Amz-Date"] = "20150830T123600Z"
        return auth.canonical_request(request)

    return Subject(run, lambda: str(run()))


def _botocore_sigv2() -> Subject:
    auth_module = _import("botocore.auth")
    awsrequest = _import("botocore.awsrequest")
    auth = auth_module.SigV2Auth(_botocore_credentials())
    params = dict(EC2_V2_PARAMS)

    def run() -> object:
        # SigV2Auth adds its parameters to ``params`` (a fresh dict each time, as a caller's);
        # prepare() encodes them into the URL: the full signed query string.
        request = awsrequest.AWSRequest(method="GET", url=EC2_V2_BASE, params=dict(params))
        auth.add_auth(request)
        return request.prepare().url

    return Subject(run, lambda: _legacy_signature_of_url(str(run())), note="add_auth + prepare")


def _botocore_s3_v2(query: bool) -> Factory:
    def factory() -> Subject:
        auth_module = _import("botocore.auth")
        awsrequest = _import("botocore.awsrequest")
        credentials = _botocore_credentials()
        if query:
            auth = auth_module.HmacV1QueryAuth(credentials, expires=EXPIRES)
        else:
            auth = auth_module.HmacV1Auth(credentials)

        def run() -> object:
            request = awsrequest.AWSRequest(method="GET", url=S3_URL)
            request.auth_path = S3_AUTH_PATH
            auth.add_auth(request)
            return request

        def signature() -> str:
            request: Any = run()
            if query:
                return _legacy_signature_of_url(request.url)
            return str(request.headers["Authorization"]).rpartition(":")[2]

        return Subject(run, signature)

    return factory


# -- requests-aws4auth ----------------------------------------------------------------------------


def _aws4auth_header(
    service: str,
    method: str,
    url: str,
    headers: Tuple[Tuple[str, str], ...],
    body: bytes,
    include: Tuple[str, ...],
) -> Factory:
    def factory() -> Subject:
        aws4auth = _import("requests_aws4auth")
        requests = _import("requests")
        auth = aws4auth.AWS4Auth(
            ACCESS_KEY, SECRET_KEY, REGION, service, "20150830", include_hdrs=set(include)
        )
        header_dict = dict(headers)

        def run() -> object:
            prepared = requests.Request(method, url, headers=header_dict, data=body).prepare()
            return auth(prepared)

        def signature() -> str:
            return _signature_of_authorization(run().headers["Authorization"])  # type: ignore[attr-defined]

        return Subject(run, signature, note=f"signs {', '.join(include)}")

    return factory


def _aws4auth_key_derivation() -> Subject:
    aws4auth = _import("requests_aws4auth")

    def run() -> object:
        return aws4auth.AWS4SigningKey(
            SECRET_KEY, REGION, "ecs", "20150830", store_secret_key=False
        )

    return Subject(run, lambda: run().key.hex())  # type: ignore[attr-defined]


# -- awscrt ---------------------------------------------------------------------------------------


def _crt_config(service: str, *, s3: bool, query: bool, body_hash: Optional[str] = None) -> Any:
    auth = _import("awscrt.auth")
    provider = auth.AwsCredentialsProvider.new_static(ACCESS_KEY, SECRET_KEY)
    options: Dict[str, Any] = {
        "algorithm": auth.AwsSigningAlgorithm.V4,
        "signature_type": (
            auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS
            if query
            else auth.AwsSignatureType.HTTP_REQUEST_HEADERS
        ),
        "credentials_provider": provider,
        "region": REGION,
        "service": service,
        "date": AT,
        "use_double_uri_encode": not s3,
        "should_normalize_uri_path": not s3,
    }
    if query:
        options["expiration_in_seconds"] = EXPIRES
    if s3 and not query:
        options["signed_body_header_type"] = auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256
    if body_hash is not None:
        options["signed_body_value"] = body_hash
    return auth.AwsSigningConfig(**options)


def _split_for_crt(url: str) -> Tuple[str, str]:
    rest = url.partition("://")[2]
    slash = rest.find("/")
    return (rest, "/") if slash == -1 else (rest[:slash], rest[slash:])


def _crt_header(
    service: str,
    method: str,
    url: str,
    headers: Tuple[Tuple[str, str], ...],
    body: bytes,
    *,
    s3: bool = False,
) -> Factory:
    def factory() -> Subject:
        auth = _import("awscrt.auth")
        http = _import("awscrt.http")
        io = _import("io")
        config = _crt_config(service, s3=s3, query=False)
        host, target = _split_for_crt(url)
        header_list = [("Host", host), *headers]

        def run() -> object:
            request = http.HttpRequest(
                method,
                target,
                http.HttpHeaders(header_list),
                io.BytesIO(body) if body else None,
            )
            return auth.aws_sign_request(request, config).result()

        def signature() -> str:
            return _signature_of_authorization(run().headers.get("Authorization"))  # type: ignore[attr-defined]

        return Subject(run, signature)

    return factory


def _crt_query(service: str, method: str, url: str, *, s3: bool) -> Factory:
    def factory() -> Subject:
        auth = _import("awscrt.auth")
        http = _import("awscrt.http")
        config = _crt_config(
            service, s3=s3, query=True, body_hash="UNSIGNED-PAYLOAD" if s3 else None
        )
        host, target = _split_for_crt(url)
        header_list = [("Host", host)]

        def run() -> object:
            request = http.HttpRequest(method, target, http.HttpHeaders(header_list))
            signed = auth.aws_sign_request(request, config).result()
            return f"https://{host}{signed.path}"

        return Subject(run, lambda: _signature_of_url(str(run())))

    return factory


def _crt_bulk() -> Subject:
    auth = _import("awscrt.auth")
    http = _import("awscrt.http")
    quote = _import("urllib.parse").quote
    config = _crt_config("s3", s3=True, query=True, body_hash="UNSIGNED-PAYLOAD")
    host = S3_BUCKET_URL.partition("://")[2]
    header_list = [("Host", host)]

    def run() -> object:
        urls = []
        for key in BULK_KEYS:
            request = http.HttpRequest(
                "GET", "/" + quote(key, safe="/~"), http.HttpHeaders(header_list)
            )
            signed = auth.aws_sign_request(request, config).result()
            urls.append(f"https://{host}{signed.path}")
        return urls

    return Subject(run, lambda: "|".join(_signature_of_url(u) for u in run()))  # type: ignore[attr-defined]


# -- the table ------------------------------------------------------------------------------------

_ECS = ("POST", ECS_URL, ECS_HEADERS, ECS_BODY)
_S3_GET = ("GET", S3_URL, (), b"")

OPERATIONS: Tuple[Operation, ...] = (
    Operation(
        "sigv4-header-ecs-post",
        "SigV4 header, ECS JSON POST",
        _ours_header(*_ECS, service="ecs"),
        (
            ("botocore", _botocore_header("SigV4Auth", "ecs", *_ECS)),
            (
                "requests-aws4auth",
                _aws4auth_header(
                    "ecs", *_ECS, include=("host", "content-type", "x-amz-date", "x-amz-target")
                ),
            ),
            ("awscrt", _crt_header("ecs", *_ECS)),
        ),
        targets=(("botocore", 0.12), ("awscrt", 0.65)),
        group="sigv4",
    ),
    Operation(
        "sigv4-header-s3-get",
        "SigV4 header, S3 GET object",
        _ours_header(*_S3_GET, service="s3", s3=True),
        (
            ("botocore", _botocore_header("S3SigV4Auth", "s3", *_S3_GET)),
            (
                "requests-aws4auth",
                _aws4auth_header(
                    "s3", *_S3_GET, include=("host", "x-amz-content-sha256", "x-amz-date")
                ),
            ),
            ("awscrt", _crt_header("s3", *_S3_GET, s3=True)),
        ),
        group="sigv4",
    ),
    Operation(
        "sigv4-query-s3-get",
        "SigV4 presign, S3 GET object, 3600 s",
        _ours_query("GET", S3_URL, service="s3", s3=True),
        (
            ("botocore", _botocore_query("S3SigV4QueryAuth", "s3", "GET", S3_URL)),
            ("awscrt", _crt_query("s3", "GET", S3_URL, s3=True)),
        ),
        targets=(("botocore", 0.15),),
        group="sigv4-query",
    ),
    Operation(
        "sigv4-query-ec2-describe-regions",
        "SigV4 presign, EC2 DescribeRegions GET",
        _ours_query("GET", EC2_URL, service="ec2"),
        (
            ("botocore", _botocore_query("SigV4QueryAuth", "ec2", "GET", EC2_URL)),
            ("awscrt", _crt_query("ec2", "GET", EC2_URL, s3=False)),
        ),
        group="sigv4-query",
    ),
    Operation(
        "sigv4-query-bulk-s3",
        f"SigV4 bulk presign, {len(BULK_KEYS)} S3 GET URLs (per URL)",
        _ours_bulk,
        (("botocore", _botocore_bulk), ("awscrt", _crt_bulk)),
        batch=len(BULK_KEYS),
        targets=(("rate", 250_000.0),),
        group="sigv4-query",
    ),
    Operation(
        "sigv2-query-ec2-describe-instances",
        "SigV2, EC2 DescribeInstances GET, 5 parameters (signed URL)",
        _ours_sigv2,
        (("botocore", _botocore_sigv2),),
        targets=(("botocore", 0.6),),
        group="legacy",
    ),
    Operation(
        "s3-v2-header-get",
        "S3 SigV2 header, GET object",
        _ours_s3_v2,
        (("botocore", _botocore_s3_v2(query=False)),),
        targets=(("botocore", 0.4),),
        group="legacy",
    ),
    Operation(
        "s3-v2-query-get",
        "S3 SigV2 presign, GET object, 3600 s",
        _ours_s3_v2_query,
        (("botocore", _botocore_s3_v2(query=True)),),
        group="legacy",
    ),
    Operation(
        "verify-sigv4-header-ecs-post",
        "verify, SigV4 header, ECS JSON POST",
        _ours_verify("sigv4", *_ECS, region=REGION, service="ecs"),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="sigv4-header-ecs-post",
    ),
    Operation(
        "verify-sigv4-header-s3-get",
        "verify, SigV4 header, S3 GET object",
        _ours_verify("sigv4", *_S3_GET, region=REGION, service="s3", s3=True),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="sigv4-header-s3-get",
    ),
    Operation(
        "verify-sigv4-query-s3-get",
        "verify, SigV4 presigned S3 GET object",
        _ours_verify(
            "sigv4-query", "GET", S3_URL, region=REGION, service="s3", s3=True, expires=EXPIRES
        ),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="sigv4-query-s3-get",
    ),
    Operation(
        "verify-sigv4-query-ec2-describe-regions",
        "verify, SigV4 presigned EC2 DescribeRegions GET",
        _ours_verify("sigv4-query", "GET", EC2_URL, region=REGION, service="ec2", expires=EXPIRES),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="sigv4-query-ec2-describe-regions",
    ),
    Operation(
        "verify-sigv2-ec2-describe-instances",
        "verify, SigV2 EC2 DescribeInstances GET",
        _ours_verify("sigv2", "GET", EC2_V2_URL),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="sigv2-query-ec2-describe-instances",
    ),
    Operation(
        "verify-s3-v2-header-get",
        "verify, S3 SigV2 header, GET object",
        _ours_verify("s3-v2", "GET", S3_URL),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="s3-v2-header-get",
    ),
    Operation(
        "verify-s3-v2-query-get",
        "verify, S3 SigV2 presigned GET object",
        _ours_verify("s3-v2-query", "GET", S3_URL, expires=EXPIRES),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="s3-v2-query-get",
    ),
    Operation(
        "verify-any-sigv4-header-ecs-post",
        "signers.verify (any scheme), SigV4 header, ECS JSON POST",
        _ours_verify(
            "sigv4",
            *_ECS,
            region=REGION,
            service="ecs",
            dispatch={"region": REGION, "service": "ecs"},
        ),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="sigv4-header-ecs-post",
    ),
    Operation(
        "verify-any-sigv2-ec2-describe-instances",
        "signers.verify (any scheme), SigV2 EC2 DescribeInstances GET",
        _ours_verify("sigv2", "GET", EC2_V2_URL, dispatch={}),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="sigv2-query-ec2-describe-instances",
    ),
    Operation(
        "verify-any-s3-v2-header-get",
        "signers.verify (any scheme), S3 SigV2 header, GET object",
        _ours_verify("s3-v2", "GET", S3_URL, dispatch={}),
        targets=((BASELINE, 1.5),),
        group="verify",
        baseline="s3-v2-header-get",
    ),
    Operation(
        "sigv4-key-derivation",
        "SigV4 signing key derivation (uncached)",
        _ours_key_derivation,
        (("requests-aws4auth", _aws4auth_key_derivation),),
        group="parts",
    ),
    Operation(
        "sigv4-key-cached",
        "SigV4 signing key, cache hit",
        _ours_key_cached,
        group="parts",
    ),
    Operation(
        "sigv4-canonical-request",
        "SigV4 canonical request alone (staged functions), ECS POST",
        _ours_canonical_request,
        (("botocore", _botocore_canonical_request),),
        group="parts",
    ),
)


def operation(name: str) -> Operation:
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
