"""Helpers shared by the verification tests: request surgery (a header, a query parameter, a
SigV2 parameter or the credential scope changed, dropped or added), and the verification
instant and credentials, re-exported from tests/_support.py where they are defined."""

from __future__ import annotations

from pathlib import Path
from typing import Any, List, Optional, Tuple

from signers import Request
from signers._encoding import percent_decode_str, uri_encode
from tests._support import AK, CREDS, CREDS_TOKEN, FORM, SECRET, TOKEN, VECTORS
from tests._support import VERIFY_TIME as AT

__all__ = [
    "AK",
    "AT",
    "CREDS",
    "CREDS_TOKEN",
    "FORM",
    "SECRET",
    "TOKEN",
    "add_sigv2_param",
    "drop_header",
    "drop_query_param",
    "drop_sigv2_param",
    "query_pairs_decoded",
    "replace_header",
    "replace_query_param",
    "replace_raw_query_param",
    "rewrite_scope",
    "set_sigv2_param",
    "sigv2_pairs",
    "v4_vector_root",
    "with_query",
    "with_sigv2_pairs",
]

Pair = Tuple[str, str]


def v4_vector_root() -> Path:
    """The aws-c-auth v4 vectors bundled in the repository (``vectors/v4``)."""
    return VECTORS / "v4"


def replace_header(request: Request, name: str, value: str) -> Request:
    lowered = name.lower()
    headers = [(n, value if n.lower() == lowered else v) for n, v in request.headers]
    return request.replace(headers=headers)


def drop_header(request: Request, name: str) -> Request:
    lowered = name.lower()
    return request.replace(headers=[(n, v) for n, v in request.headers if n.lower() != lowered])


def query_pairs_decoded(request: Request) -> List[Tuple[str, str]]:
    return [(percent_decode_str(n), percent_decode_str(v)) for n, v in request.query_pairs()]


def with_query(request: Request, pairs: List[Tuple[str, str]]) -> Request:
    """``request`` with its query rebuilt from decoded ``pairs`` (encoded per RFC 3986)."""
    base = request.url.split("?", 1)[0]
    query = "&".join(uri_encode(n) + "=" + uri_encode(v) for n, v in pairs)
    return request.replace(url=base + ("?" + query if query else ""))


def replace_query_param(request: Request, name: str, value: str) -> Request:
    pairs = [(n, value if n == name else v) for n, v in query_pairs_decoded(request)]
    return with_query(request, pairs)


def drop_query_param(request: Request, name: str) -> Request:
    return with_query(request, [(n, v) for n, v in query_pairs_decoded(request) if n != name])


def rewrite_scope(
    request: Request,
    *,
    access_key: Optional[str] = None,
    date: Optional[str] = None,
    region: Optional[str] = None,
    service: Optional[str] = None,
) -> Request:
    """Change parts of the credential, in the Authorization header or X-Amz-Credential."""

    def rewrite(credential: str) -> str:
        parts = credential.split("/")
        for index, new in ((0, access_key), (1, date), (2, region), (3, service)):
            if new is not None:
                parts[index] = new
        return "/".join(parts)

    auth = request.header("authorization")
    if auth is not None:
        head, _, rest = auth.partition("Credential=")
        credential, comma, tail = rest.partition(",")
        return replace_header(
            request, "authorization", head + "Credential=" + rewrite(credential) + comma + tail
        )
    pairs = query_pairs_decoded(request)
    return with_query(
        request, [(n, rewrite(v) if n == "X-Amz-Credential" else v) for n, v in pairs]
    )


# -- legacy schemes ----------------------------------------------------------------------------


def _form_decode(text: str) -> List[Tuple[str, str]]:
    # application/x-www-form-urlencoded, as query APIs read it (independent of signers.sigv2)
    from urllib.parse import unquote_plus

    pairs = []
    for piece in text.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append(
                (
                    unquote_plus(name, errors="surrogateescape"),
                    unquote_plus(value, errors="surrogateescape"),
                )
            )
    return pairs


def sigv2_pairs(request: Request) -> List[Pair]:
    """The decoded SigV2 parameters, wherever they are (URL query, or a form body)."""
    if request.header("content-type") == FORM:
        return _form_decode(request.body.decode("utf-8"))
    return _form_decode(request.query)


def with_sigv2_pairs(request: Request, pairs: List[Pair]) -> Request:
    """``request`` with its SigV2 parameters (query, or form body) rebuilt from ``pairs``."""
    encoded = "&".join(uri_encode(n) + "=" + uri_encode(v) for n, v in pairs)
    if request.header("content-type") == FORM:
        body = encoded.encode("ascii")
        headers = [
            (n, str(len(body)) if n.lower() == "content-length" else v) for n, v in request.headers
        ]
        return request.replace(headers=headers, body=body)
    return request.replace(url=request.url.split("?", 1)[0] + "?" + encoded)


def set_sigv2_param(request: Request, name: str, value: str) -> Request:
    return with_sigv2_pairs(
        request, [(n, value if n == name else v) for n, v in sigv2_pairs(request)]
    )


def drop_sigv2_param(request: Request, name: str) -> Request:
    return with_sigv2_pairs(request, [(n, v) for n, v in sigv2_pairs(request) if n != name])


def add_sigv2_param(request: Request, name: str, value: str) -> Request:
    return with_sigv2_pairs(request, [*sigv2_pairs(request), (name, value)])


def replace_raw_query_param(request: Request, name: str, value: Any) -> Request:
    """Replace (``None``: drop) the raw ``name=value`` pieces of the query, leaving the rest."""
    base, _, query = request.url.partition("?")
    pieces = []
    for piece in query.split("&"):
        if piece.partition("=")[0] == name:
            if value is None:
                continue
            piece = name + "=" + value
        pieces.append(piece)
    return request.replace(url=base + "?" + "&".join(pieces))
