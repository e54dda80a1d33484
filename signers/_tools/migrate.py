"""Migration from Signature Version 2 to SigV4: take a SigV2-signed request, return its SigV4 twin.

:func:`migrate` reads a request signed with one of the legacy schemes, identifies which, can
check the old signature with the secret key, removes what SigV2 added and returns the same
request ready for SigV4 (signed, when credentials are given):

==========================================  ==========  =======================================
what comes in                               scheme      what goes out
==========================================  ==========  =======================================
``Signature`` + ``SignatureVersion=2`` in   ``sigv2``   ``sigv4`` (GET stays GET with the
the URL query or a form body                            parameters in the query; a POST form
                                                        stays a POST form)
``Authorization: AWS key:signature``        ``s3-v2``   ``sigv4`` with the S3 preset
``AWSAccessKeyId``, ``Expires``,            ``s3-v2-    ``sigv4-query`` with the S3 preset; the
``Signature`` in the URL query              query``     lifetime is what remained of the old one
==========================================  ==========  =======================================

The session token moves from the request (``SecurityToken``, ``x-amz-security-token``) to the
credentials.  Region and signing name come from ``region=`` / ``service=`` or from the host
(:func:`signers.endpoints.infer_scope`); the result's :attr:`MigrationResult.account` says which,
and what was removed and added.  Detection (verification's detector), the check of the old
signature and the stripping live in :mod:`signers._tools.migrate_legacy`.
"""

from __future__ import annotations

