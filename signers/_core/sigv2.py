"""AWS Signature Version 2 (query APIs) as the specification states it: parameters, canonical
query, string to sign, signature, and the signer's options.  Pure functions, shared by the signer
(:mod:`signers.sigv2`), verification and migration; see :mod:`signers.sigv2` for the algorithm.
"""

from __future__ import annotations

import datetime as _dt
from operator import itemgetter
from typing import (
    Any,
    Collection,
    Dict,
    FrozenSet,
    Iterable,
    List,
    Optional,
    Sequence,
    Tuple,
    Union,
)

from .. import _crypto
from .._encoding import (
    is_canonical_piece,
    is_canonical_query,
    percent_decode,
    percent_decode_str,
    uri_encode,
)
from .._http import DEFAULT_PORTS
from .._time import resolve_time
from ..errors import InvalidOption, InvalidRequest
from ..model import Request
from ..options import OptionsValue

# What signers.sigv2 re-exports (the public stages); the other functions here serve the one-pass
# paths of the signer and of verification.
__all__ = [
    "SigV2Options",
    "SIGNATURE_METHODS",
    "SIGV2_PARAMETERS",
    "SIGV2_PARAMETER_ORDER",
    "FORM_CONTENT_TYPE",
    "parse_params",
    "encode_params",
    "canonical_query_v2",
    "string_to_sign",
    "string_to_sign_from",
    "compute_signature",
    "request_host",
    "request_params",
    "is_form",
    "split_sigv2_params",
    "is_sigv2_signed",
]

Pair = Tuple[str, str]

#: ``SignatureMethod`` value -> hashlib name
SIGNATURE_METHODS = {"HmacSHA256": "sha256", "HmacSHA1": "sha1"}

#: The parameters SigV2 itself defines (what migration strips, what may appear only once), in the
#: order a verifier reports them.
SIGV2_PARAMETER_ORDER = (
    "AWSAccessKeyId",
    "SignatureVersion",
    "SignatureMethod",
    "Signature",
    "Timestamp",
    "Expires",
    "SecurityToken",
)
SIGV2_PARAMETERS: FrozenSet[str] = frozenset(SIGV2_PARAMETER_ORDER)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"


#: Where the signer puts the parameters: ``None`` chooses by the request (see :mod:`signers.sigv2`).
PLACEMENTS = (None, "query", "body")

_first = itemgetter(0)


# -- options -----------------------------------------------------------------------------------


def _check_expires(value: object) -> Union[int, _dt.datetime, None]:
    if value is None:
        return None
    if isinstance(value, _dt.datetime):
        return resolve_time(value, field="expires")
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidOption(
            "option 'expires' must be whole seconds (int) or an aware datetime, "
            f"got {type(value).__name__}",
            field="expires",
        )
    if value < 1:
        raise InvalidOption(
            f"option 'expires' is {value}; give a positive number of seconds", field="expires"
        )
    return value


class SigV2Options(OptionsValue):
    """Validated SigV2 signer settings: ``signature_method`` (``"HmacSHA256"`` or
    ``"HmacSHA1"``), ``placement`` (:data:`PLACEMENTS`) and ``expires`` (whole seconds after the
    signing time, or an aware datetime; ``None`` sends ``Timestamp``).  Verification needs none of
    them: a SigV2 request says all it was signed with."""

    __slots__ = ("expires", "placement", "signature_method")

    signature_method: str
    placement: Optional[str]
    expires: Union[int, _dt.datetime, None]

    def __init__(
        self,
        *,
        signature_method: str = "HmacSHA256",
        placement: Optional[str] = None,
        expires: Union[int, _dt.datetime, None] = None,
    ) -> None:
        if signature_method not in SIGNATURE_METHODS:
            raise InvalidOption(
                f"option 'signature_method' is {signature_method!r}; "
                "use 'HmacSHA256' or 'HmacSHA1'",
                field="signature_method",
            )
        if placement not in PLACEMENTS:
            raise InvalidOption(
                f"option 'placement' is {placement!r}; use 'query', 'body' or None (automatic)",
                field="placement",
            )
        self._set("signature_method", signature_method)
        self._set("placement", placement)
        self._set("expires", _check_expires(expires))

    def as_kwargs(self) -> Dict[str, Any]:
        return {
            "signature_method": self.signature_method,
            "placement": self.placement,
            "expires": self.expires,
        }


