"""Sending a probe's request with the standard library, reading AWS's answer, redacting secrets.

Requests go out through :mod:`http.client` exactly as built: the headers in order (``Host``
included, nothing added but ``Content-Length`` where the probe set it), one connection per
request, closed after the answer.  An answer is read up to :data:`MAX_ANSWER` bytes.  The AWS error
code is read from S3's XML ``<Error><Code>``, the query protocol's ``<ErrorResponse>``, a JSON
``__type``/``code``, or the ``x-amzn-ErrorType`` header; where the server returned the canonical
request or string to sign it computed (S3's ``<CanonicalRequest>``/``<StringToSign>``, the other
services' "The Canonical String for this request should have been" message), they are kept for
the diff.

Nothing that leaves this module shows a secret: :class:`Redactor` replaces the secret key, the
session token and every signature made with the caller's credentials, and the patterns that
carry signatures (``Signature=``, ``X-Amz-Signature=``, ``AWS key:signature``,
``<SignatureProvided>``), by ``<redacted>``.
"""

from __future__ import annotations

import html
import http.client
import json
import re
import socket
import ssl
import threading
from typing import Iterable, List, Optional, Set, Tuple
from urllib.parse import urlsplit

from .model import Answer, Sent

__all__ = [
    "MAX_ANSWER",
    "Endpoint",
    "TransportError",
    "NotHttp",
    "send",
    "read_answer",
    "Redactor",
]

#: The most of an answer's body that is read (an error document is far smaller).
MAX_ANSWER = 64 * 1024
REDACTED = "<redacted>"


class TransportError(Exception):
    """The request could not be sent or no answer came back (one line)."""


class NotHttp(TransportError):
    """Something answered, but not in HTTP."""


class Endpoint:
    """Where the probe sends: scheme, host, port, and the Host header value clients send."""

    __slots__ = ("host", "host_header", "port", "scheme")

    def __init__(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            raise ValueError(f"URL {url!r} is not http:// or https://")
        if not parts.hostname:
            raise ValueError(f"URL {url!r} has no host")
        if parts.path not in ("", "/") or parts.query or parts.fragment:
            raise ValueError(
                f"URL {url!r}: give the endpoint only (scheme://host[:port]); the bucket is "
                "--bucket"
            )
        if parts.username or parts.password:
            raise ValueError(f"URL {url!r}: user information is not allowed")
        try:
            port = parts.port
        except ValueError:
            raise ValueError(f"URL {url!r} has an invalid port") from None
        self.scheme = parts.scheme
        self.host = parts.hostname
        default = 443 if self.scheme == "https" else 80
        self.port = port or default
        shown = f"[{self.host}]" if ":" in self.host else self.host
        # What an SDK signs and sends: the authority as written, less a default port.
        self.host_header = shown if self.port == default else f"{shown}:{self.port}"

    @property
    def default_port(self) -> bool:
        return self.port == (443 if self.scheme == "https" else 80)

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host_header}"

    def __repr__(self) -> str:
        return f"Endpoint({self.base!r})"


def _connection(endpoint: Endpoint, timeout: float) -> http.client.HTTPConnection:
    if endpoint.scheme == "https":
        return http.client.HTTPSConnection(
            endpoint.host, endpoint.port, timeout=timeout, context=ssl.create_default_context()
        )
    return http.client.HTTPConnection(endpoint.host, endpoint.port, timeout=timeout)


def send(endpoint: Endpoint, sent: Sent, timeout: float) -> Answer:
    """Send ``sent`` and read the answer; :class:`TransportError` when that fails."""
    connection = _connection(endpoint, timeout)
    try:
        try:
            connection.putrequest(
                sent.method, sent.target, skip_host=True, skip_accept_encoding=True
            )
            for name, value in sent.headers:
                # http.client sends str as Latin-1; UTF-8 bytes go as they are.
                connection.putheader(name, value.encode("utf-8"))
            connection.endheaders(sent.body if sent.body else None)
            response = connection.getresponse()
            body = response.read(MAX_ANSWER)
        except (http.client.BadStatusLine, http.client.LineTooLong) as exc:
            raise NotHttp(f"the answer is not HTTP ({type(exc).__name__})") from None
        except socket.timeout:
            raise TransportError(f"no answer within {timeout:g} s") from None
        except (OSError, http.client.HTTPException) as exc:
            raise TransportError(_describe(exc)) from None
        headers = tuple((n, v) for n, v in response.getheaders())
        return read_answer(response.status, response.reason, headers, body)
    finally:
        connection.close()


