"""AWS Signature Version 2 (query APIs) as the specification states it: parameters, canonical
query, string to sign, signature.  Pure functions, shared by the signer (:mod:`signers.sigv2`),
verification and migration; see :mod:`signers.sigv2` for the algorithm.
"""

from __future__ import annotations

from typing import FrozenSet, Iterable, List, Sequence, Tuple

from .. import _crypto
from .._encoding import percent_decode, uri_encode
from ..errors import InvalidOption, InvalidRequest
from ..model import Request

__all__ = [
    "SIGNATURE_METHODS",
    "SIGV2_PARAMETERS",
    "SIGV2_PARAMETER_ORDER",
    "FORM_CONTENT_TYPE",
    "DEFAULT_PORTS",
    "parse_params",
    "form_decode",
    "encode_params",
    "name_key",
    "canonical_query_v2",
    "string_to_sign",
    "compute_signature",
    "request_host",
    "strip_default_port",
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

#: The port a URL scheme implies (left out of a Host line).
DEFAULT_PORTS = {"http": "80", "https": "443"}


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


def name_key(pair: Pair) -> bytes:
    return pair[0].encode("utf-8", "surrogateescape")


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
    return "\n".join((method, host.lower(), path or "/", canonical_query_v2(params)))


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


def split_sigv2_params(params: Sequence[Pair]) -> Tuple[List[Pair], List[Pair]]:
    """Split ``params`` into ``(the caller's own, the SigV2 ones)`` (:data:`SIGV2_PARAMETERS`)."""
    own: List[Pair] = []
    sigv2: List[Pair] = []
    for pair in params:
        (sigv2 if pair[0] in SIGV2_PARAMETERS else own).append(pair)
    return own, sigv2


def is_sigv2_signed(params: Sequence[Pair]) -> bool:
    """Whether ``params`` carry a SigV2 signature (``Signature`` and ``SignatureVersion=2``)."""
    names = {n: v for n, v in params}
    return "Signature" in names and names.get("SignatureVersion") == "2"
