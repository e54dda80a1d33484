"""Which scheme signed a request: the one detector (verification, ``serve`` and ``migrate`` use it).

The scheme is read from the request itself:

==========================================================  ===============
what the request carries                                    scheme
==========================================================  ===============
``Authorization: AWS4-HMAC-SHA256 ...``                     ``sigv4``
query ``X-Amz-Algorithm=AWS4-HMAC-SHA256``                  ``sigv4-query``
``Authorization: AWS4-ECDSA-P256-SHA256 ...``               ``sigv4a``
query ``X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256``            ``sigv4a-query``
``Authorization: AWS AKID:signature``                       ``s3-v2``
``SignatureVersion`` in the query or a form body            ``sigv2``
query ``AWSAccessKeyId`` or ``Signature`` (see below)       ``s3-v2-query``
==========================================================  ===============

A request with ``AWSAccessKeyId`` or ``Signature`` but no ``SignatureVersion`` is SigV2 when it
also carries ``SignatureMethod``, ``Timestamp`` or ``Action``, or puts them in a form body (its
verifier then reports the missing ``SignatureVersion``), else an S3 presigned URL (whose
verifier reports what is missing of ``AWSAccessKeyId``, ``Expires`` and ``Signature``).
Detection reads no more than it needs: the strict parse of each scheme is its verifier's.
"""

from __future__ import annotations

from typing import Dict, List, NamedTuple, Optional, Tuple

from .._arguments import check_request
from .._core.sigv2 import FORM_CONTENT_TYPE as _FORM
from .._core.sigv2 import SIGV2_PARAMETER_ORDER as _SIGV2_SINGLE
from .._core.sigv2 import SIGV2_PARAMETERS as _SIGV2_SINGLE_SET
from .._core.sigv4 import ALGORITHM, ECDSA_ALGORITHM
from .._encoding import HEADER_BLANKS, percent_decode_str, split_query
from ..errors import (
    IncompleteSignature,
    InvalidArgument,
    MissingAuthenticationToken,
    UnsupportedAuthorization,
)
from ..model import Request
from .answers import ONLY_ONE

__all__ = [
    "Detected",
    "detect",
    "named_pairs",
    "form_value",
    "decoded_pairs",
    "form_pairs",
    "SCHEMES",
]

#: Every scheme the detector names.
SCHEMES = ("sigv4", "sigv4-query", "sigv4a", "sigv4a-query", "sigv2", "s3-v2", "s3-v2-query")


class Detected(NamedTuple):
    """What the request says about itself before any check: scheme, access key, scope."""

    scheme: str
    access_key: str
    region: Optional[str]
    service: Optional[str]


# -- reading the query and a form body -----------------------------------------------------------


def named_pairs(raw: str) -> List[Tuple[str, str]]:
    """``(decoded name, raw value)`` pairs: detection reads every name but few values."""
    return [(percent_decode_str(n) if "%" in n else n, v) for n, v in split_query(raw)]


def form_value(raw: str) -> str:
    """A raw value of :func:`named_pairs`, decoded as a form does (``+`` is a space)."""
    return percent_decode_str(raw.replace("+", " ") if "+" in raw else raw)


def decoded_pairs(raw: str) -> List[Tuple[str, str]]:
    """Names and values of a query or form text, decoded as a form does."""
    return [(n, form_value(v)) for n, v in named_pairs(raw)]


def form_pairs(request: Request, *, decoded: bool = True) -> List[Tuple[str, str]]:
    """The pairs of an ``application/x-www-form-urlencoded`` body, else ``[]``."""
    body = request.body
    if not isinstance(body, bytes) or not body:  # (no form without a body: no header lookup)
        return []
    content_type = (request.header("content-type") or "").split(";")[0].strip(HEADER_BLANKS).lower()
    if content_type != _FORM:
        return []
    text = body.decode("latin-1")
    return decoded_pairs(text) if decoded else named_pairs(text)


def _form_has_signature(request: Request) -> bool:
    """Whether a form body carries a SigV2 ``Signature`` (checked cheaply first: the content
    type before a scan of the body, which may be a large upload)."""
    body = request.body
    content_type = request.header("content-type")
    if content_type is None or _FORM not in content_type.lower():
        return False
    if not isinstance(body, bytes) or b"Signature" not in body:
        return False
    return any(n == "Signature" for n, _ in form_pairs(request, decoded=False))


def _peek_sigv4_scope(credential: str) -> Tuple[str, Optional[str], Optional[str]]:
    parts = credential.split("/")
    if len(parts) == 5:
        return parts[0], parts[2] or None, parts[3] or None
    if len(parts) == 4:  # SigV4A: no region in the scope (the region set travels beside it)
        return parts[0], None, parts[2] or None
    return parts[0], None, None


def _sigv4_credential(value: str) -> str:
    # The Credential component of an Authorization header, found loosely; strict parsing is the
    # verifier's job and reports the precise error.
    rest = value.partition(" ")[2]
    if rest.startswith("Credential="):  # (as signers write it: the first piece, found in C)
        return rest[11:].partition(",")[0].strip(HEADER_BLANKS)
    for piece in rest.split(","):
        key, _, component = piece.strip(HEADER_BLANKS).partition("=")
        if key.strip(HEADER_BLANKS) == "Credential":
            return component.strip(HEADER_BLANKS)
    return ""


# -- detection ---------------------------------------------------------------------------------


