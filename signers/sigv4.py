"""AWS Signature Version 4, Authorization-header form.

The algorithm, in the spec's words:

1. canonical request = method, canonical URI, canonical query string, canonical headers,
   signed headers and the hex SHA-256 of the payload, joined by newlines;
2. string to sign = ``AWS4-HMAC-SHA256``, the request time (``YYYYMMDDTHHMMSSZ``), the credential
   scope (``date/region/service/aws4_request``) and the hex SHA-256 of the canonical request;
3. signing key = HMAC chain of ``"AWS4" + secret`` over date, region, service, ``aws4_request``;
4. signature = hex HMAC-SHA256 of the string to sign under the signing key, sent as
   ``Authorization: AWS4-HMAC-SHA256 Credential=AK/SCOPE, SignedHeaders=a;b, Signature=hex``.

The canonical functions here are pure (strings in, strings out) and shared with the presigned
query form (:mod:`signers.sigv4_query`).
"""

from __future__ import annotations

import datetime as _dt
from hashlib import sha256 as _sha256
from typing import Any, Callable, Dict, FrozenSet, List, NamedTuple, Optional, Sequence, Tuple

from . import _crypto
from ._encoding import (
    canonical_headers,
    canonical_path,
    canonical_query,
    canonical_query_of,
    trim_header_value,
    uri_encode,
)
from ._lazy import lazy_module
from ._time import amz_date, request_time, resolve_time, short_date
from .errors import AlreadySigned, InvalidRequest
from .model import (
    UNSIGNED_PAYLOAD,
    Artifacts,
    Credentials,
    Header,
    PayloadHash,
    Request,
    SignedRequest,
)
from .options import SigV4Options

__all__ = [
    "ALGORITHM",
    "SigV4Signer",
    "canonical_request",
    "credential_scope",
    "string_to_sign",
    "payload_hash",
    "authorization_header",
    "s3v4",
]

ALGORITHM = "AWS4-HMAC-SHA256"
UNSIGNED_PAYLOAD_VALUE = "UNSIGNED-PAYLOAD"

# Headers and query parameters that signing adds: a request that already carries one is refused
# rather than silently re-signed.
_REFUSED_HEADERS = ("authorization", "x-amz-date")
_REFUSED_QUERY = ("x-amz-signature", "x-amz-credential")

# Header names that need more than canonicalization (refusals, a declared payload hash, a session
# token to check): a request carrying one takes the general path, which handles every case.
_SPECIAL_HEADERS = frozenset(
    {"authorization", "x-amz-date", "x-amz-security-token", "x-amz-content-sha256"}
)
# Headers signing adds itself: when ``unsigned_headers`` names one, the general path applies.
_ADDED_HEADERS = frozenset({"x-amz-date", "x-amz-security-token", "x-amz-content-sha256"})

_tuple_new = tuple.__new__


def credential_scope(date: str, region: str, service: str) -> str:
    """``date/region/service/aws4_request``."""
    return f"{date}/{region}/{service}/aws4_request"


def canonical_request(
    method: str,
    canonical_uri: str,
    canonical_query_string: str,
    canonical_headers_block: str,
    signed_headers: str,
    payload_hash_hex: str,
) -> str:
    """Join the six parts of the canonical request.

    ``canonical_headers_block`` is the ``name:value\\n`` lines (each line newline-terminated, as
    the spec has it, so the block is followed by an empty line).
    """
    return "\n".join(
        (
            method,
            canonical_uri,
            canonical_query_string,
            canonical_headers_block,
            signed_headers,
            payload_hash_hex,
        )
    )


def string_to_sign(
    request_time: str, scope: str, canonical_request_text: str, algorithm: str = ALGORITHM
) -> str:
    """``<algorithm>\n<time>\n<scope>\n<hex sha256 of the canonical request>``."""
    digest = _crypto.sha256_hex(canonical_request_text.encode("utf-8", "surrogateescape"))
    return f"{algorithm}\n{request_time}\n{scope}\n{digest}"


