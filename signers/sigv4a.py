"""AWS Signature Version 4A (SigV4A, ``AWS4-ECDSA-P256-SHA256``): header and presigned-URL forms.

SigV4 with an asymmetric key, so that one signature is valid in several regions:

1. canonical request = SigV4's (same functions, :mod:`signers.sigv4`), with the region *set*
   signed as the ``X-Amz-Region-Set`` header (query form: parameter) -- ``*``, one region or a
   comma-separated list -- since the region is no longer part of the scope;
2. credential scope = ``date/service/aws4_request``;
3. string to sign = ``AWS4-ECDSA-P256-SHA256``, the request time, the scope and the hex SHA-256
   of the canonical request, joined by newlines;
4. signing key = an ECDSA P-256 private key derived from the access key id and the secret
   (NIST SP 800-108 KDF in counter mode over HMAC-SHA256: ``_crypto.sigv4a_private_value``);
5. signature = hex of the DER-encoded ECDSA signature of SHA-256(string to sign).  ECDSA is
   randomized: two signatures of one request differ, and a signature is checked by *verifying*
   it with the public key, never by comparing it.

This scheme is an optional extra: ECDSA is not in the standard library and sigbridge does not
write its own elliptic-curve code.  ``cryptography`` is imported only when a signer is built or a
signature checked; without it a :class:`~signers.errors.MissingDependency` says what to install.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Mapping, Optional, Tuple, Union

from ._arguments import check_arguments
from ._core.sigv4 import ECDSA_ALGORITHM, region_set_scope
from ._core.sigv4 import authorization_header as _authorization_header
from ._core.sigv4 import string_to_sign as _string_to_sign
from ._ecdsa_loader import MISSING_CRYPTOGRAPHY, ecdsa_backend
from ._query_form import presign_query_form
from ._signer_base import ByPlacement as _ByPlacement
from ._signer_base import Preset
from ._time import resolve_time, short_date
from .errors import AlreadySigned, InvalidOption, InvalidRequest
from .model import Credentials, Request, SignedRequest
from .options import SigV4AOptions
from .sigv4 import FEATURES, SigV4Family, sign_header_form

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._arguments import CredentialsLike
    from .protocols import SigV4AKwargs

__all__ = [
    "ALGORITHM",
    "MISSING_CRYPTOGRAPHY",
    "SigV4ASigner",
    "SigV4AQuerySigner",
    "credential_scope",
    "string_to_sign",
    "authorization_header",
    "public_key",
    "verify_signature",
    "s3v4a",
    "s3v4a_query",
]

ALGORITHM = ECDSA_ALGORITHM

REGION_SET_HEADER = "X-Amz-Region-Set"
_REGION_SET = "x-amz-region-set"

_DESCRIPTIONS = (
    "SigV4A (AWS4-ECDSA-P256-SHA256, multi-region) in the Authorization header",
    "SigV4A presigned URL (X-Amz-* query parameters, X-Amz-Region-Set)",
)
_FEATURE_SETS = (FEATURES | {"sigv4a:header", "aws-chunked"}, FEATURES | {"sigv4a:query"})


def require_cryptography() -> None:
    """Import the ECDSA backend, or raise :class:`MissingDependency` with what to install."""
    ecdsa_backend()


# -- the pure stages -----------------------------------------------------------------------------


def credential_scope(date: str, service: str) -> str:
    """``date/service/aws4_request``: SigV4's scope without the region."""
    return region_set_scope(date, service)


def string_to_sign(request_time: str, scope: str, canonical_request_text: str) -> str:
    """``AWS4-ECDSA-P256-SHA256\n<time>\n<scope>\n<hex sha256 of the canonical request>``."""
    return _string_to_sign(request_time, scope, canonical_request_text, ALGORITHM)


def authorization_header(access_key: str, scope: str, signed_headers: str, signature: str) -> str:
    """The Authorization value, laid out as SigV4's (comma and one space between the parts)."""
    return _authorization_header(access_key, scope, signed_headers, signature, ALGORITHM)


def public_key(credentials: Credentials) -> Tuple[str, str]:
    """The SigV4A public key of ``credentials``: hex X and Y (aws-c-auth's ``public-key.json``)."""
    if not isinstance(credentials, Credentials):
        raise InvalidRequest(
            f"credentials: expected signers.Credentials, got {type(credentials).__name__}",
            field="credentials",
        )
    require_cryptography()
    from . import _ecdsa

    return _ecdsa.public_key_xy(_ecdsa.private_key(credentials.access_key, credentials.secret_key))


