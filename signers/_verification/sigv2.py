"""Verification of AWS Signature Version 2 (query APIs), as the query services answer.

A verifier reads the SigV2 parameters strictly (URL query and form body), checks the time, the
access key and the session token, recomputes the string to sign over every parameter sent (less
``Signature``) with the scheme's own stage functions (:mod:`signers._core.sigv2`), and compares
signatures in constant time.  No option of the signer plays a part: the request says all it was
signed with.

The answers (XML ``<ErrorResponse>``):

- a SigV2 parameter missing: ``MissingParameter`` 400 "The request must contain the parameter
  Signature." (the query APIs' common errors; the wording SigV2 services answer); no
  ``AWSAccessKeyId``: ``MissingAuthenticationToken`` 403 (the common error for a request without
  an access key);
- a parameter sent twice: ``IncompleteSignature`` 400 (the signature does not conform);
- ``SignatureVersion`` other than 2: ``InvalidRequest`` 400 (unsupported mechanism), an unknown
  ``SignatureMethod`` or an unreadable time: ``InvalidParameterValue`` 400, ``Timestamp`` and
  ``Expires`` together: ``InvalidParameterCombination`` 400 (SQS's documented example);
- ``Timestamp`` more than ``max_skew`` away from the server's clock, or ``Expires`` passed more
  than ``max_skew`` ago: ``RequestExpired`` 400 "Request has expired. Timestamp date is ..." (what
  SigV2 services answer; the common errors describe the same 15-minute window both ways);
- signature differs: ``SignatureDoesNotMatch`` 403, carrying the string to sign;
- wrong or unexpected ``SecurityToken``: ``InvalidClientTokenId`` 403, as for SigV4.

The common case takes a one-pass path (:func:`parse_fast`, :func:`verify_fast`): the same checks
and values, and ``None`` at the first doubt, after which the step-by-step path
(:func:`parse_strict`, :func:`verify_steps`) decides and reports; :mod:`.legacy` runs them.
"""

from __future__ import annotations

import datetime as _dt
from hmac import compare_digest
from operator import itemgetter
from typing import Dict, List, Optional, Sequence, Tuple

from .. import _crypto
from .._arguments import check_request
from .._core.sigv2 import (
    SIGNATURE_METHODS,
    SIGV2_PARAMETER_ORDER,
    compute_signature,
    is_form,
    name_key,
    parse_params,
    read_query,
    request_host,
    string_to_sign,
    string_to_sign_from,
    strip_default_port,
)
from .._time import UTC, iso8601, keep_last, parse_amz_date, resolve_time
from ..errors import (
    IncompleteSignature,
    InvalidArgument,
    InvalidParameterCombination,
    InvalidParameterValue,
    InvalidTime,
    MissingAuthenticationToken,
    MissingParameter,
    RequestExpired,
    SignatureDoesNotMatch,
    UnsupportedAuthorization,
    VerificationError,
)
from ..model import Artifacts, Request
from .answers import FLAVORS, ONLY_ONE, check_credentials, shown, skew
from .legacy_auth import (
    LegacyAuth,
    LegacyCheck,
    fast_values,
    signature_matches,
)

__all__ = ["parse_fast", "parse_strict", "verify_fast", "verify_steps"]

Pair = Tuple[str, str]

_FLAVOR = FLAVORS[False, True]  # the query services' answers
_tuple_new = tuple.__new__
_first = itemgetter(0)

_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)
_NO_ACCESS_KEY = (
    "The request must contain either a valid (registered) AWS access key ID or X.509 certificate."
)


# -- parse, step by step -------------------------------------------------------------------------


def _sigv2_time(value: str, field: str) -> _dt.datetime:
    """An ISO 8601 time; without an offset it is UTC (AWS's own examples send it so)."""
    text = value.strip()
    try:
        if len(text) == 16 and text[8:9] == "T" and text.endswith("Z"):
            return parse_amz_date(text, field=field)
        if text.endswith(("Z", "z")):
            text = text[:-1] + "+00:00"
        parsed = _dt.datetime.fromisoformat(text)
        if parsed.tzinfo is None:
            parsed = parsed.replace(tzinfo=UTC)
        return resolve_time(parsed, field=field)
    except (InvalidTime, ValueError, OverflowError, TypeError):
        raise InvalidParameterValue(
            f"Value ({shown(value)}) for parameter {field} is invalid. Expected an ISO 8601 "
            "date and time such as 2011-10-03T15:19:30Z.",
            field=field,
        ) from None


