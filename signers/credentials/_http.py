"""One small HTTP call for the credential services (STS, container endpoint, EC2 metadata).

``urllib.request`` with a timeout, no redirects followed, a bounded answer, and only ``http`` /
``https`` URLs.  The metadata services are called without proxies (they are link-local or on
this host); STS honours the environment's proxy settings, as botocore does.  ``urllib.request``
(and with it ``http.client``, ``ssl``, ``email``) is imported on the first call, not with the
package.
"""

from __future__ import annotations

import threading
from typing import Any, Dict, Iterable, NamedTuple, Optional, Tuple
from urllib.parse import urlsplit

__all__ = ["Answer", "HttpTimeout", "HttpUnreachable", "send", "url_for_messages"]

#: Credential answers are a few kilobytes; anything past this is not one.
MAX_ANSWER = 1 << 20


class Answer(NamedTuple):
    status: int
    body: bytes


class HttpTimeout(Exception):
    """No answer within the timeout."""


class HttpUnreachable(Exception):
    """The connection failed (refused, reset, no route, TLS ...)."""


_openers: Dict[bool, Any] = {}
_openers_lock = threading.Lock()


def _opener(proxies: bool) -> Any:
    """The opener: no redirects followed; environment proxies only when ``proxies``."""
    with _openers_lock:
        if proxies not in _openers:
            import urllib.request

            class _NoRedirects(urllib.request.HTTPRedirectHandler):
                def redirect_request(self, *args: Any, **kwargs: Any) -> None:
                    return None  # a 3xx is returned to the caller as it is

            handlers: Tuple[Any, ...] = (_NoRedirects,)
            if not proxies:
                handlers = (urllib.request.ProxyHandler({}), *handlers)
            _openers[proxies] = urllib.request.build_opener(*handlers)
        return _openers[proxies]


def url_for_messages(url: str) -> str:
    """``scheme://host[:port]/path`` of ``url``: no user info, no query (either may hold a key)."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    try:
        port = parts.port
    except ValueError:
        port = None
    return f"{parts.scheme}://{host}{'' if port is None else f':{port}'}{parts.path}"


def _read(response: Any) -> bytes:
    data: bytes = response.read(MAX_ANSWER + 1)
    if len(data) > MAX_ANSWER:
        raise HttpUnreachable(f"answer larger than {MAX_ANSWER} bytes")
    return data


def send(
    method: str,
    url: str,
    *,
    headers: Iterable[Tuple[str, str]] = (),
    body: Optional[bytes] = None,
    timeout: float,
    proxies: bool = False,
) -> Answer:
    """Send one request; any HTTP status is an :class:`Answer`, a failure to get one raises."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise HttpUnreachable(f"{url_for_messages(url)!r} is not an http or https URL")
    opener = _opener(proxies)
    import http.client
    import socket
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, data=body, method=method)
    for name, value in headers:
        request.add_header(name, value)
    try:
        with opener.open(request, timeout=timeout) as response:
            return Answer(response.status, _read(response))
    except urllib.error.HTTPError as exc:
        try:
            return Answer(exc.code, _read(exc))
        finally:
            exc.close()
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, socket.timeout):
            raise HttpTimeout(f"no answer within {timeout:g} s") from None
        raise HttpUnreachable(_reason(exc.reason)) from None
    except socket.timeout:
        raise HttpTimeout(f"no answer within {timeout:g} s") from None
    except (OSError, http.client.HTTPException) as exc:
        raise HttpUnreachable(_reason(exc)) from None


def _reason(reason: object) -> str:
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    text = str(reason).replace("\n", " ")
    return text[:200] if text else type(reason).__name__
