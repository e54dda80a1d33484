"""What the catalogues build probes from: a request signed and sent as it is, and the changes
made to a signed request after signing (its ``Authorization`` header, a signature one digit off).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Callable

from signers import Request

from .context import Context, replace_header
from .model import Builder, NotApplicable, Sent, header_value

__all__ = [
    "signed",
    "presigned_for_another_key",
    "authorization",
    "with_authorization",
    "flip_last",
]


def signed(scheme: str, request: Callable[[Context], Request], **options: Any) -> Builder:
    """A probe's builder: ``request`` signed by ``scheme`` with ``options``, sent as signed."""

    def build(ctx: Context) -> Sent:
        return ctx.sent(ctx.sign(scheme, request(ctx), **options))

    return build


def presigned_for_another_key(scheme: str, request: Callable[[Context], Request]) -> Builder:
    """A builder: ``request`` (a GET of the seed object) presigned by ``scheme``, its query sent
    with the path of another seed object."""

    def build(ctx: Context) -> Sent:
        other, _ = ctx.seed("seed-2.txt")
        presigned = ctx.sign(scheme, request(ctx), expires=900)
        query = presigned.request.target.partition("?")[2]
        return ctx.sent(presigned, target=f"{ctx.object_path(other)}?{query}")

    return build


def authorization(sent: Sent) -> str:
    """The ``Authorization`` header a signed request carries."""
    value = header_value(sent.headers, "authorization")
    if value is None:
        raise NotApplicable("the signed request has no Authorization header")
    return value


def with_authorization(sent: Sent, value: str) -> Sent:
    """``sent`` with its ``Authorization`` header changed to ``value`` (after signing)."""
    headers = tuple(replace_header(sent.headers, "Authorization", value))
    return dataclasses.replace(sent, headers=headers)


def flip_last(text: str) -> str:
    """``text`` with its last character changed (a signature one digit off)."""
    return text[:-1] + ("0" if text[-1:] != "0" else "1")