# -- pure functions ----------------------------------------------------------------------------


def parse_params(text: str) -> List[Pair]:
    """Decode ``application/x-www-form-urlencoded`` text into ``(name, value)`` pairs, in order.

    ``+`` is a space and ``%XX`` a byte; empty pieces (``a=1&&b=2``) are dropped and a piece
    without ``=`` has the empty value.  Bytes that are not UTF-8 survive as surrogate escapes, so
    :func:`encode_params` gives them back unchanged.
    """
    pairs: List[Pair] = []
    if not text:
        return pairs
    for piece in text.split("&"):
        if not piece:
            continue
        name, _, value = piece.partition("=")
        pairs.append((form_decode(name), form_decode(value)))
    return pairs


def form_decode(text: str) -> str:
    if "+" in text:
        text = text.replace("+", " ")
    if "%" not in text:
        return text
    return percent_decode(text).decode("utf-8", "surrogateescape")


def encode_params(params: Iterable[Pair]) -> str:
    """``name=value`` pairs joined with ``&``, each part percent-encoded per RFC 3986, in order."""
    return "&".join([uri_encode(n) + "=" + uri_encode(v) for n, v in params])


def encode_base64(text: str) -> str:
    """:func:`~signers._encoding.uri_encode` of base64 text (a signature), quicker: of its
    characters only ``+``, ``/`` and ``=`` are not unreserved."""
    return text.replace("+", "%2B").replace("/", "%2F").replace("=", "%3D")


def name_key(pair: Pair) -> bytes:
    return pair[0].encode("utf-8", "surrogateescape")


def read_query(query: str) -> Tuple[List[Pair], Optional[Dict[str, str]], bool, bool]:
    """A URL query's parameters as SigV2 reads them, in one pass (the one-pass signing and
    verification paths): ``(pieces, sigv2, ascii_names, encoded_names)``.

    ``pieces`` are ``(decoded name, "name=value" in canonical form)``, ``Signature`` left out;
    ``sigv2`` the decoded values of the parameters SigV2 defines by name, ``Signature`` among
    them (``None`` when one is repeated: then the rest is not read); ``ascii_names`` whether every
    name is ASCII (then code-point order is byte order); ``encoded_names`` whether a name was
    sent percent-encoded.  A piece already in canonical form (as signers write it) is kept as it
    is: decoded and encoded again, it is the same.
    """
    pieces: List[Pair] = []
    sigv2: Dict[str, str] = {}
    ascii_names = True
    encoded_names = False
    # A query in canonical form as a whole leaves one test per piece: no second "=".  (No "+"
    # either: that is a space.)
    whole = is_canonical_query(query)
    for piece in query.split("&"):
        if not piece:
            continue
        name, equals, value = piece.partition("=")
        canonical = ("=" not in value) if whole else is_canonical_piece(piece)
        if canonical:
            encoded = piece if equals else piece + "="
            if "%" in name:
                encoded_names = True
                name = percent_decode_str(name)
                if ascii_names and not name.isascii():
                    ascii_names = False
        else:
            encoded_names = encoded_names or "%" in name
            name = form_decode(name)
            value = form_decode(value)
            encoded = uri_encode(name) + "=" + uri_encode(value)
            if ascii_names and not name.isascii():
                ascii_names = False
        if name in SIGV2_PARAMETERS:
            if name in sigv2:
                return pieces, None, ascii_names, encoded_names
            sigv2[name] = percent_decode_str(value) if canonical and "%" in value else value
            if name == "Signature":
                continue
        pieces.append((name, encoded))
    return pieces, sigv2, ascii_names, encoded_names


def canonical_query_v2(params: Iterable[Pair]) -> str:
    """The canonicalized query string of decoded ``params``.

    Sorted by the UTF-8 bytes of the (unencoded) name; the sort is stable, so the values of a
    repeated name keep the order given.  Names and values are encoded per RFC 3986 and joined as
    ``name=value`` with ``&`` (``=`` even when the value is empty).
    """
    return encode_params(sorted(params, key=name_key))


