"""The keywords ``ServerConfig``, ``make_server`` and ``make_proxy`` pass on, as ``TypedDict`` s,
so that a type checker reads ``make_server(..., max_body=...)`` against the types of what takes
them (``**config: Unpack[ServerKeywords]``) rather than ``Any``.

:class:`VerifyKeywords` are ``signers.verify``'s (the verifying middleware passes them on too);
:class:`LimitKeywords` are :class:`signers._serving.bounded.Limits`' (``ServerConfig`` passes
them on: the defaults and the checks are ``Limits``'); the others are what
``ServerConfig.__init__`` takes after ``lookup``.
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Optional, TypedDict

if TYPE_CHECKING:
    from .forward import UpstreamSigning

__all__ = ["LimitKeywords", "ProxyKeywords", "ServerKeywords", "VerifyKeywords"]


class VerifyKeywords(TypedDict, total=False):
    """``signers.verify``'s keywords that a server and the verifying middleware pass on: the
    scope answered for, the schemes accepted, the schemes' options."""

    region: Optional[str]
    service: Optional[str]
    schemes: Optional[Iterable[str]]
    options: Optional[Mapping[str, Mapping[str, object]]]


class LimitKeywords(TypedDict, total=False):
    """The bounds of the server (``Limits``' keywords)."""

    timeout: float
    request_timeout: float
    max_connections: int
    backlog: int
    max_header_bytes: int
    max_body: int
    max_upload: int


class ProxyKeywords(LimitKeywords, total=False):
    """What ``make_proxy`` passes on: the limits, the clock and the log, the schemes' options."""

    max_skew: float
    upstream_timeout: float
    options: Optional[Mapping[str, Mapping[str, object]]]
    json_account: bool
    clock: Optional[Callable[[], _dt.datetime]]
    log: Optional[Callable[[str], None]]


class ServerKeywords(ProxyKeywords, VerifyKeywords, total=False):
    """All of ``ServerConfig``'s keywords (``make_server``'s): also the scope answered for, the
    schemes accepted (:class:`VerifyKeywords`), and where verified requests go."""

    trust: bool
    upstream: Optional[str]
    upstream_signing: Optional[UpstreamSigning]
