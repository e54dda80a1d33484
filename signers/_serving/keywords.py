"""The keywords ``make_server`` and ``make_proxy`` pass on to :class:`signers.serve.ServerConfig`,
as ``TypedDict`` s, so that a type checker reads ``make_server(..., max_body=...)`` against
``ServerConfig``'s own types (``**config: Unpack[ServerKeywords]``) rather than ``Any``.

They list what ``ServerConfig.__init__`` takes after ``lookup``; the defaults and the checks are
``ServerConfig``'s (and :class:`signers._serving.bounded.Limits`').
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, Callable, Iterable, Mapping, Optional, TypedDict

if TYPE_CHECKING:
    from .forward import UpstreamSigning

__all__ = ["ProxyKeywords", "ServerKeywords"]


class ProxyKeywords(TypedDict, total=False):
    """What ``make_proxy`` passes on: the limits, the clock and the log, the schemes' options."""

    max_skew: float
    max_body: int
    max_header_bytes: int
    timeout: float
    request_timeout: float
    max_connections: int
    backlog: int
    max_upload: int
    upstream_timeout: float
    options: Optional[Mapping[str, Mapping[str, object]]]
    json_account: bool
    clock: Optional[Callable[[], _dt.datetime]]
    log: Optional[Callable[[str], None]]


class ServerKeywords(ProxyKeywords, total=False):
    """All of ``ServerConfig``'s keywords (``make_server``'s): also the scope answered for, the
    schemes accepted, and where verified requests go."""

    region: Optional[str]
    service: Optional[str]
    schemes: Optional[Iterable[str]]
    trust: bool
    upstream: Optional[str]
    upstream_signing: Optional[UpstreamSigning]
