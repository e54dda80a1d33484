"""Session tokens and signatures masked in the error answers ``serve`` and ``proxy`` send.

A verification error carries what the server computed: S3's ``<CanonicalRequest>`` and
``<StringToSign>`` (and their ``...Bytes`` forms), the query and JSON services' message that
spells them out, and details such as ``<SignatureProvided>``.  Those texts can hold the
request's session token (a signed ``x-amz-security-token`` header or ``X-Amz-Security-Token`` /
``SecurityToken`` parameter) and quote its signature.  :func:`masked` returns a copy of the
error where

- the library's one masking rule (:func:`signers._redact.redact`) applies to the message, the
  canonical request, the string to sign and the details: a line ``x-amz-security-token:VALUE``
  reads ``x-amz-security-token:<masked>``, a parameter ``X-Amz-Security-Token``,
  ``SecurityToken``, ``Signature`` or ``X-Amz-Signature`` reads ``NAME=<masked>``;
- ``<SignatureProvided>`` reads ``<masked>``;
- any other occurrence of this request's token or signature (as sent, percent-decoded or
  percent-encoded, 8 characters or longer) reads ``<masked>``: the part no pattern can know.

The structure is kept (line count, names, access key id, scope, signed headers, hashes), so
``sigbridge diff`` still compares line by line (it masks its own side the same way).  The
string to sign still holds the hash of the real canonical request, which a masked canonical
request no longer hashes to.
"""

from __future__ import annotations

from typing import List, Set, Tuple

from .._encoding import percent_decode_str, uri_encode
from .._redact import MASK, SECRET_HEADERS, redact
from ..errors import VerificationError
from ..model import Request

__all__ = ["MASK", "masked", "secret_values"]

_TOKEN_PARAMS = frozenset({"x-amz-security-token", "securitytoken"})
_SIGNATURE_PARAMS = frozenset({"x-amz-signature", "signature"})
_SHORTEST = 8  # shorter values are masked only where their structure says so


def _form_pairs(request: Request) -> List[Tuple[str, str]]:
    content_type = (request.header("content-type") or "").lower()
    body = request.body
    if not content_type.startswith("application/x-www-form-urlencoded"):
        return []
    if not isinstance(body, bytes) or len(body) > 1024 * 1024:
        return []
    text = body.decode("latin-1")
    pairs = []
    for piece in text.split("&"):
        name, _, value = piece.partition("=")
        if piece:
            pairs.append((name, value))
    return pairs


def secret_values(request: Request) -> Set[str]:
    """The session tokens and signatures ``request`` carries, in every spelling that an error
    text may quote (as sent, decoded, encoded)."""
    found: Set[str] = set()
    for name, value in request.headers:
        lowered = name.lower()
        if lowered in SECRET_HEADERS:
            found.add(value.strip())
        elif lowered == "authorization":
            scheme, _, rest = value.strip().partition(" ")
            if scheme == "AWS":
                found.add(rest.rpartition(":")[2].strip())
            for piece in rest.split(","):
                key, _, component = piece.strip().partition("=")
                if key.strip() == "Signature":
                    found.add(component.strip())
    for name, value in list(request.query_pairs()) + _form_pairs(request):
        lowered = percent_decode_str(name).lower()
        if lowered in _TOKEN_PARAMS or lowered in _SIGNATURE_PARAMS:
            found.add(value)
            decoded = percent_decode_str(value)
            form = percent_decode_str(value.replace("+", " "))
            found.update((decoded, form, uri_encode(decoded)))
    return {value for value in found if len(value) >= _SHORTEST}


def _mask_values(text: str, values: Set[str]) -> str:
    text = redact(text)
    for value in sorted(values, key=len, reverse=True):
        if value in text:
            text = text.replace(value, MASK)
    return text


def masked(err: VerificationError, request: Request) -> VerificationError:
    """A copy of ``err`` with ``request``'s session token and signature masked (see above)."""
    values = secret_values(request)
    copy: VerificationError = VerificationError.__new__(type(err))
    copy.__dict__.update(err.__dict__)
    message = _mask_values(err.message, values)
    copy.message = message
    copy.args = (message,)
    if err.canonical_request is not None:
        copy.canonical_request = _mask_values(err.canonical_request, values)
    if err.string_to_sign is not None:
        copy.string_to_sign = _mask_values(err.string_to_sign, values)
    copy.details = tuple(
        (name, MASK if name == "SignatureProvided" else _mask_values(value, values))
        for name, value in err.details
    )
    return copy