def _describe(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return f"{type(exc).__name__}: {text}".replace("\n", " ")


# -- reading AWS's answer ------------------------------------------------------------------------

_XML_CODE = re.compile(rb"<Code>\s*([^<]{1,200}?)\s*</Code>")
_XML_MESSAGE = re.compile(rb"<Message>(.{0,4000}?)</Message>", re.S)
_XML_CREQ = re.compile(rb"<CanonicalRequest>(.*?)</CanonicalRequest>", re.S)
_XML_STS = re.compile(rb"<StringToSign>(.*?)</StringToSign>", re.S)
_CORAL_CREQ = re.compile(r"The Canonical String for this request should have been\n'(.*?)'\n", re.S)
_CORAL_STS = re.compile(r"The String-to-Sign should have been\n'(.*?)'\n", re.S)


#: What an XML error answer carries, in :class:`Answer`'s order: code, message, the server's
#: canonical request and string to sign.
_XML_FIELDS = (_XML_CODE, _XML_MESSAGE, _XML_CREQ, _XML_STS)


def _xml_element(pattern: re.Pattern[bytes], body: bytes) -> Optional[str]:
    """The unescaped text of the element ``pattern`` finds in ``body``, or ``None``."""
    found = pattern.search(body)
    return html.unescape(found.group(1).decode("utf-8", "replace")) if found else None


def read_answer(
    status: int, reason: str, headers: Tuple[Tuple[str, str], ...], body: bytes
) -> Answer:
    """An :class:`Answer` with the AWS code, message and server artifacts read from ``body``."""
    code: Optional[str] = None
    message: Optional[str] = None
    creq: Optional[str] = None
    sts: Optional[str] = None
    stripped = body.lstrip()
    if stripped.startswith(b"{"):
        try:
            document = json.loads(body.decode("utf-8", "replace"))
        except ValueError:
            document = None
        if isinstance(document, dict):
            raw = document.get("__type") or document.get("code") or document.get("Code")
            if isinstance(raw, str):
                code = raw.rsplit("#", 1)[-1]
            text = document.get("message") or document.get("Message")
            if isinstance(text, str):
                message = text
    elif stripped.startswith(b"<"):
        code, message, creq, sts = (_xml_element(pattern, body) for pattern in _XML_FIELDS)
    if code is None:
        for name, value in headers:
            if name.lower() in ("x-amzn-errortype", "x-amz-error-code"):
                code = value.split(":", 1)[0].strip() or None
                break
    if message is not None and (creq is None or sts is None):
        found_text = _CORAL_CREQ.search(message)
        if found_text and creq is None:
            creq = found_text.group(1)
        found_text = _CORAL_STS.search(message)
        if found_text and sts is None:
            sts = found_text.group(1)
    return Answer(status, reason, headers, body, code, message, creq, sts)


# -- redaction -----------------------------------------------------------------------------------

_PATTERNS = (
    # SigV4 / SigV4A Authorization, presigned X-Amz-Signature, SigV2 Signature parameters
    (re.compile(r"(Signature=)([^,&\s\"'<]+)", re.I), r"\1" + REDACTED),
    # S3's legacy Authorization: AWS key:signature
    (re.compile(r"(\bAWS [^:\s]{1,128}:)([A-Za-z0-9+/=%]+)"), r"\1" + REDACTED),
    # S3 answers echo the signature they were given
    (
        re.compile(r"(<SignatureProvided>)(.*?)(</SignatureProvided>)", re.S),
        r"\1" + REDACTED + r"\3",
    ),
    # session tokens in headers, queries and form fields
    (
        re.compile(r"((?:x-amz-security-token|SecurityToken)\s*[:=]\s*)([^\s&,<\"']+)", re.I),
        r"\1" + REDACTED,
    ),
)


class Redactor:
    """Replaces secrets in text shown to people: the secret key, the session token, every
    signature registered with :meth:`add`, and the usual signature-carrying patterns."""

    def __init__(self, secrets: Iterable[Optional[str]] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: Set[str] = set()
        for secret in secrets:
            self.add(secret)

    def add(self, secret: Optional[str]) -> None:
        if secret:
            with self._lock:
                self._secrets.add(secret)

    def __call__(self, text: str) -> str:
        with self._lock:
            secrets: List[str] = sorted(self._secrets, key=len, reverse=True)
        for secret in secrets:
            if secret in text:
                text = text.replace(secret, REDACTED)
            # a signature or token may travel percent-encoded
            encoded = secret.replace("/", "%2F").replace("+", "%2B").replace("=", "%3D")
            if encoded != secret and encoded in text:
                text = text.replace(encoded, REDACTED)
        for pattern, replacement in _PATTERNS:
            text = pattern.sub(replacement, text)
        return text