def _sigv2_params(request: Request) -> List[Pair]:
    """Every parameter sent, URL query first, then a form body (the order SigV2 signs in)."""
    params = parse_params(request.query)
    if is_form(request):
        body = request.body
        if not isinstance(body, bytes):
            raise IncompleteSignature(
                "body: the form-encoded body must be given as bytes to verify sigv2 (its "
                "parameters are signed)",
                field="body",
            )
        # Raw bytes that are not UTF-8 survive as surrogate escapes; they are signed as sent.
        params += parse_params(body.decode("utf-8", "surrogateescape"))
    return params


def _single_params(params: Sequence[Pair]) -> Dict[str, str]:
    """The SigV2 parameters among ``params``, each sent once."""
    found: Dict[str, str] = {}
    for name, value in params:
        if name in SIGV2_PARAMETER_ORDER:
            if name in found:
                raise IncompleteSignature(
                    f"The parameter {name} appears more than once; each SigV2 parameter is sent "
                    "once.",
                    field=name,
                )
            found[name] = value
    return found


def _missing(name: str) -> MissingParameter:
    return MissingParameter(f"The request must contain the parameter {name}.", field=name)


def _required(found: Dict[str, str], name: str) -> str:
    value = found.get(name)
    if value is None:
        raise _missing(name)
    return value


def _check_version_and_method(found: Dict[str, str]) -> str:
    """``SignatureVersion`` 2 and a known ``SignatureMethod``, which is returned."""
    version = _required(found, "SignatureVersion")
    if version != "2":
        raise UnsupportedAuthorization(
            f"SignatureVersion {shown(version)} is not supported; use 2 or AWS4-HMAC-SHA256",
            field="SignatureVersion",
        )
    method = _required(found, "SignatureMethod")
    if method not in SIGNATURE_METHODS:
        raise InvalidParameterValue(
            f"Value ({shown(method)}) for parameter SignatureMethod is invalid. Valid values: "
            f"{', '.join(SIGNATURE_METHODS)}.",
            field="SignatureMethod",
        )
    return method


def parse_strict(request: Request) -> LegacyAuth:
    """Read the SigV2 parameters of ``request`` (URL query and form body), strictly."""
    check_request(request)
    if request.has_header("authorization"):
        raise InvalidArgument(ONLY_ONE, field="Authorization")
    params = _sigv2_params(request)
    found = _single_params(params)
    access_key = found.get("AWSAccessKeyId", "")
    if not access_key:
        raise MissingAuthenticationToken(_NO_ACCESS_KEY, field="AWSAccessKeyId")
    method = _check_version_and_method(found)
    signature = found.get("Signature", "")
    if not signature:
        raise _missing("Signature")
    timestamp, expires = found.get("Timestamp"), found.get("Expires")
    if timestamp is not None and expires is not None:
        raise InvalidParameterCombination(
            "The parameter Timestamp cannot be used with the parameter Expires.", field="Expires"
        )
    request_time = expires_at = None
    if timestamp is not None:
        request_time = _sigv2_time(timestamp, "Timestamp")
    elif expires is not None:
        expires_at = _sigv2_time(expires, "Expires")
    else:
        raise MissingParameter(
            "The request must contain the parameter Timestamp or Expires.", field="Timestamp"
        )
    token = found.get("SecurityToken")
    return LegacyAuth(
        scheme="sigv2",
        access_key=access_key,
        signature=signature,
        tokens=() if token is None else (token,),
        request_time=request_time,
        request_time_text=timestamp or "",
        expires_at=expires_at,
        expires_text=expires or "",
        signature_method=method,
        params=tuple([(n, v) for n, v in params if n != "Signature"]),
    )


# -- verify, step by step ------------------------------------------------------------------------


def _check_time(parsed: LegacyAuth, now: _dt.datetime, max_skew: float) -> None:
    window = skew(max_skew)
    if parsed.request_time is not None:
        if now - parsed.request_time > window:
            raise RequestExpired(
                f"Request has expired. Timestamp date is {parsed.request_time_text}.",
                field="Timestamp",
            )
        if parsed.request_time - now > window:
            raise RequestExpired(
                f"Request is not yet valid. Timestamp date is {parsed.request_time_text}, more "
                f"than {max_skew:g} seconds after the server time {iso8601(now)}.",
                field="Timestamp",
            )
    elif parsed.expires_at is not None and now - parsed.expires_at > window:
        raise RequestExpired(
            f"Request has expired. Expires date is {parsed.expires_text}.", field="Expires"
        )


