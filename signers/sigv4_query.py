"""AWS Signature Version 4, presigned-URL (query string) form.

Same canonical request as the header form (:mod:`signers.sigv4`), except that the authentication
parameters travel in the query and are themselves part of the canonical query string:
``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-SignedHeaders``,
``X-Amz-Expires`` (1 ... 604800 s) and, with a session token, ``X-Amz-Security-Token``; the
signature is appended last as ``X-Amz-Signature``.  No header is added.  S3 presigned URLs sign
``UNSIGNED-PAYLOAD``; other services hash the (usually empty) body.
"""

from __future__ import annotations

import datetime as _dt
from hashlib import sha256 as _sha256
from typing import (
    Any,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from . import _crypto
from ._encoding import (
    canonical_headers,
    canonical_path,
    canonical_query,
    canonical_query_pairs_of,
    uri_encode,
)
from ._time import amz_date, parse_amz_date, request_time, resolve_time, short_date
from .errors import AlreadySigned, InvalidRequest
from .model import Artifacts, Credentials, Header, PayloadHash, Request, SignedRequest
from .options import DEFAULT_EXPIRES, check_expires
from .sigv4 import (
    ALGORITHM,
    UNSIGNED_PAYLOAD_VALUE,
    SigV4Signer,
    _mentions_signing_query,
    _Plan,
    _verifier,
    canonical_request,
    check_arguments,
    credential_scope,
    headers_to_sign,
    hmac_signer,
    merge_headers,
    payload_hash,
    refuse_signed,
    string_to_sign,
)

__all__ = ["SigV4QuerySigner", "s3v4_query"]

# Request headers that need the general path in the query form: refusals and a declared payload
# hash.  (X-Amz-Security-Token is an ordinary header here: the query form sends the token in the
# query.)
_SPECIAL_HEADERS = frozenset({"authorization", "x-amz-date", "x-amz-content-sha256"})
# Unreserved characters and ';': a signed-headers list made of these encodes by replacing ';'.
_SIGNED_HEADERS_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~;"

_tuple_new = tuple.__new__

_QUERY_PARAMS = (
    "x-amz-algorithm",
    "x-amz-date",
    "x-amz-signedheaders",
    "x-amz-expires",
)


def presign_query_form(
    scheme: str,
    opts: Any,
    expires: int,
    request: Request,
    credentials: Credentials,
    time: _dt.datetime,
    *,
    scope: str,
    sign: Callable[[str], str],
    algorithm: str = ALGORITHM,
    extra: Sequence[Header] = (),
) -> SignedRequest:
    """The presigned-URL form step by step through the staged functions, shared by every
    variant: ``scope`` is the credential scope, ``sign`` turns the string to sign into the
    signature, ``extra`` are signed parameters a variant adds (SigV4A's X-Amz-Region-Set)."""
    refuse_signed(request, scheme, extra_query=_QUERY_PARAMS)
    token = credentials.token
    if token is not None and any(
        n.lower() == "x-amz-security-token" for n, _ in request.query_pairs()
    ):
        raise AlreadySigned(
            f"query parameter 'X-Amz-Security-Token' already present; {scheme} adds it "
            "from the credentials' session token",
            field="X-Amz-Security-Token",
        )
    declared = request.header("x-amz-content-sha256")
    if opts.s3:
        # S3 presigned URLs sign UNSIGNED-PAYLOAD unless the caller declared a hash.
        body_hash = declared.strip() if declared is not None else UNSIGNED_PAYLOAD_VALUE
    else:
        body_hash = payload_hash(request, header_value=declared)
    signed_at = amz_date(time)
    block, signed = canonical_headers(headers_to_sign(request), opts.unsigned_headers)
    added: List[Header] = [
        ("X-Amz-Algorithm", algorithm),
        ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
        ("X-Amz-Date", signed_at),
        ("X-Amz-SignedHeaders", signed),
        ("X-Amz-Expires", str(expires)),
    ]
    if token is not None and opts.session_token == "signed":
        added.append(("X-Amz-Security-Token", token))
    added.extend(extra)
    encoded = [(n, uri_encode(v)) for n, v in added]
    path = canonical_path(
        request.path, normalize=opts.normalize_path, double_encode=opts.double_encode
    )
    creq = canonical_request(
        request.method,
        path,
        canonical_query(request.query_pairs() + encoded),
        block,
        signed,
        body_hash,
    )
    sts = string_to_sign(signed_at, scope, creq, algorithm)
    signature = sign(sts)
    if token is not None and opts.session_token == "unsigned":
        added.append(("X-Amz-Security-Token", token))
        encoded.append(("X-Amz-Security-Token", uri_encode(token)))
    added.append(("X-Amz-Signature", signature))
    encoded.append(("X-Amz-Signature", signature))
    url = request.url
    tail = "&".join([n + "=" + v for n, v in encoded])
    if not request.query:
        url = url + tail if url.endswith("?") else url + "?" + tail
    else:
        url = url + "&" + tail
    return SignedRequest(
        request=request._evolve(url, request.headers),
        artifacts=Artifacts(
            canonical_request=creq,
            string_to_sign=sts,
            signature=signature,
            credential_scope=scope,
            signed_headers=signed,
            payload_hash=body_hash,
        ),
        scheme=scheme,
        added_query=tuple(added),
    )


class SigV4QuerySigner(SigV4Signer):
    """``sigv4-query``: a presigned URL.  The SigV4 options plus ``expires`` (seconds)."""

    name = "sigv4-query"
    description = "SigV4 presigned URL (X-Amz-* query parameters)"
    features: FrozenSet[str] = frozenset(
        {
            "sigv4:query",
            "normalize-path",
            "no-normalize-path",
            "sign-body",
            "session-token",
            "session-token-unsigned",
        }
    )

    __slots__ = ("expires",)

    def __init__(self, *, expires: int = DEFAULT_EXPIRES, **options: Any) -> None:
        super().__init__(**options)
        self.expires = check_expires(expires)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options!r}, expires={self.expires})"

    def sign(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        """Presign ``request``: the result's ``url`` carries the signature."""
        if type(request) is not Request or type(credentials) is not Credentials:
            check_arguments(request, credentials)
        request_time_text, date = request_time(at)
        plan = self._plan
        if plan[0] is not self.options:
            plan = self._current_plan()
        method, url, headers, body, scheme, authority, path, query = request
        if query and _mentions_signing_query(query):
            return self._sign_general(request, credentials, at)
        # The same steps as _sign_general, for the common case.
        merged = merge_headers(request, plan.exclude, _SPECIAL_HEADERS)
        if merged is None:
            return self._sign_general(request, credentials, at)
        if plan.s3:
            body_hash = UNSIGNED_PAYLOAD_VALUE
        elif isinstance(body, bytes):
            body_hash = _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
        elif isinstance(body, PayloadHash):
            body_hash = body.hex
        else:
            body_hash = UNSIGNED_PAYLOAD_VALUE
        names = sorted(merged)
        lines = []
        for name in names:
            lines.append(f"{name}:{merged[name]}\n")
        signed = ";".join(names)
        signed_params, url_params, added, scope = _query_parameters(
            plan, str(self.expires), credentials, request_time_text, date, signed
        )
        if query:
            pairs = canonical_query_pairs_of(query)
            # the signed parameters are "name=value" pieces with encoded values: split in C
            flat = signed_params.replace("&", "=").split("=")
            pairs += zip(flat[::2], flat[1::2])
            pairs.sort()
            signed_params = "&".join([n + "=" + v for n, v in pairs])
        canonical_uri = (
            "/"
            if path == "/"
            else canonical_path(
                path, normalize=plan.normalize_path, double_encode=plan.double_encode
            )
        )
        canonical = (
            f"{method}\n{canonical_uri}\n{signed_params}\n{''.join(lines)}\n{signed}\n{body_hash}"
        )
        sts = (
            f"{ALGORITHM}\n{request_time_text}\n{scope}\n"
            f"{_sha256(canonical.encode('utf-8', 'surrogateescape')).hexdigest()}"
        )
        signature = _crypto.sigv4_signature(
            credentials.secret_key, date, plan.region, plan.service, sts.encode("utf-8")
        )
        if query:
            new_query = f"{query}&{url_params}{signature}"
            new_url = f"{url}&{url_params}{signature}"
        else:
            new_query = url_params + signature
            new_url = url + new_query if url.endswith("?") else f"{url}?{new_query}"
        return _tuple_new(
            SignedRequest,
            (
                _tuple_new(
                    Request,
                    (method, new_url, headers, body, scheme, authority, path, new_query),
                ),
                _tuple_new(Artifacts, (canonical, sts, signature, scope, signed, body_hash)),
                self.name,
                (),
                (*added, ("X-Amz-Signature", signature)),
            ),
        )

    def presign_many(
        self,
        method: str,
        base_url: str,
        keys: Iterable[str],
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
        *,
        headers: Union[Mapping[str, str], Iterable[Header]] = (),
    ) -> Iterator[SignedRequest]:
        """Presign one URL per key under ``base_url``, all at one instant, with one credential set.

        Each key (an S3 object key, say) is percent-encoded (UTF-8, RFC 3986, ``/`` kept) and
        appended to ``base_url`` after a ``/`` (one is added unless ``base_url`` ends with one).
        Each result is equal to presigning that URL alone::

            signer.sign(Request(method, base_url + "/" + encoded_key, headers), credentials, at)

        only faster: the scope, the signing key, the canonical headers and query, and the fixed
        parts of the URL are computed once.  ``at=None`` means now, read once for the whole batch.
        ``base_url`` may carry a path prefix (``https://s3.amazonaws.com/bucket``) but no query.
        Arguments are checked when called; the keys are read lazily as the results are consumed::

            urls = [s.url for s in signer.presign_many("GET", bucket_url, keys, credentials)]
        """
        base = Request(method, base_url, headers)
        if "?" in base_url:
            raise InvalidRequest(
                "base_url: must not have a query; presign_many appends a key to its path",
                field="base_url",
            )
        check_arguments(base, credentials)
        if isinstance(keys, (str, bytes)):
            raise InvalidRequest(
                "keys: expected an iterable of keys, got a single string", field="keys"
            )
        request_time_text, date = request_time(at)
        when = at if at is not None else parse_amz_date(request_time_text)
        prefix = base_url if base_url.endswith("/") else base_url + "/"
        plan = self._current_plan()
        merged = merge_headers(base, plan.exclude, _SPECIAL_HEADERS)
        if merged is None:
            # A header that needs the general path: presign each URL alone.
            return self._presign_each(method, prefix, keys, base.headers, credentials, when)
        return self._presign_bulk(
            base, prefix, keys, merged, plan, credentials, request_time_text, date
        )

    def _presign_each(
        self,
        method: str,
        prefix: str,
        keys: Iterable[str],
        headers: Tuple[Header, ...],
        credentials: Credentials,
        at: _dt.datetime,
    ) -> Iterator[SignedRequest]:
        sign = self.sign
        for key in keys:
            yield sign(Request(method, prefix + _encode_key(key), headers), credentials, at)

    def _presign_bulk(
        self,
        base: Request,
        prefix: str,
        keys: Iterable[str],
        merged: Dict[str, str],
        plan: _Plan,
        credentials: Credentials,
        request_time_text: str,
        date: str,
    ) -> Iterator[SignedRequest]:
        method, _, headers, body, scheme, authority, base_path, _ = base
        body_hash = UNSIGNED_PAYLOAD_VALUE if plan.s3 else _crypto.EMPTY_SHA256
        names = sorted(merged)
        signed = ";".join(names)
        signed_params, url_query, added, scope = _query_parameters(
            plan, str(self.expires), credentials, request_time_text, date, signed
        )
        block = "".join([f"{n}:{merged[n]}\n" for n in names])
        canonical_tail = f"\n{signed_params}\n{block}\n{signed}\n{body_hash}"
        canonical_head = method + "\n"
        path_prefix = base_path if base_path.endswith("/") else base_path + "/"
        normalize, double_encode = plan.normalize_path, plan.double_encode
        # Single encoding without normalization works segment by segment, and an encoded key is
        # already canonical: the canonical path is the prefix's, canonicalized once, plus the key.
        per_segment = not normalize and not double_encode
        canonical_prefix = canonical_path(path_prefix, normalize=False, double_encode=False)
        sts_prefix = f"{ALGORITHM}\n{request_time_text}\n{scope}\n"
        hexdigest = _crypto.signing_key(
            credentials.secret_key, date, plan.region, plan.service
        ).hexdigest
        name = self.name
        for key in keys:
            encoded_key = _encode_key(key)
            path = path_prefix + encoded_key
            if per_segment:
                canonical = f"{canonical_head}{canonical_prefix}{encoded_key}{canonical_tail}"
            else:
                canonical_uri = canonical_path(
                    path, normalize=normalize, double_encode=double_encode
                )
                canonical = f"{canonical_head}{canonical_uri}{canonical_tail}"
            sts = sts_prefix + _sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
            signature = hexdigest(sts.encode("utf-8"))
            query = url_query + signature
            yield _tuple_new(
                SignedRequest,
                (
                    _tuple_new(
                        Request,
                        (
                            method,
                            f"{prefix}{encoded_key}?{query}",
                            headers,
                            body,
                            scheme,
                            authority,
                            path,
                            query,
                        ),
                    ),
                    _tuple_new(Artifacts, (canonical, sts, signature, scope, signed, body_hash)),
                    name,
                    (),
                    (*added, ("X-Amz-Signature", signature)),
                ),
            )

    def _sign_general(
        self,
        request: Request,
        credentials: Credentials,
        at: Optional[_dt.datetime] = None,
    ) -> SignedRequest:
        # Every case, step by step through the staged functions; sign() handles the common case
        # faster and comes here for the rest (refusals, a declared payload hash).
        opts = self.options
        time = resolve_time(at)
        date = short_date(time)

        return presign_query_form(
            self.name,
            opts,
            self.expires,
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
        """Verify a presigned URL, as the server would (expiry, skew, scope, signature)."""
        return _verifier().verify_query(  # type: ignore[no-any-return]
            self, request, credentials, now, max_skew
        )


def _query_parameters(
    plan: _Plan,
    expires: str,
    credentials: Credentials,
    request_time_text: str,
    date: str,
    signed: str,
) -> Tuple[str, str, Tuple[Header, ...], str]:
    """The parameters sigv4-query adds, fixed by the signer, credentials, time and signed headers.

    Returns the signed ones in canonical form (sorted by name: they are distinct and their values
    already canonical), the URL form in the order added (ending ``X-Amz-Signature=``, for the
    signature to follow), the added pairs unencoded (without the signature) and the scope.
    """
    access_key, token = credentials.access_key, credentials.token
    scope = date + plan.scope_tail
    credential = f"{uri_encode(access_key)}%2F{date}{plan.encoded_scope_tail}"
    if signed.isalnum() and signed.isascii():  # "host" alone
        signed_encoded = signed
    elif signed.encode("utf-8", "surrogateescape").translate(None, _SIGNED_HEADERS_SAFE):
        signed_encoded = uri_encode(signed)
    else:
        signed_encoded = signed.replace(";", "%3B")
    head = (
        f"X-Amz-Algorithm={ALGORITHM}&X-Amz-Credential={credential}&X-Amz-Date={request_time_text}"
    )
    added: Tuple[Header, ...] = (
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256"),
        ("X-Amz-Credential", f"{access_key}/{scope}"),
        ("X-Amz-Date", request_time_text),
        ("X-Amz-SignedHeaders", signed),
        ("X-Amz-Expires", expires),
    )
    if token is None:
        signed_params = f"{head}&X-Amz-Expires={expires}&X-Amz-SignedHeaders={signed_encoded}"
        url_params = (
            f"{head}&X-Amz-SignedHeaders={signed_encoded}&X-Amz-Expires={expires}&X-Amz-Signature="
        )
        return signed_params, url_params, added, scope
    token_param = "X-Amz-Security-Token=" + uri_encode(token)
    if plan.token_signed:
        signed_params = (
            f"{head}&X-Amz-Expires={expires}&{token_param}&X-Amz-SignedHeaders={signed_encoded}"
        )
    else:
        signed_params = f"{head}&X-Amz-Expires={expires}&X-Amz-SignedHeaders={signed_encoded}"
    url_params = (
        f"{head}&X-Amz-SignedHeaders={signed_encoded}&X-Amz-Expires={expires}&{token_param}"
        "&X-Amz-Signature="
    )
    return signed_params, url_params, (*added, ("X-Amz-Security-Token", token)), scope


def _encode_key(key: object) -> str:
    if not isinstance(key, str):
        raise InvalidRequest(f"keys: expected str keys, got {type(key).__name__}", field="keys")
    return uri_encode(key, keep_slash=True)


def s3v4_query(**options: Any) -> SigV4QuerySigner:
    """``s3v4-query``: botocore's name for a SigV4 presigned URL with the S3 preset."""
    options.setdefault("s3", True)
    options.setdefault("service", "s3")
    return SigV4QuerySigner(**options)


s3v4_query.name = "sigv4-query"  # type: ignore[attr-defined]
s3v4_query.description = "sigv4-query with the S3 preset (s3=True)"  # type: ignore[attr-defined]
s3v4_query.features = SigV4QuerySigner.features  # type: ignore[attr-defined]
