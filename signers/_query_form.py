"""AWS Signature Version 4, the presigned-URL (query string) form's steps.

Same canonical request as the header form (:mod:`signers.sigv4`), except that the authentication
parameters travel in the query and are themselves part of the canonical query string:
``X-Amz-Algorithm``, ``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-SignedHeaders``,
``X-Amz-Expires`` (1 ... 604800 s) and, with a session token, ``X-Amz-Security-Token``; the
signature is appended last as ``X-Amz-Signature``.  No header is added.  S3 presigned URLs sign
``UNSIGNED-PAYLOAD``; other services hash the (usually empty) body.

The signer is :class:`signers.sigv4.SigV4Signer` with ``placement="query"`` (the registry's
``sigv4-query``); this module holds the form's steps, shared with SigV4A.
"""

from __future__ import annotations

import datetime as _dt
from hashlib import sha256 as _sha256
from typing import (  # (a list of names, as sigv4's is: not logic)
    TYPE_CHECKING,
    Callable,
    Dict,
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
from ._arguments import check_arguments
from ._core.sigv4 import (
    ALGORITHM,
    UNSIGNED_PAYLOAD_VALUE,
    body_hash,
    canonical_request,
    declared_payload_hash,
    headers_to_sign,
    mentions_signing_query,
    refuse_signed,
    signing_headers,
    string_to_sign,
)
from ._encoding import (
    HEADER_BLANKS,
    canonical_headers,
    canonical_path,
    canonical_query,
    canonical_query_pairs_of,
    header_block,
    merge_headers,
    uri_encode,
)
from ._time import amz_date, parse_amz_date, request_time
from .errors import AlreadySigned, InvalidRequest
from .model import Artifacts, Credentials, Header, Request, SignedRequest
from .options import QUERY_FORM_SPECIAL, SigV4Options

if TYPE_CHECKING:
    from ._arguments import CredentialsLike

__all__ = ["presign", "presign_many", "presign_query_form"]

# Unreserved characters and ';': a signed-headers list made of these encodes by replacing ';'.
_SIGNED_HEADERS_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~;"

# The bytes an S3 key keeps as they are in a URL path: the unreserved characters and "/".
_KEY_SAFE = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~/"

_tuple_new = tuple.__new__

_QUERY_PARAMS = (
    "x-amz-algorithm",
    "x-amz-date",
    "x-amz-signedheaders",
    "x-amz-expires",
)


# The header form's parameters (sigv4.sign_header_form): the two forms are called alike.
def presign_query_form(
    scheme: str,
    opts: SigV4Options,
    request: Request,
    credentials: Credentials,
    time: _dt.datetime,
    *,
    scope: str,
    sign: Callable[[str], str],
    algorithm: str = ALGORITHM,
    extra: Sequence[Header] = (),
) -> SignedRequest:
    """The presigned-URL form step by step, every case (refusals, a declared payload hash),
    shared by SigV4 and SigV4A: ``scope`` is the credential scope, ``sign`` turns the string to
    sign into the signature, ``extra`` are signed parameters a variant adds (SigV4A's
    X-Amz-Region-Set)."""
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
        payload = declared.strip(HEADER_BLANKS) if declared is not None else UNSIGNED_PAYLOAD_VALUE
    else:
        payload = declared_payload_hash(request, declared)
    signed_at = amz_date(time)
    block, signed = canonical_headers(headers_to_sign(request), opts.unsigned_headers)
    added: List[Header] = [
        ("X-Amz-Algorithm", algorithm),
        ("X-Amz-Credential", f"{credentials.access_key}/{scope}"),
        ("X-Amz-Date", signed_at),
        ("X-Amz-SignedHeaders", signed),
        ("X-Amz-Expires", str(opts.expires)),
    ]
    if token is not None and opts.token_signed:
        added.append(("X-Amz-Security-Token", token))
    added.extend(extra)
    encoded = [(n, uri_encode(v)) for n, v in added]
    creq = canonical_request(
        request.method,
        canonical_path(request.path, opts.normalize_path, opts.double_encode),
        canonical_query(request.query_pairs() + encoded),
        block,
        signed,
        payload,
    )
    sts = string_to_sign(signed_at, scope, creq, algorithm)
    signature = sign(sts)
    if token is not None and not opts.token_signed:
        added.append(("X-Amz-Security-Token", token))
        encoded.append(("X-Amz-Security-Token", uri_encode(token)))
    added.append(("X-Amz-Signature", signature))
    encoded.append(("X-Amz-Signature", signature))
    tail = "&".join([n + "=" + v for n, v in encoded])
    return SignedRequest(
        request=request._evolve(_with_query(request.url, request.query, tail), request.headers),
        # (the record by field name, as the header form builds it: alike it by shape only)
        artifacts=Artifacts(
            canonical_request=creq,
            string_to_sign=sts,
            signature=signature,
            credential_scope=scope,
            signed_headers=signed,
            payload_hash=payload,
        ),
        scheme=scheme,
        added_query=tuple(added),
    )


def _with_query(url: str, query: str, tail: str) -> str:
    # the URL with ``tail`` appended to its query
    if query:
        return f"{url}&{tail}"
    return url + tail if url.endswith("?") else f"{url}?{tail}"


def presign(
    scheme: str,
    opts: SigV4Options,
    request: Request,
    credentials: Credentials,
    at: Optional[_dt.datetime],
) -> Optional[SignedRequest]:
    """The presigned form of the common case in one pass, through the same stage functions as
    :func:`presign_query_form`; ``None`` for the other cases (the general path)."""
    method, url, headers, body, http_scheme, authority, path, query = request
    if query and mentions_signing_query(query):
        return None
    # (signing_headers written out: a call fewer, measured)
    merged = merge_headers(headers, opts.unsigned_headers, QUERY_FORM_SPECIAL, opts.query_form_skip)
    if merged is None:
        return None
    if "host" not in merged:
        merged["host"] = request.host_header if ":" in authority else authority
    request_time_text, date = request_time(at)
    payload = UNSIGNED_PAYLOAD_VALUE if opts.s3 else body_hash(body)
    block, signed = header_block(merged)
    signed_params, url_params, added, scope = _query_parameters(
        opts, credentials, request_time_text, date, signed
    )
    if query:
        pairs = canonical_query_pairs_of(query)
        # the signed parameters are "name=value" pieces with encoded values: split in C
        flat = signed_params.replace("&", "=").split("=")
        pairs += zip(flat[::2], flat[1::2])
        pairs.sort()
        signed_params = "&".join([n + "=" + v for n, v in pairs])
    canonical = canonical_request(
        method,
        "/" if path == "/" else canonical_path(path, opts.normalize_path, opts.double_encode),
        signed_params,
        block,
        signed,
        payload,
    )
    sts = string_to_sign(request_time_text, scope, canonical)
    # (sts.encode(): UTF-8, str.encode's default, without a codec name to look up: measured)
    signature = _crypto.sigv4_signature(
        credentials.secret_key, date, opts.region, opts.service, sts.encode()
    )
    if query:
        new_query = f"{query}&{url_params}{signature}"
        new_url = f"{url}&{url_params}{signature}"
    else:  # (_with_query written out: a call fewer, measured)
        new_query = url_params + signature
        new_url = url + new_query if url.endswith("?") else f"{url}?{new_query}"
    return _tuple_new(
        SignedRequest,
        (
            _tuple_new(
                Request,
                (
                    method,
                    new_url,
                    headers,
                    body,
                    http_scheme,
                    authority,
                    path,
                    new_query,
                ),
            ),
            _tuple_new(Artifacts, (canonical, sts, signature, scope, signed, payload)),
            scheme,
            (),
            (*added, ("X-Amz-Signature", signature)),
        ),
    )


def presign_many(
    scheme: str,
    opts: SigV4Options,
    sign: Callable[[Request, Credentials, Optional[_dt.datetime]], SignedRequest],
    method: str,
    base_url: str,
    keys: Iterable[str],
    credentials: CredentialsLike,
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
    credentials = check_arguments(base, credentials)
    if isinstance(keys, (str, bytes)):
        raise InvalidRequest(
            "keys: expected an iterable of keys, got a single string", field="keys"
        )
    request_time_text, date = request_time(at)
    when = at if at is not None else parse_amz_date(request_time_text)
    prefix = base_url if base_url.endswith("/") else base_url + "/"
    merged = signing_headers(base, opts.unsigned_headers, QUERY_FORM_SPECIAL)
    if merged is None or opts.general_only:
        # A header that needs the general path: presign each URL alone.
        return _presign_each(sign, method, prefix, keys, base.headers, credentials, when)
    return _presign_bulk(
        scheme, opts, base, prefix, keys, merged, credentials, request_time_text, date
    )


def _presign_each(
    sign: Callable[[Request, Credentials, Optional[_dt.datetime]], SignedRequest],
    method: str,
    prefix: str,
    keys: Iterable[str],
    headers: Tuple[Header, ...],
    credentials: Credentials,
    at: _dt.datetime,
) -> Iterator[SignedRequest]:
    for key in keys:
        yield sign(Request(method, prefix + _encode_key(key), headers), credentials, at)


def _presign_bulk(
    scheme: str,
    opts: SigV4Options,
    base: Request,
    prefix: str,
    keys: Iterable[str],
    merged: Dict[str, str],
    credentials: Credentials,
    request_time_text: str,
    date: str,
) -> Iterator[SignedRequest]:
    method, _, headers, body, http_scheme, authority, base_path, _ = base
    payload = UNSIGNED_PAYLOAD_VALUE if opts.s3 else body_hash(b"")
    block, signed = header_block(merged)
    signed_params, url_query, added, scope = _query_parameters(
        opts, credentials, request_time_text, date, signed
    )
    path_prefix = base_path if base_path.endswith("/") else base_path + "/"
    normalize, double_encode = opts.normalize_path, opts.double_encode
    # Single encoding without normalization works segment by segment, and an encoded key is
    # already canonical: the canonical path is the prefix's, canonicalized once, plus the key.
    per_segment = not normalize and not double_encode
    canonical_head, segment_head, canonical_tail, sts_head = _shared_parts(
        method, signed_params, block, signed, payload, path_prefix, request_time_text, scope
    )
    # HMAC(string to sign) with the string's fixed head hashed once for the batch: per URL the
    # two states are copied and only the canonical request's hash goes in (written out rather
    # than a call per URL, and one compression run fewer: measured)
    inner_head, outer_state = _crypto.signing_key(
        credentials.secret_key, date, opts.region, opts.service
    ).states(sts_head.encode("utf-8"))
    for key in keys:
        # an S3 key of unreserved characters and "/" is its own encoding (checked in C)
        if type(key) is str and not key.encode("utf-8", "surrogateescape").translate(
            None, _KEY_SAFE
        ):
            encoded_key = key
        else:
            encoded_key = _encode_key(key)
        path = path_prefix + encoded_key
        if per_segment:
            canonical = f"{segment_head}{encoded_key}{canonical_tail}"
        else:
            uri = canonical_path(path, normalize, double_encode)
            canonical = f"{canonical_head}{uri}{canonical_tail}"
        hashed = _sha256(canonical.encode("utf-8", "surrogateescape")).hexdigest()
        inner = inner_head.copy()
        inner.update(hashed.encode("ascii"))
        outer = outer_state.copy()
        outer.update(inner.digest())
        signature = outer.hexdigest()
        query = url_query + signature
        # (the result built as presign() builds it, written out here: no call per URL, measured)
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
                        http_scheme,
                        authority,
                        path,
                        query,
                    ),
                ),
                _tuple_new(
                    Artifacts, (canonical, sts_head + hashed, signature, scope, signed, payload)
                ),
                scheme,
                (),
                (*added, ("X-Amz-Signature", signature)),
            ),
        )


def _shared_parts(
    method: str,
    signed_params: str,
    block: str,
    signed: str,
    payload: str,
    path_prefix: str,
    request_time_text: str,
    scope: str,
) -> Tuple[str, str, str, str]:
    """The parts of the canonical request and of the string to sign that every key of a bulk
    presign shares: the canonical request's head (before the URI), that head with the
    canonical path prefix, its tail (after the URI), and the string to sign without the hash.

    They are cut from what the stage functions give for a placeholder URI (NUL: no canonical
    URI holds one) and for an empty canonical request, so the two stay one definition."""
    head, tail = canonical_request(method, "\0", signed_params, block, signed, payload).split("\0")
    segment_head = head + canonical_path(path_prefix, False, False)
    return head, segment_head, tail, string_to_sign(request_time_text, scope, "")[:-64]


def _query_parameters(
    opts: SigV4Options,
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
    expires = str(opts.expires)
    scope = date + opts.scope_tail
    credential = f"{uri_encode(access_key)}%2F{date}{opts.encoded_scope_tail}"
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
        ("X-Amz-Algorithm", ALGORITHM),
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
    if opts.token_signed:
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
