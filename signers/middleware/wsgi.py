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

aws-chunked uploads (``x-amz-content-sha256: STREAMING-...``, what S3 SDKs send) reach the app
once their seed signature verifies, before any of the body is read: ``wsgi.input`` is then a
:class:`~signers.middleware._common.DecodedBody` giving the decoded data, each chunk checked
before its bytes are handed out.  ``CONTENT_LENGTH`` is the decoded length when the client
declared it (``x-amz-decoded-content-length``), else absent with ``wsgi.input_terminated``;
``aws-chunked`` is taken out of ``HTTP_CONTENT_ENCODING``.  A chunk that fails its check makes
the read raise the :class:`~signers.errors.VerificationError` (``SignatureDoesNotMatch``,
``IncompleteBody``, ``BadDigest`` ...; ``EntityTooLarge`` past ``max_body`` decoded bytes); an app
that lets it propagate before its first body byte gets AWS's answer sent for it.  The body is
verified once ``read()`` returned ``b""``, or once ``CONTENT_LENGTH`` bytes were read when it is
declared (their last chunk is handed out only after the end is checked):
``environ["sigbridge.verified"].payload.complete`` says so; store nothing as final before.
The server must give a ``CONTENT_LENGTH`` or an input that ends (``wsgi.input_terminated``, as
waitress and gunicorn do for HTTP chunked transfer; wsgiref does not); otherwise the upload is
refused (``MissingContentLength``, 411).

The path is taken as sent from ``RAW_URI`` (gunicorn) or ``REQUEST_URI`` (uWSGI, waitress) when
the server provides it; otherwise the decoded ``PATH_INFO`` is encoded again, which gives the
form AWS's SDKs send.  (``wsgiref`` invents ``Content-Type: text/plain`` for a request sent
without one; S3's SigV2 signs that header, so run SigV2 S3 clients behind another server.)
"""

from __future__ import annotations

import contextlib
import io
import sys
from typing import Any, Callable, Dict, Iterable, Iterator, List, Mapping, Optional

from ..errors import VerificationError
from ..model import Header, Request
from . import _common  # (the one implementation the two middlewares share)
from ._common import DEFAULT_MAX_BODY, VERIFIED_KEY

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
    return _common.incoming_url(
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
            raise _common.refusal(400, "InvalidArgument", "Content-Length is not a number")
        length = int(text)
        if length > limit:
            raise _common.too_large(limit)
        body = stream.read(length) if length else b""
        if len(body) != length:
            raise _common.refusal(
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
            raise _common.too_large(limit)
        parts.append(part)


def _wire_body(environ: Environ) -> Any:
    """The wire body of an aws-chunked upload, unread: ``wsgi.input`` when its end is known (a
    ``CONTENT_LENGTH``, which the payload reader never reads past, or an input that ends)."""
    text = str(environ.get("CONTENT_LENGTH") or "").strip()
    stream = environ.get("wsgi.input")
    if text and not text.isdigit():
        raise _common.refusal(400, "InvalidArgument", "Content-Length is not a number")
    if stream is None or not (text or environ.get("wsgi.input_terminated")):
        raise _common.missing_length()  # (PEP 3333: without either, the input may not be read)
    return stream


def _decoded_environ(
    environ: Environ, lowered: Mapping[str, str], body: _common.DecodedBody
) -> None:
    """The app's view of a decoded aws-chunked body (see the module docstring)."""
    environ["wsgi.input"] = body
    changes = _common.decoded_headers(lowered)
    encoding, length = changes["content-encoding"], changes["content-length"]
    if encoding is None:
        environ.pop("HTTP_CONTENT_ENCODING", None)
    else:
        environ["HTTP_CONTENT_ENCODING"] = encoding
    if length is None:
        environ.pop("CONTENT_LENGTH", None)
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = length


class VerifyingMiddleware(_common.Wrapper[WSGIApp]):
    """Wrap the WSGI ``app``: see the module docstring for what it does and its options."""

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        headers = _headers(environ)
        lowered = dict(headers)
        method = str(environ.get("REQUEST_METHOD", "GET"))
        config = self.config
        try:
            mode = _common.chunked_mode(lowered, config.max_body)
            body = _wire_body(environ) if mode else _read_body(environ, config.max_body)
        except VerificationError as err:
            return self._send(_common.answer_for(err, None, lowered), start_response)
        verified, answer, request = _common.check(
            config, method, _url(environ, lowered), headers, body
        )
        if answer is not None:
            return self._send(answer, start_response)
        assert verified is not None
        environ[VERIFIED_KEY] = verified
        if mode is None:
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            return self.app(environ, start_response)
        decoded = self.decoded_body(verified.payload, lowered)
        _decoded_environ(environ, lowered, decoded)
        return self._streamed(environ, start_response, decoded, request, lowered)

    def _streamed(
        self,
        environ: Environ,
        start_response: StartResponse,
        body: _common.DecodedBody,
        request: Optional[Request],
        lowered: Mapping[str, str],
    ) -> Iterable[bytes]:
        """Call the app; a check of the body that fails while the app reads it, and reaches the
        middleware before the app has given a byte of its answer, is answered AWS's way."""
        try:
            result = self.app(environ, start_response)
        except VerificationError as err:
            if err is not body.failure:
                raise
            return self._send(
                _common.answer_for(err, request, lowered), start_response, sys.exc_info()
            )
        if isinstance(result, (list, tuple)):
            return result  # (made already: nothing more is read while the server sends it)
        return self._guarded(result, start_response, body, request, lowered)

    def _guarded(
        self,
        result: Iterable[bytes],
        start_response: StartResponse,
        body: _common.DecodedBody,
        request: Optional[Request],
        lowered: Mapping[str, str],
    ) -> Iterator[bytes]:
        # (an app that reads the body while it iterates: the same, up to its first byte)
        given = False
        try:
            for piece in result:
                given = given or bool(piece)
                yield piece
        except VerificationError as err:
            if given or err is not body.failure:
                raise
            answer = _common.answer_for(err, request, lowered)
            yield from self._send(answer, start_response, sys.exc_info())
        finally:
            close = getattr(result, "close", None)
            if callable(close):
                close()

    @staticmethod
    def _send(
        answer: _common.Answer, start_response: StartResponse, exc_info: Any = None
    ) -> List[bytes]:
        reason = {
            400: "Bad Request",
            403: "Forbidden",
            411: "Length Required",
            501: "Not Implemented",
        }.get(answer.status, "Error")
        if exc_info is None:
            start_response(f"{answer.status} {reason}", answer.headers)
        else:
            # (the app may have called start_response already: PEP 3333's error path)
            start_response(f"{answer.status} {reason}", answer.headers, exc_info)
        return [answer.body]