def verify_signature(
    string_to_sign: str,
    signature: str,
    public_key: Union[Tuple[str, str], Mapping[str, str]],
) -> bool:
    """Whether ``signature`` (hex DER ECDSA) signs ``string_to_sign`` under ``public_key``.

    ``public_key`` is ``(X, Y)`` in hex, or a mapping with ``"X"`` and ``"Y"`` (the form of
    aws-c-auth's ``public-key.json``).  A point that is not on P-256 is an
    :class:`~signers.errors.InvalidOption`.
    """
    require_cryptography()
    from . import _ecdsa

    if isinstance(public_key, Mapping):
        x_hex, y_hex = public_key.get("X"), public_key.get("Y")
    else:
        x_hex, y_hex = tuple(public_key) if len(public_key) == 2 else (None, None)
    try:
        key = _ecdsa.public_key_from_xy(str(x_hex), str(y_hex))
    except (TypeError, ValueError):
        raise InvalidOption(
            "public_key: expected hex X and Y of a point on P-256", field="public_key"
        ) from None
    return _ecdsa.verify(key, string_to_sign.encode("utf-8"), signature)


def _signature(credentials: Credentials, sts: str) -> str:
    from . import _ecdsa

    key = _ecdsa.private_key(credentials.access_key, credentials.secret_key)
    return _ecdsa.sign(key, sts.encode("utf-8"))


def _refuse_region_set(request: Request, scheme: str) -> None:
    if request.has_header(_REGION_SET):
        raise AlreadySigned(
            f"header {_REGION_SET!r} already present; {scheme} adds it from the option "
            "'region_set'",
            field=_REGION_SET,
        )
    if request.query:
        for name, _ in request.query_pairs():
            if name.lower() == _REGION_SET:
                raise AlreadySigned(
                    f"query parameter {name!r} already present; {scheme} adds it from the "
                    "option 'region_set'",
                    field=name,
                )


# -- the signers ----------------------------------------------------------------------------------


class SigV4ASigner(SigV4Family):
    """``sigv4a`` (``placement="header"``) and ``sigv4a-query`` (``placement="query"``).

    Options (keyword-only): ``region_set`` (``"*"``, a region, ``"us-east-1,us-west-2"`` or a list;
    ``region=`` is taken for one region), ``service``, and SigV4's ``placement`` / ``expires``,
    ``normalize_path``, ``double_encode``, ``sign_body``, ``session_token`` (``"signed"`` /
    ``"unsigned"``), ``unsigned_headers`` and ``s3=True`` (S3's preset).  Needs the
    ``cryptography`` package.
    """

    NAMES = ("sigv4a", "sigv4a-query")
    OPTIONS = SigV4AOptions
    name = _ByPlacement(*NAMES)
    description = _ByPlacement(*_DESCRIPTIONS)
    features = _ByPlacement(*_FEATURE_SETS)
    #: ECDSA signatures differ on every call: a harness verifies them (verify_signature) with the
    #: public key instead of comparing them.
    public_key = staticmethod(public_key)
    verify_signature = staticmethod(verify_signature)

    __slots__ = ()
    options: SigV4AOptions

    def __init__(self, **options: Unpack[SigV4AKwargs]) -> None:
        super().__init__(**options)
        require_cryptography()

    def sign(
        self, request: Request, credentials: CredentialsLike, at: Optional[_dt.datetime] = None
    ) -> SignedRequest:
        """Sign ``request`` (a presigned URL with ``placement="query"``); the result carries a
        new request and the artifacts."""
        credentials = check_arguments(request, credentials)
        time = resolve_time(at)
        opts = self.options
        _refuse_region_set(request, self._scheme)
        form = presign_query_form if opts.placement == "query" else sign_header_form
        return form(
            self._scheme,
            opts,
            request,
            credentials,
            time,
            scope=credential_scope(short_date(time), opts.service),
            sign=lambda sts: _signature(credentials, sts),
            algorithm=ALGORITHM,
            extra=((REGION_SET_HEADER, opts.region_set),),
        )


SigV4AQuerySigner: Preset[SigV4ASigner] = Preset(
    SigV4ASigner, "sigv4a-query", _DESCRIPTIONS[1], placement="query"
)
s3v4a: Preset[SigV4ASigner] = Preset(
    SigV4ASigner, "sigv4a", "sigv4a with the S3 preset (s3=True)", s3=True, service="s3"
)
s3v4a_query: Preset[SigV4ASigner] = Preset(
    SigV4ASigner,
    "sigv4a-query",
    "sigv4a-query with the S3 preset (s3=True)",
    placement="query",
    s3=True,
    service="s3",
)