def verify_steps(check: LegacyCheck) -> Artifacts:
    """Verify the request (``parsed`` is what it claims) at ``now``, every check in turn; the
    artifacts.  ``options`` (the signer's) play no part."""
    _, request, credentials, parsed, now, max_skew = check
    _check_time(parsed, now, max_skew)
    check_credentials(parsed.access_key, parsed.tokens, credentials, _FLAVOR)
    params = parsed.params if parsed.params is not None else parse_strict(request).params
    assert params is not None
    sts = string_to_sign(request.method, request_host(request), request.path, params)
    signature = compute_signature(credentials.secret_key, sts, parsed.signature_method)
    if not signature_matches(parsed.signature, signature):
        raise SignatureDoesNotMatch(_MISMATCH, field="Signature", string_to_sign=sts)
    return Artifacts(
        canonical_request=None, string_to_sign=sts, signature=signature, signed_headers="host"
    )


# -- the common case in one pass ------------------------------------------------------------------
#
# The one-pass functions accept only what the step-by-step ones accept and compute the same values;
# at the first doubt they return None and the step-by-step code decides, and reports every failure.


def _time_or_none(value: str) -> Optional[_dt.datetime]:
    try:
        return _sigv2_time(value, "Timestamp")
    except VerificationError:
        return None


# :func:`_sigv2_time`, or None where it raises; the last one read is kept.
_sigv2_instant = keep_last(_time_or_none)


def parse_fast(request: Request, values: Dict[str, str]) -> Optional[LegacyAuth]:
    """:func:`parse_strict` of parameters in the URL query (no Authorization, no form body, no
    ``%`` in a parameter name).

    Builds the canonical query of the string to sign on the way (:func:`read_query`): each
    parameter is encoded once (kept as it is when already in canonical form).
    """
    if "authorization" in values or "content-type" in values:
        return None
    # (an encoded name takes the step-by-step path; detection relies on this too)
    pieces, found, ascii_names, encoded_names = read_query(request[7])
    if found is None:
        return None
    access_key = found.get("AWSAccessKeyId")
    method = found.get("SignatureMethod")
    signature = found.get("Signature")
    timestamp = found.get("Timestamp")
    expires = found.get("Expires")
    if (
        encoded_names
        or not access_key
        or found.get("SignatureVersion") != "2"
        or method not in SIGNATURE_METHODS
        or not signature
        or (timestamp is None) == (expires is None)
    ):
        return None
    instant = _sigv2_instant(timestamp if timestamp is not None else expires)  # type: ignore[arg-type]
    if instant is None:
        return None
    # by the UTF-8 bytes of the name: for ASCII names, code point order
    pieces.sort(key=_first if ascii_names else name_key)
    token = found.get("SecurityToken")
    return _tuple_new(
        LegacyAuth,
        (
            "sigv2",
            access_key,
            signature,
            () if token is None else (token,),
            instant if timestamp is not None else None,
            timestamp or "",
            instant if expires is not None else None,
            expires or "",
            method,
            None,
            "",
            "&".join([encoded for _, encoded in pieces]),
            values,
        ),
    )


def verify_fast(check: LegacyCheck) -> Optional[Artifacts]:
    """:func:`verify_steps` of a request that passes every check, else ``None``."""
    _, request, credentials, parsed, now, max_skew = check
    canonical = parsed.canonical_query
    values = fast_values(request, credentials, parsed)
    if canonical is None or values is None:
        return None
    allowed = skew(max_skew)
    when, expiry = parsed.request_time, parsed.expires_at
    if when is not None:
        if abs(now - when) > allowed:
            return None
    elif expiry is None or now - expiry > allowed:
        return None
    method, path = request[0], request[6]
    host = values.get("host")  # (request_host, of the one Host header)
    if host is None:
        host = request.host_header.lower()
    else:
        host = strip_default_port(host.strip().lower(), request[4])
    sts = string_to_sign_from(method, host, path, canonical)
    # (compute_signature and signature_matches written out: this path is measured)
    signature = _crypto.hmac_base64(
        credentials.secret_key,
        SIGNATURE_METHODS[parsed.signature_method],
        sts.encode("utf-8", "surrogateescape"),
    )
    provided = parsed.signature
    if not provided.isascii() or not compare_digest(provided, signature):
        return None
    return _tuple_new(Artifacts, (None, sts, signature, None, "host", None))
