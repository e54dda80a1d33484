"""STS ``AssumeRole`` and ``AssumeRoleWithWebIdentity``, called directly.

The query protocol: an HTTP POST of a form body ``Action=...&Version=2011-06-15&...`` to the STS
endpoint, signed with sigbridge's own SigV4 signer (service ``sts``) for ``AssumeRole`` and sent
unsigned for ``AssumeRoleWithWebIdentity`` (the web identity token is the credential).  The
answer is XML in the STS namespace::

    <AssumeRoleResponse><AssumeRoleResult><Credentials>
      <AccessKeyId/><SecretAccessKey/><SessionToken/><Expiration/>

and an error is ``<ErrorResponse><Error><Code/><Message/></Error></ErrorResponse>``, turned into
one line with AWS's code and message.  The endpoint is the configured one for ``sts``
(``AWS_ENDPOINT_URL_STS`` ...), else the regional ``https://sts.REGION.amazonaws.com``, else
the global ``https://sts.amazonaws.com`` (signed for us-east-1).
"""

from __future__ import annotations

import datetime as _dt
from typing import TYPE_CHECKING, List, Mapping, Optional, Sequence, Tuple
from urllib.parse import quote, urlsplit

from ..errors import CredentialsError, CredentialsServiceError
from ..model import Credentials, Request
from ..registry import get_signer
from ._config import SharedConfig
from ._http import HttpTimeout, HttpUnreachable, send, url_for_messages
from ._refresh import Fetched, make_credentials, parse_expiry
from ._settings import profile_endpoint_url, profile_region

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

__all__ = ["VERSION", "StsTarget", "call"]

VERSION = "2011-06-15"
_FORM = "application/x-www-form-urlencoded; charset=utf-8"
_MAX_MESSAGE = 300


class StsTarget:
    """Where STS calls go and how they are signed: URL and signing region."""

    __slots__ = ("region", "url")

    def __init__(self, url: str, region: str) -> None:
        self.url = url
        self.region = region

    @classmethod
    def for_profile(
        cls, profile: str, environ: Mapping[str, str], config: SharedConfig
    ) -> StsTarget:
        """The endpoint and region configured for ``profile`` (as botocore's STS client)."""
        region = profile_region(profile, environ, config)
        url = profile_endpoint_url("sts", profile, environ, config)
        if url is None:
            if region is None:
                url = "https://sts.amazonaws.com"
            else:
                suffix = "amazonaws.com.cn" if region.startswith("cn-") else "amazonaws.com"
                url = f"https://sts.{region}.{suffix}"
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CredentialsError(
                f"STS endpoint {url_for_messages(url)!r} is not an http(s) URL", source="sts"
            )
        if not parts.path:
            url = url + "/"
        return cls(url, region or "us-east-1")

    def __repr__(self) -> str:
        return f"StsTarget({url_for_messages(self.url)!r}, region={self.region!r})"


def _form(pairs: Sequence[Tuple[str, str]]) -> bytes:
    return "&".join(f"{quote(k, safe='')}={quote(v, safe='-_.~')}" for k, v in pairs).encode()


def _redact(text: str, secrets: Sequence[str]) -> str:
    for secret in secrets:
        if secret and len(secret) >= 4:
            text = text.replace(secret, "<redacted>")
    text = " ".join(text.split())
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 3] + "..."


def _parse_xml(body: bytes, source: str, status: int) -> Optional[Element]:
    # STS never sends a DTD; refusing one keeps entity expansion out of the parser.
    if b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise CredentialsServiceError(
            f"{source}: the answer (HTTP {status}) declares a DTD; refused",
            source=source,
            status=status,
        )
    from xml.etree import ElementTree

    try:
        return ElementTree.fromstring(body)
    except ElementTree.ParseError:
        return None


def _text(element: Optional[Element], path: str) -> Optional[str]:
    found = None if element is None else element.find(path)
    return None if found is None or found.text is None else found.text.strip()


def _error(
    status: int, body: bytes, source: str, secrets: Sequence[str]
) -> CredentialsServiceError:
    root = _parse_xml(body, source, status)
    if root is not None and root.tag.rpartition("}")[2] == "Error":
        code, message = _text(root, "{*}Code"), _text(root, "{*}Message")
    else:
        code = _text(root, ".//{*}Error/{*}Code")
        message = _text(root, ".//{*}Error/{*}Message")
    if code is None:
        return CredentialsServiceError(
            f"{source}: HTTP {status} without an STS error in the answer",
            source=source,
            status=status,
        )
    code = _redact(code, secrets)
    detail = f": {_redact(message, secrets)}" if message else ""
    return CredentialsServiceError(
        f"{source}: {code}{detail} (HTTP {status})", source=source, code=code, status=status
    )


def _credentials(action: str, body: bytes, source: str) -> Fetched:
    root = _parse_xml(body, source, 200)
    if root is None:
        raise CredentialsServiceError(f"{source}: the answer is not XML", source=source, status=200)
    node = root.find(f"{{*}}{action}Result/{{*}}Credentials")
    if node is None:
        raise CredentialsServiceError(
            f"{source}: the answer has no {action}Result/Credentials", source=source, status=200
        )
    fields = {}
    for name in ("AccessKeyId", "SecretAccessKey", "SessionToken", "Expiration"):
        value = _text(node, "{*}" + name)
        if not value:
            raise CredentialsServiceError(
                f"{source}: the answer has no {name}", source=source, status=200
            )
        fields[name] = value
    credentials = make_credentials(
        fields["AccessKeyId"], fields["SecretAccessKey"], fields["SessionToken"], source=source
    )
    return Fetched(credentials, parse_expiry(fields["Expiration"], source=source))


def call(
    action: str,
    parameters: Sequence[Tuple[str, str]],
    *,
    target: StsTarget,
    credentials: Optional[Credentials],
    at: _dt.datetime,
    timeout: float,
    secrets: Sequence[str] = (),
) -> Fetched:
    """Call ``action`` with ``parameters``; signed with ``credentials`` (``None``: unsigned).

    ``secrets`` are strings that must not appear in any message (they are redacted from AWS's
    error text too).
    """
    source = f"STS {action} at {url_for_messages(target.url)}"
    body = _form([("Action", action), ("Version", VERSION), *parameters])
    headers: List[Tuple[str, str]] = [("Content-Type", _FORM)]
    hidden = list(secrets)
    if credentials is not None:
        signer = get_signer("sigv4", region=target.region, service="sts")
        signed = signer.sign(Request("POST", target.url, headers, body), credentials, at)
        headers = list(signed.headers)
        hidden += [credentials.secret_key, credentials.token or ""]
    try:
        answer = send("POST", target.url, headers=headers, body=body, timeout=timeout, proxies=True)
    except (HttpTimeout, HttpUnreachable) as exc:
        raise CredentialsServiceError(
            f"{source}: {_redact(str(exc), hidden)}", source=source
        ) from None
    if answer.status != 200:
        raise _error(answer.status, answer.body, source, hidden)
    return _credentials(action, answer.body, source)