def authorization_header(
    access_key: str, scope: str, signed_headers: str, signature: str, algorithm: str = ALGORITHM
) -> str:
    """The Authorization value, comma and one space between the parts, exactly as AWS sends it."""
    return (
        f"{algorithm} Credential={access_key}/{scope}, "
        f"SignedHeaders={signed_headers}, Signature={signature}"
    )


def payload_hash(request: Request, *, header_value: Optional[str] = None) -> str:
    """The hex SHA-256 the canonical request ends with (or ``UNSIGNED-PAYLOAD``).

    ``header_value`` is an ``x-amz-content-sha256`` the caller already set: it is taken as the
    payload hash (S3 also accepts ``UNSIGNED-PAYLOAD`` and ``STREAMING-...`` there), and it must
    agree with the body when the body is known.
    """
    body = request.body
    if header_value is not None:
        declared = header_value.strip()
        lowered = declared.lower()
        is_hex = len(lowered) == 64 and not lowered.strip("0123456789abcdef")
        if not (is_hex or declared == UNSIGNED_PAYLOAD_VALUE or declared.startswith("STREAMING-")):
            raise InvalidRequest(
                f"header 'x-amz-content-sha256': {declared!r} is neither a hex SHA-256, "
                "UNSIGNED-PAYLOAD nor a STREAMING- value",
                field="x-amz-content-sha256",
            )
        if is_hex:
            if isinstance(body, bytes) and body and _crypto.sha256_hex(body) != lowered:
                raise InvalidRequest(
                    "header 'x-amz-content-sha256' does not match the SHA-256 of the body",
                    field="x-amz-content-sha256",
                )
            if isinstance(body, PayloadHash) and body.hex != lowered:
                raise InvalidRequest(
                    "header 'x-amz-content-sha256' disagrees with the PayloadHash body",
                    field="x-amz-content-sha256",
                )
        return declared
    if isinstance(body, bytes):
        return _crypto.sha256_hex(body)
    if body is UNSIGNED_PAYLOAD:
        return UNSIGNED_PAYLOAD_VALUE
    assert isinstance(body, PayloadHash)
    return body.hex


def refuse_signed(request: Request, scheme: str, *, extra_query: Sequence[str] = ()) -> None:
    """Refuse a request that already carries what SigV4 adds (header or query parameter)."""
    for name, _ in request.headers:
        lowered = name.lower()
        if lowered in _REFUSED_HEADERS:
            raise AlreadySigned(
                f"header {lowered!r} already present; {scheme} adds it", field=lowered
            )
    if request.query:
        refused = _REFUSED_QUERY + tuple(extra_query)
        for name, _ in request.query_pairs():
            lowered = name.lower()
            if lowered in refused:
                raise AlreadySigned(
                    f"query parameter {name!r} already present; {scheme} adds it", field=name
                )


def headers_to_sign(request: Request) -> List[Header]:
    """The request's headers, with ``host`` from the URL when the request has no Host header."""
    headers = list(request.headers)
    if not request.has_header("host"):
        headers.append(("host", request.host_header))
    return headers


def prepare_headers(
    scheme: str,
    opts: Any,
    request: Request,
    credentials: Credentials,
    time: _dt.datetime,
    extra: Sequence[Header] = (),
) -> Tuple[List[Header], List[Header], str]:
    """The header form's refusals, then: headers to sign, headers added after signing, and the
    payload hash.  ``extra`` are signed headers a variant adds after X-Amz-Date (SigV4A's
    X-Amz-Region-Set)."""
    refuse_signed(request, scheme)
    token = credentials.token
    if token is not None and request.has_header("x-amz-security-token"):
        raise AlreadySigned(
            f"header 'x-amz-security-token' already present; {scheme} adds it from the "
            "credentials' session token",
            field="x-amz-security-token",
        )
    declared = request.header("x-amz-content-sha256")
    body_hash = payload_hash(request, header_value=declared)
    added: List[Header] = []
    after: List[Header] = []
    if token is not None:
        (added if opts.session_token == "signed" else after).append(("X-Amz-Security-Token", token))
    added.append(("X-Amz-Date", amz_date(time)))
    added.extend(extra)
    if opts.sign_body and declared is None:
        added.append(("x-amz-content-sha256", body_hash))
    return added, after, body_hash


