"""AWS Signature Version 4: the signer, and its Authorization-header form.

The algorithm, in the spec's words (the stages are :mod:`signers._core.sigv4`'s functions):

1. canonical request = method, canonical URI, canonical query string, canonical headers,
   signed headers and the hex SHA-256 of the payload, joined by newlines;
2. string to sign = ``AWS4-HMAC-SHA256``, the request time (``YYYYMMDDTHHMMSSZ``), the credential
   scope (``date/region/service/aws4_request``) and the hex SHA-256 of the canonical request;
3. signing key = HMAC chain of ``"AWS4" + secret`` over date, region, service, ``aws4_request``;
4. signature = hex HMAC-SHA256 of the string to sign under the signing key, sent as
   ``Authorization: AWS4-HMAC-SHA256 Credential=AK/SCOPE, SignedHeaders=a;b, Signature=hex``.

One signer, :class:`SigV4Signer`, covers both placements of the signature: ``placement="header"``
(this module) and ``placement="query"``, a presigned URL (:mod:`signers.sigv4_query`).
"""

from __future__ import annotations

import datetime as _dt
from hashlib import sha256 as _sha256
from typing import (
    TYPE_CHECKING,
    Callable,
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

from . import _crypto, _query_form
from ._arguments import check_arguments
from ._core.sigv4 import (
    ALGORITHM,
    authorization_header,
    body_hash,
    canonical_request,
    check_query,
    credential_scope,
    declared_payload_hash,
    headers_to_sign,
    mentions_signing_query,
    refuse_signed,
    string_to_sign,
)
from ._encoding import (
    canonical_headers,
    canonical_path,
    canonical_query,
    canonical_query_of,
    header_block,
    merge_headers,
)
from ._encoding import trim_header_value as _trim
from ._signer_base import ByPlacement as _ByPlacement
from ._signer_base import OptionsSigner, Preset, bind_verification
from ._time import amz_date, request_time, resolve_time, short_date
from .errors import AlreadySigned, InvalidRequest
from .model import Artifacts, Credentials, Header, Request, SignedRequest
from .options import HEADER_FORM_SPECIAL, SigV4Options

if TYPE_CHECKING:
    from ._arguments import CredentialsLike
    from .streaming import Body as StreamBody
    from .streaming import ChunkSigner, SignedStream

__all__ = [
    "ALGORITHM",
    "SigV4Signer",
    "canonical_request",
    "credential_scope",
    "string_to_sign",
    "payload_hash",
    "headers_to_sign",
    "authorization_header",
    "s3v4",
    "SigV4QuerySigner",
    "s3v4_query",
]

_tuple_new = tuple.__new__


def payload_hash(request: Request, *, header_value: Optional[str] = None) -> str:
    """The hex SHA-256 the canonical request ends with (or ``UNSIGNED-PAYLOAD``); a declared
    ``x-amz-content-sha256`` (``header_value``) is taken as it is, once checked against the body."""
    return declared_payload_hash(request, header_value)


def _prepare_headers(
    scheme: str,
    opts: SigV4Options,
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
    body_hash_ = declared_payload_hash(request, declared)
    added: List[Header] = []
    after: List[Header] = []
    if token is not None:
        (added if opts.token_signed else after).append(("X-Amz-Security-Token", token))
    added.append(("X-Amz-Date", amz_date(time)))
    added.extend(extra)
    if opts.sign_body and declared is None:
        added.append(("x-amz-content-sha256", body_hash_))
    return added, after, body_hash_


def _added_with_token(
    opts: SigV4Options, date_pair: Header, payload: str, token: str, authorization: str
) -> Tuple[Header, ...]:
    """The headers the header form's one pass adds, for credentials with a session token."""
    added: Tuple[Header, ...] = (date_pair,)
    if opts.sign_body:
        added += (("x-amz-content-sha256", payload),)
    if opts.token_signed:
        added = (("X-Amz-Security-Token", token), *added)
    else:
        added += (("X-Amz-Security-Token", token),)
    return (*added, ("Authorization", authorization))


def sign_header_form(
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
    """The Authorization-header form step by step, every case (refusals, declared payload
    hashes, options that unsign a header signing adds), shared by SigV4 and SigV4A: ``scope`` is
    the credential scope, ``sign`` turns the string to sign into the signature (HMAC for SigV4,
    ECDSA for SigV4A), ``extra`` as for :func:`_prepare_headers`."""
    added, after, body_hash_ = _prepare_headers(scheme, opts, request, credentials, time, extra)
    block, signed = canonical_headers(headers_to_sign(request) + added, opts.unsigned_headers)
    creq = canonical_request(
        request.method,
        canonical_path(request.path, opts.normalize_path, opts.double_encode),
        canonical_query(request.query_pairs()),
        block,
        signed,
        body_hash_,
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
            payload_hash=body_hash_,
        ),
        scheme=scheme,
        added_headers=new_headers,
    )


def hmac_signer(
    credentials: Credentials, date: str, region: str, service: str
) -> Callable[[str], str]:
    """SigV4's signature step for :func:`sign_header_form` and the query form's general path."""
    return lambda sts: _crypto.sigv4_signature(
        credentials.secret_key, date, region, service, sts.encode("utf-8")
    )


#: What the vectors may require of a SigV4-family signer (the aws-c-auth context.json options).
FEATURES = frozenset(
    {"normalize-path", "no-normalize-path", "sign-body", "session-token", "session-token-unsigned"}
)
_DESCRIPTIONS = (
    "SigV4 (AWS4-HMAC-SHA256) in the Authorization header",
    "SigV4 presigned URL (X-Amz-* query parameters)",
)
# ("aws-chunked": sign_stream and chunk_signer, header placement only)
_FEATURE_SETS = (FEATURES | {"sigv4:header", "aws-chunked"}, FEATURES | {"sigv4:query"})


class SigV4Family(OptionsSigner):
    """What the SigV4 and SigV4A signers share: options built once and immutable afterwards, one
    name per placement, pickling by options (:class:`~signers._signer_base.OptionsSigner`), and
    verification (:mod:`signers._verification.sigv4`).  The signing algorithm is each subclass's.

    ``verify()`` takes the options as what the server expects: its region (SigV4A: its region
    set, each of whose regions the request's set must cover; ``*`` on either side accepts any),
    its service, its S3 rules."""

    #: the scheme names of the header and the query placement
    NAMES: Tuple[str, str]
    OPTIONS: type = SigV4Options

    __slots__ = ()
    options: SigV4Options

    if TYPE_CHECKING:  # (each subclass signs its own way; sign_stream signs the seed with it)

        def sign(
            self, request: Request, credentials: CredentialsLike, at: Optional[_dt.datetime] = None
        ) -> SignedRequest: ...

    @property
    def expires(self) -> int:
        """The lifetime of a presigned URL, in seconds (``placement="query"``)."""
        return self.options.expires

    def canonical_uri(self, request: Request) -> str:
        """The canonical URI of ``request`` under this signer's path options."""
        opts = self.options
        return canonical_path(request.path, opts.normalize_path, opts.double_encode)

    def sign_stream(
        self,
        request: Request,
        credentials: CredentialsLike,
        body: StreamBody,
        at: Optional[_dt.datetime] = None,
        *,
        mode: str = "signed",
        chunk_size: int = 65536,
        checksum: Optional[str] = None,
        trailers: Union[Mapping[str, str], Iterable[Header]] = (),
    ) -> SignedStream:
        """Sign ``request`` for an aws-chunked ``body`` (S3's chunked upload); the body is signed
        chunk by chunk as the result is read (:mod:`signers.streaming`).

        ``body`` is bytes, a binary file object or an iterable of bytes, read ``chunk_size``
        bytes at a time (8 KiB ... 16 MiB).  ``mode``: ``"signed"``
        (``STREAMING-AWS4-HMAC-SHA256-PAYLOAD``), ``"signed-trailer"`` (``...-PAYLOAD-TRAILER``)
        or ``"unsigned-trailer"`` (``STREAMING-UNSIGNED-PAYLOAD-TRAILER``); SigV4A declares its
        ECDSA names.  ``checksum`` (``"CRC32"``, ``"CRC32C"``, ``"CRC64NVME"``, ``"SHA1"``,
        ``"SHA256"``) goes as the ``x-amz-checksum-*`` trailer, declared in ``x-amz-trailer``
        (mode ``"signed"``: as a header, and only for a bytes body); ``trailers`` are more
        ``(name, value)`` trailers.  ``Content-Length`` (the wire length, set when the body's
        length is known) is signed unless ``unsigned_headers`` names it.
        """
        from .streaming import sign_stream

        return sign_stream(
            self, request, credentials, body, at,
            mode=mode, chunk_size=chunk_size, checksum=checksum, trailers=trailers,
        )  # fmt: skip

    def chunk_signer(
        self, credentials: CredentialsLike, *, seed_signature: str, at: Optional[_dt.datetime]
    ) -> ChunkSigner:
        """The :class:`~signers.streaming.ChunkSigner` that chains the chunk and trailer
        signatures of a request this signer signed at ``at`` (the seed's time) with
        ``seed_signature``: the staged form of :meth:`sign_stream`."""
        from .streaming import chunk_signer

        return chunk_signer(self, credentials, seed_signature=seed_signature, at=at)


# verify() is OptionsSigner's; for SigV4 and SigV4A (told apart by their options) it runs this one.
bind_verification(SigV4Family, "._verification.sigv4")


class SigV4Signer(SigV4Family):
    """``sigv4`` (``placement="header"``) and ``sigv4-query`` (``placement="query"``).

    Options (keyword-only): ``region`` and ``service`` (the signing name, which need not match the
    host: ``autoscaling-plans`` is signed for on the ``autoscaling`` host); ``placement``
    (``"header"``, the default, or ``"query"`` for a presigned URL, with ``expires`` in seconds);
    ``normalize_path`` (remove dot segments and repeated slashes, default on); ``double_encode``
    (encode the path once more, default on); ``sign_body`` (add and sign ``x-amz-content-sha256``);
    ``session_token`` (``"signed"`` or ``"unsigned"``); ``unsigned_headers`` (names to leave out of
    the signature, on top of :data:`~signers.options.DEFAULT_UNSIGNED_HEADERS`); ``s3=True`` for
    S3's preset.  Immutable once built; safe to share between threads.
    """

    NAMES = ("sigv4", "sigv4-query")
    name = _ByPlacement(*NAMES)
    description = _ByPlacement(*_DESCRIPTIONS)
    features: _ByPlacement[FrozenSet[str]] = _ByPlacement(*_FEATURE_SETS)

    __slots__ = ()

    def sign(
        self, request: Request, credentials: CredentialsLike, at: Optional[_dt.datetime] = None
    ) -> SignedRequest:
        """Sign ``request`` (a presigned URL with ``placement="query"``); the result carries a
        new request and the artifacts.  ``at`` is the signing time (aware; ``None`` = now)."""
        if (
            type(request) is not Request
            or type(credentials) is not Credentials
            or type(request[3]) is not bytes  # (a file-object body is refused there)
        ):
            credentials = check_arguments(request, credentials)
        opts = self.options
        query = request[7]
        if query and "%" in query:
            check_query(query)
        if opts.placement == "query":  # (a SignedRequest is a non-empty tuple: true)
            presigned = _query_form.presign(self._scheme, opts, request, credentials, at)
            return presigned or self._sign_general(request, credentials, at)
        method, url, headers, body, scheme, authority, path, _ = request
        # The common header form in one pass over the headers, through the same stage
        # functions as sign_header_form (which _sign_general runs for every other case).
        # (signing_headers and body_hash written out here: a call fewer each, measured)
        if opts.general_only or (query and mentions_signing_query(query)):
            return self._sign_general(request, credentials, at)
        merged = merge_headers(
            headers, opts.unsigned_headers, HEADER_FORM_SPECIAL, opts.header_form_skip
        )
        if merged is None:
            return self._sign_general(request, credentials, at)
        if "host" not in merged:
            merged["host"] = request.host_header if ":" in authority else authority
        request_time_text, date = request_time(at)
        if type(body) is bytes:
            payload = _sha256(body).hexdigest() if body else _crypto.EMPTY_SHA256
        else:
            payload = body_hash(body)
        token = credentials.token
        merged["x-amz-date"] = request_time_text
        if token is not None and opts.token_signed:
            merged["x-amz-security-token"] = _trim(token)
        if opts.sign_body:
            merged["x-amz-content-sha256"] = payload
        block, signed = header_block(merged)
        canonical = canonical_request(
            method,
            "/" if path == "/" else canonical_path(path, opts.normalize_path, opts.double_encode),
            canonical_query_of(query) if query else "",
            block,
            signed,
            payload,
        )
        scope = date + opts.scope_tail
        sts = string_to_sign(request_time_text, scope, canonical)
        # (sts.encode(): UTF-8, str.encode's default, without a codec name to look up: measured)
        signature = _crypto.sigv4_signature(
            credentials.secret_key, date, opts.region, opts.service, sts.encode()
        )
        authorization = authorization_header(credentials.access_key, scope, signed, signature)
        date_pair = ("X-Amz-Date", request_time_text)
        if token is not None:  # (without a token, the usual, the tuple is built at once: measured)
            added = _added_with_token(opts, date_pair, payload, token, authorization)
        elif opts.sign_body:
            added = (date_pair, ("x-amz-content-sha256", payload), ("Authorization", authorization))
        else:
            added = (date_pair, ("Authorization", authorization))
        return _tuple_new(
            SignedRequest,
            (
                _tuple_new(
                    Request, (method, url, headers + added, body, scheme, authority, path, query)
                ),
                _tuple_new(Artifacts, (canonical, sts, signature, scope, signed, payload)),
                self._scheme,
                added,
                (),
            ),
        )

    def _sign_general(
        self, request: Request, credentials: Credentials, at: Optional[_dt.datetime] = None
    ) -> SignedRequest:
        # Every case, step by step; sign() takes the common case in one pass and comes here for
        # the rest.
        opts = self.options
        time = resolve_time(at)
        date = short_date(time)
        scope = credential_scope(date, opts.region, opts.service)
        sign = hmac_signer(credentials, date, opts.region, opts.service)
        if opts.placement == "query":
            return _query_form.presign_query_form(
                self._scheme, opts, request, credentials, time, scope=scope, sign=sign
            )
        return sign_header_form(
            self._scheme, opts, request, credentials, time, scope=scope, sign=sign
        )

    def presign_many(
        self,
        method: str,
        base_url: str,
        keys: Iterable[str],
        credentials: CredentialsLike,
        at: Optional[_dt.datetime] = None,
        *,
        headers: Union[Mapping[str, str], Iterable[Header]] = (),
        jobs: Optional[int] = 1,
    ) -> Iterator[SignedRequest]:
        """Presign one URL per key under ``base_url`` (``placement="query"``); see
        :func:`signers.sigv4_query.presign_many`.  ``jobs``: worker processes to spread the
        keys over (``None``: one per CPU; :func:`signers.parallel.presign_many`, which says how
        the credentials reach them); the default, 1, signs in this process."""
        if jobs != 1:
            from .parallel import presign_many as presign_in_parallel

            return presign_in_parallel(
                self, method, base_url, keys, credentials, at, headers=headers, jobs=jobs
            )
        if self.options.placement != "query":
            raise InvalidRequest(
                "presign_many: this signer signs in the Authorization header; use "
                "placement='query' (get_signer('sigv4-query', ...))",
                field="placement",
            )
        many = _query_form.presign_many
        return many(
            self._scheme,
            self.options,
            self.sign,
            method,
            base_url,
            keys,
            credentials,
            at,
            headers=headers,
        )


s3v4: Preset[SigV4Signer] = Preset(
    SigV4Signer, "sigv4", "sigv4 with the S3 preset (s3=True)", s3=True, service="s3"
)
SigV4QuerySigner: Preset[SigV4Signer] = Preset(
    SigV4Signer, "sigv4-query", _DESCRIPTIONS[1], placement="query"
)
s3v4_query: Preset[SigV4Signer] = Preset(
    SigV4Signer,
    "sigv4-query",
    "sigv4-query with the S3 preset (s3=True)",
    placement="query",
    s3=True,
    service="s3",
)
