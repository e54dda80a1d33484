"""The sigbridge side of the benchmark operations: one factory a way of using the library.

Each factory configures its signer outside the timing; the timed ``run`` builds the request from
its natural parts and signs (or verifies) it, as a caller does on every request.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable, Dict, Optional, Tuple, cast

if TYPE_CHECKING:
    from ..protocols import Verifier

from .._crypto import derive_signing_key_uncached, signing_key
from ..model import Body, Credentials, Request, SignedRequest
from ..registry import get_signer
from .bench_ops_inputs import (
    ACCESS_KEY,
    AT,
    BULK_KEYS,
    ECS_BODY,
    ECS_HEADERS,
    ECS_URL,
    EXPIRES,
    REGION,
    S3_BUCKET_URL,
    SECRET_KEY,
    Factory,
    Headers,
    Subject,
    signature_of_url,
)

__all__ = [
    "ours_signed",
    "ours_bulk",
    "ours_key_derivation",
    "ours_key_cached",
    "ours_key_cycle",
    "ours_canonical_request",
    "ours_verify",
]


def _credentials() -> Credentials:
    return Credentials(ACCESS_KEY, SECRET_KEY)


def _signature(signed: SignedRequest) -> str:
    return signed.signature


def ours_signed(
    scheme: str,
    method: str,
    url: str,
    headers: Headers = (),
    body: bytes = b"",
    *,
    signature: Callable[[SignedRequest], str] = _signature,
    **options: object,
) -> Factory:
    """Sign ``method url headers body`` with the signer ``scheme`` configured with ``options``;
    ``signature`` reads the signature from the result (for the comparison with the peers)."""

    def factory() -> Subject:
        signer = get_signer(scheme, **options)
        credentials = _credentials()

        def run() -> Any:
            return signer.sign(Request(method, url, headers, body), credentials, AT)

        return Subject(run, lambda: signature(run()))

    return factory


def ours_bulk() -> Subject:
    signer = get_signer("s3v4-query", region=REGION, service="s3", expires=EXPIRES)
    credentials = _credentials()

    def run() -> Tuple[str, ...]:
        signed = signer.presign_many("GET", S3_BUCKET_URL, BULK_KEYS, credentials, AT)
        return tuple(s.url for s in signed)

    return Subject(run, lambda: "|".join(signature_of_url(u) for u in run()))


def ours_key_derivation() -> Subject:
    def run() -> bytes:
        return derive_signing_key_uncached(SECRET_KEY, "20150830", REGION, "ecs")

    return Subject(run, lambda: run().hex())


def ours_key_cached() -> Subject:
    def run() -> Any:
        return signing_key(SECRET_KEY, "20150830", REGION, "ecs")

    # Made before the timing: an earlier row (the cycles over many secrets) may have evicted it,
    # and a first call that derives it would set pytest-benchmark's calibration to one call a
    # round (timer and all) instead of the hits the row is about.
    run()
    return Subject(run, lambda: run()[0].hex())


def ours_key_cycle(count: int) -> Factory:
    """Signing keys of ``count`` secrets taken in turn, as a server verifying many users' requests
    asks for them: with a 512-entry cache, 256 fit, 513 is one more than the size (the cyclic
    scan on which first-in-first-out and LRU caches miss every time), 1,024 is twice the size."""

    def factory() -> Subject:
        secrets = [f"{SECRET_KEY}{i:05d}" for i in range(count)]
        position = [0]

        def run() -> Any:
            index = position[0]
            position[0] = index + 1 if index + 1 < count else 0
            return signing_key(secrets[index], "20150830", REGION, "ecs")

        return Subject(run, lambda: signing_key(secrets[0], "20150830", REGION, "ecs")[0].hex())

    return factory


def ours_canonical_request() -> Subject:
    # The staged, pure functions (no HMAC, no clock): what a verifier or a debugging user calls.
    from .._encoding import canonical_headers, canonical_query
    from ..sigv4 import canonical_request, headers_to_sign, payload_hash

    signer = get_signer("sigv4", region=REGION, service="ecs")
    exclude = signer.options.unsigned_headers
    amz = "20150830T123600Z"

    def run() -> str:
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

    return Subject(run, run)


def _received(signed: SignedRequest) -> Tuple[str, str, Headers, Body]:
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


def ours_verify(
    scheme: str, *request: Any, dispatch: Optional[Dict[str, Any]] = None, **options: object
) -> Factory:
    """Verify what ``scheme`` signed: from the received request to the verdict.  ``request`` is
    what :func:`ours_signed` signs (method, URL, headers, body), given to :class:`Request` as is.

    The request is signed once, outside the timing; ``run`` builds the :class:`Request` a server
    builds from what it received and verifies it at the signing instant, with the signer's
    ``verify`` or, given ``dispatch`` (keyword arguments), with ``signers.verify`` and a lookup
    table of credentials.
    """

    def factory() -> Subject:
        signer = get_signer(scheme, **options)
        credentials = _credentials()
        signed = signer.sign(Request(*request), credentials, AT)
        r_method, r_url, r_headers, r_body = _received(signed)
        if dispatch is None:
            verify = cast("Verifier", signer).verify

            def run() -> Any:
                return verify(Request(r_method, r_url, r_headers, r_body), credentials, AT)

            return Subject(run, lambda: str(run().signature))

        from .. import verify as verify_any  # the public one, as users call it

        lookup = {ACCESS_KEY: credentials}
        keywords = dict(dispatch)

        def run_any() -> Any:
            return verify_any(Request(r_method, r_url, r_headers, r_body), lookup, AT, **keywords)

        return Subject(run_any, lambda: str(run_any().artifacts.signature))

    return factory