def hmac_signer(
    credentials: Credentials, date: str, region: str, service: str
) -> Callable[[str], str]:
    """SigV4's signature step: hex HMAC-SHA256 of the string to sign under the signing key."""
    key = _crypto.derive_signing_key(credentials.secret_key, date, region, service)

    def sign(sts: str) -> str:
        return _crypto.hmac_sha256_hex(key, sts.encode("utf-8"))

    return sign


def sign_header_form(
    scheme: str,
    opts: Any,
    request: Request,
    credentials: Credentials,
    time: _dt.datetime,
    *,
    scope: str,
    sign: Callable[[str], str],
    algorithm: str = ALGORITHM,
    extra: Sequence[Header] = (),
) -> SignedRequest:
    """The Authorization-header form step by step through the staged functions, shared by every
    variant: ``scope`` is the credential scope, ``sign`` turns the string to sign into the
    signature (HMAC for SigV4, ECDSA for SigV4A), ``extra`` as for :func:`prepare_headers`."""
    added, after, body_hash = prepare_headers(scheme, opts, request, credentials, time, extra)
    block, signed = canonical_headers(headers_to_sign(request) + added, opts.unsigned_headers)
    path = canonical_path(
        request.path, normalize=opts.normalize_path, double_encode=opts.double_encode
    )
    creq = canonical_request(
        request.method, path, canonical_query(request.query_pairs()), block, signed, body_hash
    )
    sts = string_to_sign(amz_date(time), scope, creq, algorithm)
    signature = sign(sts)
    new_headers = (
        *added,
        *after,
        (
            "Authorization",
            authorization_header(credentials.access_key, scope, signed, signature, algorithm),
        ),
    )
    return SignedRequest(
        request=request._evolve(request.url, request.headers + new_headers),
        artifacts=Artifacts(
            canonical_request=creq,
            string_to_sign=sts,
            signature=signature,
            credential_scope=scope,
            signed_headers=signed,
            payload_hash=body_hash,
        ),
        scheme=scheme,
        added_headers=new_headers,
    )


class _Plan(NamedTuple):
    """What a signer's options fix once, so ``sign()`` does not re-derive it per call."""

    options: SigV4Options
    region: str
    service: str
    scope_tail: str  # "/region/service/aws4_request"
    encoded_scope_tail: str  # the same, percent-encoded (for X-Amz-Credential)
    exclude: FrozenSet[str]
    normalize_path: bool
    double_encode: bool
    sign_body: bool
    token_signed: bool
    general_only: bool  # options the fast path does not cover
    s3: bool


def _plan(options: SigV4Options) -> _Plan:
    region, service = options.region, options.service
    return _Plan(
        options,
        region,
        service,
        f"/{region}/{service}/aws4_request",
        f"%2F{uri_encode(region)}%2F{uri_encode(service)}%2Faws4_request",
        options.unsigned_headers,
        options.normalize_path,
        options.double_encode,
        options.sign_body,
        options.session_token == "signed",
        bool(options.unsigned_headers & _ADDED_HEADERS),
        options.s3,
    )