def detect(request: Request) -> Detected:
    """Read the scheme, the access key and (SigV4) the region and service from ``request``.

    Raises :class:`~signers.errors.MissingAuthenticationToken` when the request is not signed,
    and another :class:`~signers.errors.VerificationError` when it mixes schemes or the
    Authorization header is of no known type.
    """
    if type(request) is not Request:
        check_request(request)
    query = named_pairs(request.query) if request.query else []  # (values decoded where read)
    authorizations = request.header_values("authorization")
    if authorizations:
        return _from_authorization(request, authorizations, query)
    lowered: Dict[str, str] = {}
    for name, value in query:
        lowered.setdefault(name.lower(), value)
    if "x-amz-algorithm" in lowered:
        return _from_presigned_v4(lowered)
    return _from_legacy_parameters(request, query)


def _from_authorization(
    request: Request, authorizations: List[str], query: List[Tuple[str, str]]
) -> Detected:
    if len(authorizations) > 1:
        raise IncompleteSignature(
            "the Authorization header appears more than once", field="Authorization"
        )
    value = authorizations[0].strip(HEADER_BLANKS)
    if (
        query
        and any(
            n == "Signature" or n.lower() in ("x-amz-algorithm", "x-amz-signature")
            for n, _ in query
        )
    ) or _form_has_signature(request):
        raise InvalidArgument(ONLY_ONE, field="Authorization")
    algorithm = value.partition(" ")[0]
    if algorithm in (ALGORITHM, ECDSA_ALGORITHM):
        access_key, region, service = _peek_sigv4_scope(_sigv4_credential(value))
        if algorithm == ALGORITHM:
            return Detected("sigv4", access_key, region, service)
        region_set = request.header("x-amz-region-set")
        return Detected(
            "sigv4a", access_key, region_set and region_set.strip(HEADER_BLANKS), service
        )
    if algorithm == "AWS":
        access_key, colon, signature = value[4:].strip(HEADER_BLANKS).partition(":")
        if not colon or not access_key or not signature:
            raise InvalidArgument(
                "AWS authorization header is invalid.  Expected AwsAccessKeyId:signature",
                field="Authorization",
            )
        return Detected("s3-v2", access_key, None, "s3")
    raise InvalidArgument("Unsupported Authorization Type", field="Authorization")


def _from_presigned_v4(lowered: Dict[str, str]) -> Detected:
    # (lowered: the first raw value of each lower-cased name; the strict parse judges repeats)
    credential = form_value(lowered.get("x-amz-credential", ""))
    access_key, region, service = _peek_sigv4_scope(credential)
    if form_value(lowered["x-amz-algorithm"]) == ECDSA_ALGORITHM:
        return Detected("sigv4a-query", access_key, lowered.get("x-amz-region-set"), service)
    return Detected("sigv4-query", access_key, region, service)


def _from_legacy_parameters(request: Request, query: List[Tuple[str, str]]) -> Detected:
    # SigV2 parameters may sit in the URL query and in a form body (whatever the method, as the
    # signer reads them); together they are signed.
    form = form_pairs(request, decoded=False)
    all_names = {n for n, _ in query}
    if form:
        all_names.update(n for n, _ in form)
    # The SigV2 parameters, each with its (raw) values, in one pass.
    sigv2_values: Dict[str, List[str]] = {}
    for name, raw_value in query + form:
        if name in _SIGV2_SINGLE_SET:
            sigv2_values.setdefault(name, []).append(raw_value)
    version = sigv2_values.get("SignatureVersion")
    if version is not None and len(version) > 1:
        raise IncompleteSignature("SignatureVersion appears more than once", field="query")
    if version is not None and form_value(version[0]).strip() != "2":
        raise UnsupportedAuthorization(
            f"SignatureVersion {form_value(version[0])!r} is not supported; use 2 or "
            "AWS4-HMAC-SHA256",
            field="SignatureVersion",
        )
    signed = "AWSAccessKeyId" in all_names or "Signature" in all_names
    if version is not None or (
        signed
        and (
            "SignatureMethod" in all_names
            or "Timestamp" in all_names
            or "Action" in all_names  # every query API call names its action; S3 has none
            or any(n in ("AWSAccessKeyId", "Signature") for n, _ in form)
        )
    ):
        for name in _SIGV2_SINGLE:  # a repeated parameter is reported first, as the verifier does
            if len(sigv2_values.get(name, ())) > 1:
                raise IncompleteSignature(f"{name} appears more than once", field="query")
        key_v2 = form_value(sigv2_values.get("AWSAccessKeyId", [""])[0])
        if not key_v2:
            raise MissingAuthenticationToken(
                "The request must contain either a valid (registered) AWS access key ID or "
                "X.509 certificate.",
                field="AWSAccessKeyId",
            )
        return Detected("sigv2", key_v2, None, None)
    if signed and any(n in ("AWSAccessKeyId", "Signature") for n, _ in query):
        # Whatever is missing of AWSAccessKeyId / Expires / Signature, the verifier reports.
        keys = [v for n, v in decoded_pairs(request.query) if n == "AWSAccessKeyId"]
        if len(keys) > 1:
            raise InvalidArgument("query: AWSAccessKeyId appears more than once", field="query")
        return Detected("s3-v2-query", keys[0] if keys else "", None, "s3")
    raise MissingAuthenticationToken(
        "Request is missing Authentication Token (no Authorization header, no signed query)",
        field="Authorization",
    )