def string_to_sign(method: str, host: str, path: str, params: Iterable[Pair]) -> str:
    """``method\\nhost\\npath\\ncanonical query``; ``host`` is lower-cased, an empty path is ``/``.

    ``host`` is the Host header value (with the port when it is not the scheme's default); ``path``
    is the path as sent (already percent-encoded); ``params`` are decoded pairs without
    ``Signature``.
    """
    return string_to_sign_from(method, host.lower(), path, canonical_query_v2(params))


def string_to_sign_from(method: str, host: str, path: str, canonical_query: str) -> str:
    """The string to sign from its parts as the signer or verifier has them: ``host`` already
    lower-case, ``canonical_query`` already canonical; an empty ``path`` is ``/``."""
    return f"{method}\n{host}\n{path or '/'}\n{canonical_query}"


def compute_signature(secret_key: str, text: str, signature_method: str = "HmacSHA256") -> str:
    """Base64 of the HMAC (``HmacSHA256`` or ``HmacSHA1``) of ``text`` under ``secret_key``."""
    algorithm = SIGNATURE_METHODS.get(signature_method)
    if algorithm is None:
        raise InvalidOption(
            f"SignatureMethod {signature_method!r} is not HmacSHA256 or HmacSHA1",
            field="SignatureMethod",
        )
    return _crypto.hmac_base64(secret_key, algorithm, text.encode("utf-8", "surrogateescape"))


def request_host(request: Request) -> str:
    """The host line of the string to sign: lower-cased, with the port unless it is the default.

    Taken from the Host header when there is one (that is what the server reads), else from the
    URL.
    """
    header = request.header("host")
    if header is None:
        return request.host_header.lower()
    return strip_default_port(header.strip().lower(), request.scheme)


def strip_default_port(host: str, scheme: str) -> str:
    """``host`` without a ``:port`` that is ``scheme``'s default."""
    default = DEFAULT_PORTS.get(scheme)
    if default is not None and host.endswith(":" + default):
        return host[: -len(default) - 1]
    return host


def is_form(request: Request) -> bool:
    """Whether the request declares an ``application/x-www-form-urlencoded`` body."""
    content_type = request.header("content-type")
    if content_type is None:
        return False
    return content_type.split(";", 1)[0].strip().lower() == FORM_CONTENT_TYPE


def _body_text(request: Request) -> str:
    body = request.body
    if not isinstance(body, bytes):
        raise InvalidRequest(
            "body: a form-encoded body must be given as bytes to be signed with sigv2, "
            f"not {body!r}",
            field="body",
        )
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidRequest(
            "body: the form-encoded body is not UTF-8 text", field="body"
        ) from None


def request_params(request: Request) -> Tuple[List[Pair], List[Pair]]:
    """The decoded parameters of ``request``: ``(from the URL query, from a form body)``.

    The body counts only when the request declares ``Content-Type:
    application/x-www-form-urlencoded``.
    """
    query = parse_params(request.query)
    body = parse_params(_body_text(request)) if is_form(request) else []
    return query, body


def partition_pairs(pairs: Iterable[Pair], names: Collection[str]) -> Tuple[List[Pair], List[Pair]]:
    """Split ``pairs`` into ``(those not named in names, those named)``, each in order."""
    own: List[Pair] = []
    named: List[Pair] = []
    for pair in pairs:
        (named if pair[0] in names else own).append(pair)
    return own, named


def split_sigv2_params(params: Sequence[Pair]) -> Tuple[List[Pair], List[Pair]]:
    """Split ``params`` into ``(the caller's own, the SigV2 ones)`` (:data:`SIGV2_PARAMETERS`)."""
    return partition_pairs(params, SIGV2_PARAMETERS)


def is_sigv2_signed(params: Sequence[Pair]) -> bool:
    """Whether ``params`` carry a SigV2 signature (``Signature`` and ``SignatureVersion=2``)."""
    names = {n: v for n, v in params}
    return "Signature" in names and names.get("SignatureVersion") == "2"