class SigV4Signer:
    """``sigv4``: SigV4 in the Authorization header.

    Options (keyword-only): ``region`` and ``service`` (the signing name, which need not match the
    host: ``autoscaling-plans`` is signed for on the ``autoscaling`` host); ``normalize_path``
    (remove dot segments and repeated slashes, default on); ``double_encode`` (encode the path
    once more, default on); ``sign_body`` (add and sign ``x-amz-content-sha256``); ``session_token``
    (``"signed"`` or ``"unsigned"``); ``unsigned_headers`` (names to leave out of the signature,
    on top of :data:`~signers.options.DEFAULT_UNSIGNED_HEADERS`); ``s3=True`` for S3's preset.
    """

    name = "sigv4"
    description = "SigV4 (AWS4-HMAC-SHA256) in the Authorization header"
    features: FrozenSet[str] = frozenset(
        {
            "sigv4:header",
            "normalize-path",
            "no-normalize-path",
            "sign-body",
            "session-token",
            "session-token-unsigned",
        }
    )

    __slots__ = ("_plan", "options")

    def __init__(self, **options: Any) -> None:
        self.options = SigV4Options(**options)
        self._plan = _plan(self.options)

    def _current_plan(self) -> _Plan:
        # ``options`` is a plain attribute: follow it if someone replaced it.
        plan = self._plan
        if plan.options is not self.options:
            plan = self._plan = _plan(self.options)
        return plan

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r})"

    # -- staged API: each stage is usable alone ------------------------------------------------

    def canonical_uri(self, request: Request) -> str:
        opts = self.options
        return canonical_path(
            request.path, normalize=opts.normalize_path, double_encode=opts.double_encode
        )

    def sign(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        """Sign ``request``; the result carries a new request and the artifacts."""
        if type(request) is not Request or type(credentials) is not Credentials:
            check_arguments(request, credentials)
        request_time_text, date = request_time(at)
        plan = self._plan
        if plan[0] is not self.options:
            plan = self._current_plan()
        (_, region, service, scope_tail, _, exclude, normalize, double_encode, sign_body,
         token_signed, general_only, _) = plan  # fmt: skip
        method, url, headers, body, scheme, authority, path, query = request
        if general_only or (query and _mentions_signing_query(query)):
            return self._sign_general(request, credentials, at)
        # The same steps as _sign_general, for the common case, in one pass over the headers.
        merged = merge_headers(request, exclude, _SPECIAL_HEADERS)
        if merged is None:
            return self._sign_general(request, credentials, at)
        if isinstance(body, bytes):
            body_hash = _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
        elif isinstance(body, PayloadHash):
            body_hash = body.hex
        else:
            body_hash = UNSIGNED_PAYLOAD_VALUE
        token = credentials.token
        merged["x-amz-date"] = request_time_text
        if token is not None and token_signed:
            merged["x-amz-security-token"] = trim_header_value(token)
        if sign_body:
            merged["x-amz-content-sha256"] = body_hash
        names = sorted(merged)
        lines = []
        for name in names:
            lines.append(f"{name}:{merged[name]}\n")
        signed = ";".join(names)
        canonical_uri = (
            "/"
            if path == "/"
            else canonical_path(path, normalize=normalize, double_encode=double_encode)
        )
        canonical = (
            f"{method}\n{canonical_uri}\n{canonical_query_of(query) if query else ''}\n"
            f"{''.join(lines)}\n{signed}\n{body_hash}"
        )
        scope = date + scope_tail
        sts = (
            f"{ALGORITHM}\n{request_time_text}\n{scope}\n"
            f"{_sha256(canonical.encode('utf-8', 'surrogateescape')).hexdigest()}"
        )
        signature = _crypto.sigv4_signature(
            credentials.secret_key, date, region, service, sts.encode("utf-8")
        )
        authorization = (
            f"{ALGORITHM} Credential={credentials.access_key}/{scope}, "
            f"SignedHeaders={signed}, Signature={signature}"
        )
        if token is None:
            if sign_body:
                added: Tuple[Header, ...] = (
                    ("X-Amz-Date", request_time_text),
                    ("x-amz-content-sha256", body_hash),
                    ("Authorization", authorization),
                )
            else:
                added = (("X-Amz-Date", request_time_text), ("Authorization", authorization))
        else:
            added = (("X-Amz-Date", request_time_text),)
            if sign_body:
                added += (("x-amz-content-sha256", body_hash),)
            if token_signed:
                added = (("X-Amz-Security-Token", token), *added)
            else:
                added += (("X-Amz-Security-Token", token),)
            added += (("Authorization", authorization),)
        return _tuple_new(
            SignedRequest,
            (
                _tuple_new(
                    Request,
                    (method, url, headers + added, body, scheme, authority, path, query),
                ),
                _tuple_new(Artifacts, (canonical, sts, signature, scope, signed, body_hash)),
                self.name,
                added,
                (),
            ),
        )

    def _sign_general(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        # Every case, step by step through the staged functions; sign() handles the common case
        # faster and comes here for the rest (refusals, declared payload hashes, session-token
        # conflicts, options that unsign a header signing adds).
        opts = self.options
        time = resolve_time(at)
        date = short_date(time)

        return sign_header_form(
            self.name,
            opts,
            request,
            credentials,
            time,
            scope=credential_scope(date, opts.region, opts.service),
            sign=hmac_signer(credentials, date, opts.region, opts.service),
        )

    def verify(
        self,
        request: Request,
        credentials: Credentials,
        now: Optional[_dt.datetime] = None,
        max_skew: float = 900,
    ) -> Artifacts:
        """Verify a request signed in the Authorization header, as the server would.

        The region and service options are what the server expects; ``now`` is the server's
        time (aware; ``None`` = the current time).  Returns the artifacts on success, raises a
        :class:`~signers.errors.VerificationError` carrying AWS's error code otherwise.
        """
        return _verifier().verify_header(  # type: ignore[no-any-return]
            self, request, credentials, now, max_skew
        )


_verifier = lazy_module("._verify_sigv4")


def check_arguments(request: object, credentials: object) -> None:
    """The type checks every signer starts with (exact types first: they are the common case)."""
    if type(request) is not Request and not isinstance(request, Request):
        raise InvalidRequest(
            f"request: expected signers.Request, got {type(request).__name__}", field="request"
        )
    if type(credentials) is not Credentials and not isinstance(credentials, Credentials):
        raise InvalidRequest(
            f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
            field="credentials",
        )


def merge_headers(
    request: Request, exclude: FrozenSet[str], special: FrozenSet[str]
) -> Optional[Dict[str, str]]:
    """The headers to sign as ``{lower-case name: trimmed value}``, ``host`` included.

    The same values :func:`~signers._encoding.canonical_headers` computes from
    :func:`headers_to_sign`, in one pass; ``None`` when a header named in ``special`` is present
    (the caller then takes its general path).  Values of a valid :class:`Request` hold no CR or LF.
    """
    merged: Dict[str, str] = {}
    for name, value in request[2]:
        key = name.lower()
        if key in special:
            return None
        if key in exclude:
            continue
        if "  " in value or "\t" in value:
            value = " ".join(value.split())
        else:
            value = value.strip()
        if key in merged:
            merged[key] = merged[key] + "," + value
        else:
            merged[key] = value
    if "host" not in merged:
        authority = request[5]
        merged["host"] = (request.host_header if ":" in authority else authority).strip()
    return merged


def _mentions_signing_query(query: str) -> bool:
    # Any X-Amz-* parameter may be one sigv4 refuses: leave the judgement to the general path.
    return "x-amz-" in query.lower()


def s3v4(**options: Any) -> SigV4Signer:
    """``s3v4``: botocore's name for SigV4 with the S3 preset."""
    options.setdefault("s3", True)
    options.setdefault("service", "s3")
    return SigV4Signer(**options)


s3v4.name = "sigv4"  # type: ignore[attr-defined]
s3v4.description = "sigv4 with the S3 preset (s3=True)"  # type: ignore[attr-defined]
s3v4.features = SigV4Signer.features  # type: ignore[attr-defined]
