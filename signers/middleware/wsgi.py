"""WSGI middleware (PEP 3333): verify the AWS signature of every request before the app sees it.

    from signers.middleware.wsgi import VerifyingMiddleware

    app = VerifyingMiddleware(app, {"AKIDEXAMPLE": signers.Credentials("AKIDEXAMPLE", secret)},
                              region="us-east-1", service="s3")

    def app(environ, start_response):           # behind it
        verified = environ["sigbridge.verified"]   # a signers.Verified: scheme, access key ...

Every scheme ``signers.verify`` verifies is accepted (``schemes=`` narrows it); ``lookup``,
``region``, ``service``, ``options`` and ``max_skew`` are ``signers.verify``'s.  A request that
fails gets AWS's answer from the middleware itself -- S3 XML, query XML or JSON, by the protocol
the request speaks, with AWS's code and status -- and never reaches the app.  One that passes
reaches it with the :class:`~signers.Verified` result in ``environ["sigbridge.verified"]`` and
its body, read for verification (at most ``max_body`` bytes), in a fresh ``wsgi.input``.

The path is taken as sent from ``RAW_URI`` (gunicorn) or ``REQUEST_URI`` (uWSGI, waitress) when
the server provides it; otherwise the decoded ``PATH_INFO`` is encoded again, which gives the
form AWS's SDKs send.  (``wsgiref`` invents ``Content-Type: text/plain`` for a request sent
without one; S3's SigV2 signs that header, so run SigV2 S3 clients behind another server.)
aws-chunked uploads are refused (:func:`signers.middleware._common.refuse_aws_chunked`).
"""

from __future__ import annotations

import contextlib
import datetime as _dt
import io
from typing import Any, Callable, Dict, Iterable, List, Mapping, Optional

from .._verification import Lookup
from ..errors import VerificationError
from ..model import Header
from ._common import (
    DEFAULT_MAX_BODY,
    VERIFIED_KEY,
    Answer,
    Config,
    answer_for,
    check,
    incoming_url,
    refusal,
    refuse_aws_chunked,
    too_large,
)

__all__ = ["DEFAULT_MAX_BODY", "VERIFIED_KEY", "VerifyingMiddleware"]

Environ = Dict[str, Any]
StartResponse = Callable[..., Any]
WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

_CHUNK = 65536


def _headers(environ: Environ) -> List[Header]:
    headers: List[Header] = []
    for key, value in environ.items():
        if key.startswith("HTTP_"):
            name = key[5:].replace("_", "-").lower()
        elif key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            if not value:
                continue
            name = key.replace("_", "-").lower()
        else:
            continue
        # PEP 3333: header values are the bytes as sent, decoded as Latin-1; read them as UTF-8
        # (raw bytes that are not survive as surrogate escapes, as the signers expect).
        text = str(value)
        with contextlib.suppress(UnicodeEncodeError):
            text = text.encode("latin-1").decode("utf-8", "surrogateescape")
        headers.append((name, text))
    return headers


def _url(environ: Environ, headers: Mapping[str, str]) -> str:
    host = headers.get("host")
    if not host:
        host = str(environ.get("SERVER_NAME", "localhost"))
        port = str(environ.get("SERVER_PORT", ""))
        default = "443" if environ.get("wsgi.url_scheme") == "https" else "80"
        if port and port != default:
            host += ":" + port
    raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
    raw_target = raw.encode("latin-1").decode("utf-8", "surrogateescape") if raw else None
    path = str(environ.get("SCRIPT_NAME", "")) + str(environ.get("PATH_INFO", ""))
    return incoming_url(
        str(environ.get("wsgi.url_scheme", "http")),
        host,
        raw_target,
        path,
        str(environ.get("QUERY_STRING", "")),
    )


def _read_body(environ: Environ, limit: int) -> bytes:
    stream = environ.get("wsgi.input")
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    if stream is None:
        return b""
    if text:
        if not text.isdigit():
            raise refusal(400, "InvalidArgument", "Content-Length is not a number")
        length = int(text)
        if length > limit:
            raise too_large(limit)
        body = stream.read(length) if length else b""
        if len(body) != length:
            raise refusal(
                400,
                "IncompleteBody",
                "You did not provide the number of bytes specified by the Content-Length "
                "HTTP header.",
            )
        return bytes(body)
    if not environ.get("wsgi.input_terminated"):
        return b""  # no length and no end of input: PEP 3333 says read nothing
    parts: List[bytes] = []
    size = 0
    while True:
        part = stream.read(_CHUNK)
        if not part:
            return b"".join(parts)
        size += len(part)
        if size > limit:
            raise too_large(limit)
        parts.append(part)


class VerifyingMiddleware:
    """Wrap the WSGI ``app``: see the module docstring for what it does and its options."""

    def __init__(
        self,
        app: WSGIApp,
        lookup: Lookup,
        *,
        region: Optional[str] = None,
        service: Optional[str] = None,
        schemes: Optional[Iterable[str]] = None,
        options: Optional[Mapping[str, Mapping[str, Any]]] = None,
        max_skew: float = 900,
        max_body: int = DEFAULT_MAX_BODY,
        clock: Optional[Callable[[], _dt.datetime]] = None,
    ) -> None:
        self.app = app
        self.config = Config(
            lookup,
            region=region,
            service=service,
            schemes=schemes,
            options=options,
            max_skew=max_skew,
            max_body=max_body,
            clock=clock,
        )

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        headers = _headers(environ)
        lowered = dict(headers)
        method = str(environ.get("REQUEST_METHOD", "GET"))
        try:
            refuse_aws_chunked(lowered)
            body = _read_body(environ, self.config.max_body)
        except VerificationError as err:
            return self._send(answer_for(err, None, lowered), start_response)
        verified, answer = check(self.config, method, _url(environ, lowered), headers, body)
        if answer is not None:
            return self._send(answer, start_response)
        environ[VERIFIED_KEY] = verified
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        return self.app(environ, start_response)

    @staticmethod
    def _send(answer: Answer, start_response: StartResponse) -> Iterable[bytes]:
        reason = {400: "Bad Request", 403: "Forbidden", 501: "Not Implemented"}.get(
            answer.status, "Error"
        )
        start_response(f"{answer.status} {reason}", answer.headers)
        return [answer.body]

    def __repr__(self) -> str:
        return f"VerifyingMiddleware({self.app!r}, {self.config!r})"
