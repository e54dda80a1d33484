"""Credentials from a container credentials endpoint (ECS task roles, EKS Pod Identity).

As botocore: ``AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`` is a path on ``http://169.254.170.2``;
otherwise ``AWS_CONTAINER_CREDENTIALS_FULL_URI`` is a whole URL, allowed over https to any host,
and over http only to a loopback address or the ECS/EKS addresses (169.254.170.2,
169.254.170.23, fd00:ec2::23, localhost).  The ``Authorization`` header is the content of
``AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE`` (read on every fetch: EKS rotates it) or else
``AWS_CONTAINER_AUTHORIZATION_TOKEN``.  The answer is JSON: AccessKeyId, SecretAccessKey, Token,
Expiration.  Each GET waits up to 2 s; three attempts, 1 s apart.
"""

from __future__ import annotations

import os
import time
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple
from urllib.parse import urlsplit

from ..errors import CredentialsError, CredentialsServiceError
from ._config import env_value
from ._http import HttpTimeout, HttpUnreachable, send, url_for_messages
from ._ini import read_setting_file
from ._refresh import Clock, Fetched, RefreshingProvider, make_credentials, parse_expiry

__all__ = ["ContainerProvider", "RELATIVE_URI_HOST", "ALLOWED_HOSTS"]

RELATIVE_URI_HOST = "169.254.170.2"
ALLOWED_HOSTS = (RELATIVE_URI_HOST, "169.254.170.23", "fd00:ec2::23", "localhost")
TIMEOUT = 2.0
ATTEMPTS = 3
PAUSE = 1.0


def _allowed(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme == "https":
        return
    host = parts.hostname or ""
    if parts.scheme == "http":
        import ipaddress

        if host in ALLOWED_HOSTS:
            return
        try:
            if ipaddress.ip_address(host).is_loopback:
                return
        except ValueError:
            pass
    raise CredentialsError(
        f"AWS_CONTAINER_CREDENTIALS_FULL_URI: {url_for_messages(url)!r} is not allowed; use "
        f"https, a loopback address, or http to one of {', '.join(ALLOWED_HOSTS)}",
        source="AWS_CONTAINER_CREDENTIALS_FULL_URI",
    )


class ContainerProvider(RefreshingProvider):
    """Credentials from the container credentials endpoint named by the environment."""

    method = "container-role"

    def __init__(
        self,
        *,
        environ: Optional[Mapping[str, str]] = None,
        clock: Optional[Clock] = None,
        timeout: float = TIMEOUT,
        attempts: int = ATTEMPTS,
        pause: float = PAUSE,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        super().__init__(clock=clock)
        self._environ = os.environ if environ is None else environ
        self._timeout = timeout
        self._attempts = max(1, attempts)
        self._pause = pause
        self._sleep = sleep

    def url(self) -> Optional[str]:
        """The endpoint the environment names (checked), or ``None``."""
        relative = env_value(self._environ, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")
        if relative is not None:
            return f"http://{RELATIVE_URI_HOST}{relative}"
        full = env_value(self._environ, "AWS_CONTAINER_CREDENTIALS_FULL_URI")
        if full is not None:
            _allowed(full)
        return full

    @property
    def source(self) -> str:
        try:
            url = self.url()
        except CredentialsError:
            url = None
        return "container credentials" + ("" if url is None else f" at {url_for_messages(url)}")

    def _nothing(self) -> str:
        return "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set"

    def _authorization(self) -> List[Tuple[str, str]]:
        path = env_value(self._environ, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")
        if path is not None:
            name = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
            token: Optional[str] = read_setting_file(path, name)
        else:
            token = env_value(self._environ, "AWS_CONTAINER_AUTHORIZATION_TOKEN")
            name = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
        if token is None:
            return []
        if "\r" in token or "\n" in token:
            raise CredentialsError(
                f"{name}: the token contains CR or LF; it cannot be a header value", source=name
            )
        return [("Authorization", token)]

    def _fetch(self) -> Optional[Fetched]:
        url = self.url()
        if url is None:
            return None
        data = self._get(url, self._authorization())
        source = self.source
        missing = [
            name
            for name in ("AccessKeyId", "SecretAccessKey", "Token", "Expiration")
            if not isinstance(data.get(name), str)
        ]
        if missing:
            raise CredentialsServiceError(
                f"{source}: the answer has no {', '.join(missing)}", source=source, status=200
            )
        credentials = make_credentials(
            data["AccessKeyId"], data["SecretAccessKey"], data["Token"], source=source
        )
        return Fetched(credentials, parse_expiry(data["Expiration"], source=source))

    def _get(self, url: str, authorization: List[Tuple[str, str]]) -> Dict[str, Any]:
        headers = [("Accept", "application/json"), *authorization]
        source = self.source
        failure = ""
        status: Optional[int] = None
        for attempt in range(self._attempts):
            if attempt:
                self._sleep(self._pause)
            try:
                answer = send("GET", url, headers=headers, timeout=self._timeout)
            except (HttpTimeout, HttpUnreachable) as exc:
                failure, status = str(exc), None
                continue
            status = answer.status
            if answer.status != 200:
                failure = f"HTTP {answer.status}"
                continue
            import json

            try:
                data = json.loads(answer.body.decode("utf-8"))
            except ValueError:
                failure = "the answer is not JSON"
                continue
            if isinstance(data, dict):
                return data
            failure = "the answer is not a JSON object"
        raise CredentialsServiceError(
            f"{source}: {failure} (after {self._attempts} attempts)", source=source, status=status
        )