import datetime as _dt
import types
from typing import (
    Any,
    Dict,
    FrozenSet,
    List,
    Mapping,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from .. import s3_v2
from .._encoding import percent_decode_str
from .._time import epoch_seconds, iso8601, resolve_time
from ..endpoints import infer_scope
from ..errors import InvalidCredentials, InvalidOption, InvalidRequest
from ..model import Credentials, Request, SignedRequest, _Frozen
from ..options import MAX_EXPIRES, check_expires
from ..sigv4 import SigV4Signer
from ..sigv4_query import SigV4QuerySigner
from .migrate_legacy import (
    S3_TOKEN,
    MigrationError,
    detect_scheme,
    old_access_key,
    one_value,
    s3_signer,
    strip,
    verify_old_signature,
)

__all__ = [
    "MigrationAccount",
    "MigrationError",
    "MigrationResult",
    "SIGV2_ONLY_SERVICES",
    "detect_scheme",
    "migrate",
]

#: Services whose APIs AWS's own SDKs still sign with Signature Version 2 only (botocore's service
#: models say ``signatureVersion: v2``); a migrated request to them is likely to be refused.
SIGV2_ONLY_SERVICES: FrozenSet[str] = frozenset({"sdb", "importexport"})

# Where a region or signing name came from (MigrationAccount.region_source / service_source).
EXPLICIT = "explicit"
INFERRED = "inferred from host"
GLOBAL = "legacy global endpoint"
S3_SCHEME = "S3 legacy scheme"


# -- the account -------------------------------------------------------------------------------


class MigrationAccount(_Frozen):
    """What migration changed and where region and signing name came from.

    Names only: values (a session token among them) never appear here.
    """

    __slots__ = (
        "added_headers",
        "added_parameters",
        "notes",
        "region",
        "region_source",
        "removed_headers",
        "removed_parameters",
        "scope_reason",
        "service",
        "service_source",
        "session_token",
        "verified",
    )
    removed_parameters: Tuple[str, ...]
    removed_headers: Tuple[str, ...]
    added_headers: Tuple[str, ...]
    added_parameters: Tuple[str, ...]
    region: str
    region_source: str
    service: str
    service_source: str
    scope_reason: str
    session_token: str
    verified: Optional[bool]
    notes: Tuple[str, ...]

    def __init__(self, **fields: object) -> None:
        for name in self.__slots__:
            object.__setattr__(self, name, fields[name])

    def lines(self) -> List[str]:
        """The account as short human-readable lines."""
        out = [
            f"removed parameters: {_names(self.removed_parameters)}",
            f"removed headers: {_names(self.removed_headers)}",
        ]
        if self.added_parameters:
            out.append(f"added parameters: {_names(self.added_parameters)}")
        out.append(f"added headers: {_names(self.added_headers)}")
        out.append(f"region {self.region}: {self.region_source}")
        out.append(f"signing name {self.service}: {self.service_source}")
        if INFERRED in (self.region_source, self.service_source) or GLOBAL in (
            self.region_source,
            self.service_source,
        ):
            out.append(f"host: {self.scope_reason}")
        out.append(f"session token: {self.session_token}")
        verification = {
            True: "old signature verified",
            False: "NOT verified: the signature matches, but the request's time is refused (see "
            "the note)",
            None: "not requested",
        }[self.verified]
        out.append(f"verification: {verification}")
        out.extend(f"note: {note}" for note in self.notes)
        return out

    def as_dict(self) -> Dict[str, Any]:
        return {name: _plain(getattr(self, name)) for name in self.__slots__}

    def __repr__(self) -> str:
        return (
            f"MigrationAccount(removed_parameters={self.removed_parameters!r}, "
            f"removed_headers={self.removed_headers!r}, region={self.region!r} "
            f"({self.region_source}), service={self.service!r} ({self.service_source}), "
            f"verified={self.verified!r})"
        )


def _names(names: Sequence[str]) -> str:
    return ", ".join(names) if names else "none"


def _plain(value: Any) -> Any:
    return list(value) if isinstance(value, tuple) else value


# -- the result --------------------------------------------------------------------------------


class MigrationResult(_Frozen):
    """The outcome of :func:`migrate`.

    - ``scheme``: the legacy scheme found (``"sigv2"``, ``"s3-v2"`` or ``"s3-v2-query"``);
    - ``original``: the request as given; ``request``: the same without the SigV2 parts, ready
      to be signed with ``signer`` (``"sigv4"`` or ``"sigv4-query"``) and ``options``;
    - ``signed``: the SigV4-signed request when credentials were given, else ``None``
      (:meth:`sign` signs later);
    - ``account``: what changed (:class:`MigrationAccount`); ``at``: the instant used.

    The request's session token, if it carried one, is kept for :meth:`sign` but never shown.
    """

    __slots__ = ("_token", "account", "at", "options", "original", "request", "scheme", "signed")
    # The order __init__ sets them in.
    _FIELDS = ("scheme", "original", "request", "options", "signed", "account", "at", "_token")
    scheme: str
    original: Request
    request: Request
    options: Mapping[str, Any]
    signed: Optional[SignedRequest]
    account: MigrationAccount
    at: _dt.datetime
    _token: Optional[str]

    def __init__(
        self,
        *,
        scheme: str,
        original: Request,
        request: Request,
        options: Mapping[str, Any],
        signed: Optional[SignedRequest],
        account: MigrationAccount,
        at: _dt.datetime,
        token: Optional[str],
    ) -> None:
        frozen = types.MappingProxyType(dict(options))
        values = (scheme, original, request, frozen, signed, account, at, token)
        for name, value in zip(self._FIELDS, values):
            object.__setattr__(self, name, value)

    @property
    def signer(self) -> str:
        """The registry name of the SigV4 signer to use: ``"sigv4"`` or ``"sigv4-query"``."""
        return _signer_name(self.scheme)

    @property
    def has_session_token(self) -> bool:
        """Whether the request carried a session token (it is used by :meth:`sign`)."""
        return self._token is not None

    def sigv4_signer(self) -> SigV4Signer:
        """The SigV4 signer, configured with :attr:`options`."""
        return _sigv4_signer(self.signer, self.options)

    def sign(self, credentials: Credentials, at: Optional[_dt.datetime] = None) -> SignedRequest:
        """Sign :attr:`request` with SigV4; the request's session token is used unless
        ``credentials`` carry one."""
        credentials = _with_token(credentials, self._token)
        return self.sigv4_signer().sign(self.request, credentials, self.at if at is None else at)

    def __repr__(self) -> str:
        return (
            f"MigrationResult(scheme={self.scheme!r}, signer={self.signer!r}, "
            f"options={dict(self.options)!r}, signed={self.signed is not None}, "
            f"request={self.request!r})"
        )


def _signer_name(scheme: str) -> str:
    return "sigv4-query" if scheme == "s3-v2-query" else "sigv4"


def _sigv4_signer(name: str, options: Mapping[str, Any]) -> SigV4Signer:
    # The built-in classes directly: the registry would give the same ones, by entry point.
    if name == "sigv4-query":
        return SigV4QuerySigner(**options)
    return SigV4Signer(**options)


def _with_token(credentials: Credentials, token: Optional[str]) -> Credentials:
    if credentials.token is not None or token is None:
        return credentials
    return Credentials(credentials.access_key, credentials.secret_key, token)


# -- scope and lifetime ------------------------------------------------------------------------


class _Scope(NamedTuple):
    """The scope signed for, each part with its source: :class:`MigrationAccount`'s fields."""

    region: str
    region_source: str
    service: str
    service_source: str
    scope_reason: str  # what the host says


def _scope(request: Request, scheme: str, region: Optional[str], service: Optional[str]) -> _Scope:
    scope = infer_scope(request.host)
    source = GLOBAL if scope.global_endpoint else INFERRED
    is_s3 = scheme != "sigv2"
    if service is not None:
        service_source = EXPLICIT
    elif is_s3 and scope.service in (None, "s3"):
        service = "s3"
        service_source = source if scope.service == "s3" else S3_SCHEME
    elif scope.service is not None:
        service, service_source = scope.service, source
    else:
        raise InvalidOption(f"option 'service' is required: {scope.reason}", field="service")
    if region is not None:
        region_source = EXPLICIT
    elif scope.region is not None:
        region, region_source = scope.region, source
    else:
        hint = " (S3-compatible stores often accept 'us-east-1')" if is_s3 else ""
        raise InvalidOption(f"option 'region' is required: {scope.reason}{hint}", field="region")
    return _Scope(region, region_source, service, service_source, scope.reason)


def _lifetime(
    request: Request, time: _dt.datetime, expires: Optional[int], notes: List[str]
) -> int:
    if expires is not None:
        check_expires(expires)
        notes.append(f"lifetime {expires} s: given")
        return expires
    _, auth = s3_v2.split_query_auth(request.query_pairs())
    text = one_value([(n, percent_decode_str(v)) for n, v in auth], "Expires", "s3-v2-query")
    if not text.isdigit() or not text.isascii():
        raise MigrationError(
            f"query parameter 'Expires' {text!r} is not epoch seconds", field="Expires"
        )
    remaining = int(text) - epoch_seconds(time)
    until = iso8601(_dt.datetime.fromtimestamp(int(text), _dt.timezone.utc))
    if remaining < 1:
        notes.append(
            f"the old URL expired at {until}, {-remaining} s before {iso8601(time)}; lifetime "
            "clamped to 1 s (pass expires= for a usable URL)"
        )
        return 1
    if remaining > MAX_EXPIRES:
        notes.append(
            f"the old URL ran until {until}; lifetime clamped to {MAX_EXPIRES} s, SigV4's "
            "maximum (7 days)"
        )
        return MAX_EXPIRES
    notes.append(f"lifetime {remaining} s: what remained of the old URL (until {until})")
    return remaining


def _predicted(scheme: str, token: bool) -> Tuple[Tuple[str, ...], Tuple[str, ...]]:
    """Headers and parameters SigV4 will add, for a result that is not signed yet."""
    if scheme == "s3-v2-query":
        params = [
            "X-Amz-Algorithm",
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-SignedHeaders",
            "X-Amz-Expires",
        ]
        if token:
            params.append("X-Amz-Security-Token")
        return (), (*params, "X-Amz-Signature")
    headers = ["X-Amz-Security-Token"] if token else []
    headers.append("X-Amz-Date")
    if scheme == "s3-v2":
        headers.append("x-amz-content-sha256")
    return (*headers, "Authorization"), ()


# -- the entry point ---------------------------------------------------------------------------


def migrate(
    request: Union[Request, str],
    credentials: Optional[Credentials] = None,
    *,
    verify: bool = False,
    region: Optional[str] = None,
    service: Optional[str] = None,
    at: Optional[_dt.datetime] = None,
    expires: Optional[int] = None,
    s3_options: Optional[Mapping[str, Any]] = None,
) -> MigrationResult:
    """Turn a SigV2-signed request into the equivalent SigV4 request.

    ``request`` is a :class:`~signers.Request` (a ``str`` is taken as a GET URL).  With
    ``credentials`` the result is signed at ``at`` (default now); ``verify=True`` first checks
    the old signature with the credentials' secret.  ``region`` / ``service`` override what the
    host says (and are required when it says nothing).  ``expires`` (seconds) sets the lifetime
    of a migrated presigned URL; by default it is what remained of the old one at ``at``,
    clamped to 1 ... 604800.  ``s3_options`` (``bucket``, ``virtual_host_suffix``,
    ``addressing``, ``extra_sub_resources``) tell verification how an S3-compatible endpoint
    addresses buckets.
    """
    request = _checked_input(request, credentials, verify)
    time = resolve_time(at)
    scheme = detect_scheme(request)
    if expires is not None and scheme != "s3-v2-query":
        raise InvalidOption(
            f"option 'expires' applies to presigned URLs; this request is {scheme} "
            "(migrated to header-signed sigv4)",
            field="expires",
        )
    notes: List[str] = []
    verified = _verified(request, scheme, credentials, verify, s3_options, time, notes)
    stripped, removed, removed_headers, token = strip(request, scheme, notes)
    scope = _scope(request, scheme, region, service)
    options: Dict[str, Any] = {"region": scope.region, "service": scope.service}
    if scheme != "sigv2":
        options["s3"] = True
    if scheme == "s3-v2-query":
        options["expires"] = _lifetime(request, time, expires, notes)
    notes.extend(_scope_notes(scope.service, scope.region_source))
    token_text = _token_account(scheme, token, credentials)
    signer = _sigv4_signer(_signer_name(scheme), options)  # validates the options either way
    signed: Optional[SignedRequest] = None
    if credentials is not None:
        if credentials.access_key != old_access_key(request, scheme):
            notes.append("signing with another access key than the one that signed the request")
        signed = signer.sign(stripped, _with_token(credentials, token), time)
        added_headers = tuple(name for name, _ in signed.added_headers)
        added_parameters = tuple(name for name, _ in signed.added_query)
    else:
        added_headers, added_parameters = _predicted(scheme, token is not None)
    account = MigrationAccount(
        removed_parameters=tuple(removed),
        removed_headers=tuple(removed_headers),
        added_headers=added_headers,
        added_parameters=added_parameters,
        session_token=token_text,
        verified=verified,
        notes=tuple(notes),
        **scope._asdict(),
    )
    return MigrationResult(
        scheme=scheme,
        original=request,
        request=stripped,
        options=options,
        signed=signed,
        account=account,
        at=time,
        token=token,
    )


def _checked_input(
    request: Union[Request, str], credentials: Optional[Credentials], verify: bool
) -> Request:
    if isinstance(request, str):
        request = Request("GET", request)
    if not isinstance(request, Request):
        raise InvalidRequest(
            f"request: expected signers.Request or a URL, got {type(request).__name__}",
            field="request",
        )
    if credentials is not None and not isinstance(credentials, Credentials):
        raise InvalidCredentials(
            f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
            field="credentials",
        )
    if verify is not True and verify is not False:
        raise InvalidOption(
            f"option 'verify' must be True or False, got {verify!r}", field="verify"
        )
    return request


def _verified(
    request: Request,
    scheme: str,
    credentials: Optional[Credentials],
    verify: bool,
    s3_options: Optional[Mapping[str, Any]],
    time: _dt.datetime,
    notes: List[str],
) -> Optional[bool]:
    """``True`` when the request verifies at ``time`` as a server would check it, ``False``
    when only its time is refused (the reason goes to ``notes``), ``None`` when not asked;
    anything else raises :class:`MigrationError`."""
    if not verify:
        if s3_options is not None:
            s3_signer(s3_options)  # validate it all the same
        return None
    if credentials is None:
        raise InvalidCredentials(
            "credentials: verify=True needs the credentials whose secret signed the request",
            field="credentials",
        )
    refusal = verify_old_signature(request, scheme, credentials, s3_options, at=time)
    if refusal is None:
        return True
    notes.append(
        f"the old signature matches, but a server would refuse the request at {iso8601(time)}: "
        f"{refusal}"
    )
    return False


def _scope_notes(service: str, region_source: str) -> List[str]:
    notes = []
    if service in SIGV2_ONLY_SERVICES:
        notes.append(
            f"service {service!r}: AWS's SDKs still sign it with Signature Version 2 only; "
            "the server may refuse SigV4"
        )
    if region_source == GLOBAL and service == "s3":
        notes.append(
            "a bucket outside us-east-1 needs region= (S3 answers AuthorizationHeaderMalformed "
            "naming the expected region)"
        )
    return notes


def _token_account(scheme: str, token: Optional[str], credentials: Optional[Credentials]) -> str:
    own = credentials.token if credentials is not None else None
    if token is None:
        return "none" if own is None else "the credentials'"
    if own is None:
        where = "SecurityToken" if scheme == "sigv2" else S3_TOKEN
        return f"moved from the request's {where} to the credentials"
    if own == token:
        return "the credentials' (the same as the request's)"
    return "the credentials' (replaces the one the request carried)"
