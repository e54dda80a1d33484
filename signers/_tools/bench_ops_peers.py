"""The peers' side of the benchmark operations: botocore, requests-aws4auth and awscrt doing
what sigbridge does, from the same natural input, each imported only inside its factories.

botocore and requests-aws4auth read the clock themselves: :func:`frozen_peer_clocks` makes them
see :data:`~signers._tools.bench_ops_inputs.AT` while the comparison and the timing run.
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import importlib
import types
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple

from .bench_ops_inputs import (
    ACCESS_KEY,
    AT,
    BULK_KEYS,
    EC2_V2_BASE,
    EC2_V2_PARAMS,
    ECS_BODY,
    ECS_HEADERS,
    ECS_URL,
    EXPIRES,
    REGION,
    S3_AUTH_PATH,
    S3_BUCKET_URL,
    S3_URL,
    SECRET_KEY,
    UTC,
    Factory,
    Headers,
    Subject,
    import_peer,
    legacy_signature_of_url,
    signature_of_authorization,
    signature_of_url,
)

__all__ = [
    "frozen_peer_clocks",
    "botocore_header",
    "botocore_query",
    "botocore_bulk",
    "botocore_canonical_request",
    "botocore_sigv2",
    "botocore_s3_v2",
    "aws4auth_header",
    "aws4auth_key_derivation",
    "crt_header",
    "crt_query",
    "crt_bulk",
]


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


# -- botocore -------------------------------------------------------------------------------------


def _botocore_credentials() -> Any:
    credentials = import_peer("botocore.credentials")
    return credentials.Credentials(ACCESS_KEY, SECRET_KEY)


def botocore_header(
    auth_class: str,
    service: str,
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
) -> Factory:
    def factory() -> Subject:
        auth_module = import_peer("botocore.auth")
        awsrequest = import_peer("botocore.awsrequest")
        auth = getattr(auth_module, auth_class)(_botocore_credentials(), service, REGION)
        header_dict = dict(headers)

        def run() -> Any:
            request = awsrequest.AWSRequest(method=method, url=url, data=body, headers=header_dict)
            auth.add_auth(request)
            return request

        def signature() -> str:
            return signature_of_authorization(run().headers["Authorization"])

        return Subject(run, signature)

    return factory


def botocore_query(auth_class: str, service: str, method: str, url: str) -> Factory:
    def factory() -> Subject:
        auth_module = import_peer("botocore.auth")
        awsrequest = import_peer("botocore.awsrequest")
        auth = getattr(auth_module, auth_class)(
            _botocore_credentials(), service, REGION, expires=EXPIRES
        )

        def run() -> Any:
            request = awsrequest.AWSRequest(method=method, url=url)
            auth.add_auth(request)
            return request

        return Subject(run, lambda: signature_of_url(run().url))

    return factory


def botocore_bulk() -> Subject:
    auth_module = import_peer("botocore.auth")
    awsrequest = import_peer("botocore.awsrequest")
    auth = auth_module.S3SigV4QueryAuth(_botocore_credentials(), "s3", REGION, expires=EXPIRES)
    quote = import_peer("urllib.parse").quote

    def run() -> Any:
        urls = []
        for key in BULK_KEYS:
            request = awsrequest.AWSRequest(
                method="GET", url=S3_BUCKET_URL + "/" + quote(key, safe="/~")
            )
            auth.add_auth(request)
            urls.append(request.url)
        return urls

    return Subject(run, lambda: "|".join(signature_of_url(u) for u in run()))


def botocore_canonical_request() -> Subject:
    auth_module = import_peer("botocore.auth")
    awsrequest = import_peer("botocore.awsrequest")
    auth = auth_module.SigV4Auth(_botocore_credentials(), "ecs", REGION)
    header_dict = dict(ECS_HEADERS)

    def run() -> Any:
        request = awsrequest.AWSRequest(
            method="POST", url=ECS_URL, data=ECS_BODY, headers=header_dict
        )
        request.headers["X-Amz-Date"] = "20150830T123600Z"
        return auth.canonical_request(request)

    return Subject(run, lambda: str(run()))


def botocore_sigv2() -> Subject:
    auth_module = import_peer("botocore.auth")
    awsrequest = import_peer("botocore.awsrequest")
    auth = auth_module.SigV2Auth(_botocore_credentials())
    params = dict(EC2_V2_PARAMS)

    def run() -> Any:
        # SigV2Auth adds its parameters to ``params`` (a fresh dict each time, as a caller's);
        # prepare() encodes them into the URL: the full signed query string.
        request = awsrequest.AWSRequest(method="GET", url=EC2_V2_BASE, params=dict(params))
        auth.add_auth(request)
        return request.prepare().url

    return Subject(run, lambda: legacy_signature_of_url(str(run())), note="add_auth + prepare")


def botocore_s3_v2(query: bool) -> Factory:
    def factory() -> Subject:
        auth_module = import_peer("botocore.auth")
        awsrequest = import_peer("botocore.awsrequest")
        credentials = _botocore_credentials()
        if query:
            auth = auth_module.HmacV1QueryAuth(credentials, expires=EXPIRES)
        else:
            auth = auth_module.HmacV1Auth(credentials)

        def run() -> Any:
            request = awsrequest.AWSRequest(method="GET", url=S3_URL)
            request.auth_path = S3_AUTH_PATH
            auth.add_auth(request)
            return request

        def signature() -> str:
            request: Any = run()
            if query:
                return legacy_signature_of_url(request.url)
            return str(request.headers["Authorization"]).rpartition(":")[2]

        return Subject(run, signature)

    return factory


# -- requests-aws4auth ----------------------------------------------------------------------------


def aws4auth_header(
    service: str,
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    include: Tuple[str, ...],
) -> Factory:
    def factory() -> Subject:
        aws4auth = import_peer("requests_aws4auth")
        requests = import_peer("requests")
        auth = aws4auth.AWS4Auth(
            ACCESS_KEY, SECRET_KEY, REGION, service, "20150830", include_hdrs=set(include)
        )
        header_dict = dict(headers)

        def run() -> Any:
            prepared = requests.Request(method, url, headers=header_dict, data=body).prepare()
            return auth(prepared)

        def signature() -> str:
            return signature_of_authorization(run().headers["Authorization"])

        return Subject(run, signature, note=f"signs {', '.join(include)}")

    return factory


def aws4auth_key_derivation() -> Subject:
    aws4auth = import_peer("requests_aws4auth")

    def run() -> Any:
        return aws4auth.AWS4SigningKey(
            SECRET_KEY, REGION, "ecs", "20150830", store_secret_key=False
        )

    return Subject(run, lambda: run().key.hex())


# -- awscrt ---------------------------------------------------------------------------------------


def _crt_config(service: str, *, s3: bool, query: bool, body_hash: Optional[str] = None) -> Any:
    auth = import_peer("awscrt.auth")
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


def crt_header(
    service: str,
    method: str,
    url: str,
    headers: Headers,
    body: bytes,
    *,
    s3: bool = False,
) -> Factory:
    def factory() -> Subject:
        auth = import_peer("awscrt.auth")
        http = import_peer("awscrt.http")
        io = import_peer("io")
        config = _crt_config(service, s3=s3, query=False)
        host, target = _split_for_crt(url)
        header_list = [("Host", host), *headers]

        def run() -> Any:
            request = http.HttpRequest(
                method,
                target,
                http.HttpHeaders(header_list),
                io.BytesIO(body) if body else None,
            )
            return auth.aws_sign_request(request, config).result()

        def signature() -> str:
            return signature_of_authorization(run().headers.get("Authorization"))

        return Subject(run, signature)

    return factory


def crt_query(service: str, method: str, url: str, *, s3: bool) -> Factory:
    def factory() -> Subject:
        auth = import_peer("awscrt.auth")
        http = import_peer("awscrt.http")
        config = _crt_config(
            service, s3=s3, query=True, body_hash="UNSIGNED-PAYLOAD" if s3 else None
        )
        host, target = _split_for_crt(url)
        header_list = [("Host", host)]

        def run() -> Any:
            request = http.HttpRequest(method, target, http.HttpHeaders(header_list))
            signed = auth.aws_sign_request(request, config).result()
            return f"https://{host}{signed.path}"

        return Subject(run, lambda: signature_of_url(str(run())))

    return factory


def crt_bulk() -> Subject:
    auth = import_peer("awscrt.auth")
    http = import_peer("awscrt.http")
    quote = import_peer("urllib.parse").quote
    config = _crt_config("s3", s3=True, query=True, body_hash="UNSIGNED-PAYLOAD")
    host = S3_BUCKET_URL.partition("://")[2]
    header_list = [("Host", host)]

    def run() -> Any:
        urls = []
        for key in BULK_KEYS:
            request = http.HttpRequest(
                "GET", "/" + quote(key, safe="/~"), http.HttpHeaders(header_list)
            )
            signed = auth.aws_sign_request(request, config).result()
            urls.append(f"https://{host}{signed.path}")
        return urls

    return Subject(run, lambda: "|".join(signature_of_url(u) for u in run()))
