"""EC2 instance metadata (IMDS): the instance role's credentials and the instance's region.

IMDSv2, as botocore does it: ``PUT /latest/api/token`` with
``X-aws-ec2-metadata-token-ttl-seconds: 21600``, then ``GET`` with ``X-aws-ec2-metadata-token``:
``/latest/meta-data/iam/security-credentials/`` gives the role name and
``.../security-credentials/ROLE`` its credentials (JSON: AccessKeyId, SecretAccessKey, Token,
Expiration).  When the token PUT is refused (403, 404, 405), times out, or cannot connect, the
GETs go without a token (IMDSv1) unless v1 is disabled.  A 400 on the PUT ends the attempt.

Settings (environment, then the profile): ``AWS_EC2_METADATA_DISABLED`` (environment only),
``AWS_EC2_METADATA_SERVICE_ENDPOINT`` / ``ec2_metadata_service_endpoint``,
``AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE`` / ``ec2_metadata_service_endpoint_mode`` (IPv4 or
IPv6; ``AWS_IMDS_USE_IPV6`` / ``imds_use_ipv6`` also picks IPv6),
``AWS_EC2_METADATA_V1_DISABLED`` / ``ec2_metadata_v1_disabled``, and botocore's defaults of a
1 s timeout and 1 attempt (``AWS_METADATA_SERVICE_TIMEOUT`` / ``metadata_service_timeout``,
``AWS_METADATA_SERVICE_NUM_ATTEMPTS`` / ``metadata_service_num_attempts``).

Static stability (as botocore): credentials IMDS hands out that are already expired or about to
are used for another 17 to 25 minutes (15 + 2..10 minutes of jitter) while the service recovers.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
from typing import TYPE_CHECKING, Any, Callable, Dict, Mapping, Optional
from urllib.parse import quote, urlsplit

from ..errors import CredentialsError, CredentialsServiceError
from ._config import SharedConfig, env_flag, resolve_profile_name, setting, truthy
from ._files import ProfileKeywords
from ._http import HttpTimeout, HttpUnreachable, send, url_for_messages
from ._refresh import (
    ADVISORY_REFRESH,
    Fetched,
    RefreshingProvider,
    aware_now,
    make_credentials,
    parse_expiry,
)

__all__ = ["MetadataClient", "InstanceMetadataProvider", "ENDPOINT_IPV4", "ENDPOINT_IPV6"]

ENDPOINT_IPV4 = "http://169.254.169.254/"
ENDPOINT_IPV6 = "http://[fd00:ec2::254]/"
TOKEN_PATH = "latest/api/token"
TOKEN_TTL = "21600"
ROLE_PATH = "latest/meta-data/iam/security-credentials/"
REGION_PATH = "latest/meta-data/placement/region"
DEFAULT_TIMEOUT = 1.0
DEFAULT_ATTEMPTS = 1


if TYPE_CHECKING:  # (type checkers only: the core needs no typing_extensions at run time)
    from typing_extensions import Unpack


def _number(value: Optional[str], name: str, default: float, *, whole: bool) -> float:
    if value is None:
        return default
    try:
        number = int(value) if whole else float(value)
    except ValueError:
        number = -1
    if number <= 0:
        kind = "a whole number" if whole else "a number of seconds"
        raise CredentialsError(f"{name}: {value[:20]!r} is not {kind} above 0", source=name)
    return number


class MetadataClient:
    """Calls to one instance metadata endpoint with botocore's token, retry and v1 rules.

    After a call that found nothing, ``failure`` says what went wrong (for messages).
    """

    def __init__(
        self,
        *,
        endpoint: Optional[str] = None,
        mode: str = "ipv4",
        timeout: float = DEFAULT_TIMEOUT,
        attempts: int = DEFAULT_ATTEMPTS,
        v1_disabled: bool = False,
    ) -> None:
        if mode.lower() not in ("ipv4", "ipv6"):
            raise CredentialsError(
                f"ec2_metadata_service_endpoint_mode: {mode!r} is not IPv4 or IPv6",
                source="ec2_metadata_service_endpoint_mode",
            )
        base = endpoint or (ENDPOINT_IPV6 if mode.lower() == "ipv6" else ENDPOINT_IPV4)
        parts = urlsplit(base)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise CredentialsError(
                f"ec2_metadata_service_endpoint: {url_for_messages(base)!r} is not an http URL",
                source="ec2_metadata_service_endpoint",
            )
        self.endpoint = base if base.endswith("/") else base + "/"
        self.timeout = timeout
        self.attempts = attempts
        self.v1_disabled = v1_disabled
        self.failure = ""

    @classmethod
    def from_settings(
        cls, *, environ: Mapping[str, str], config: Optional[SharedConfig], profile: str
    ) -> Optional[MetadataClient]:
        """A client configured from the environment and ``profile``; ``None`` when disabled."""
        if env_flag(environ, "AWS_EC2_METADATA_DISABLED"):
            return None

        def get(env_name: str, key: str) -> Optional[str]:
            return setting(environ, config, profile, env_name, key)

        mode = get("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE", "ec2_metadata_service_endpoint_mode")
        if mode is None:
            mode = "ipv6" if truthy(get("AWS_IMDS_USE_IPV6", "imds_use_ipv6")) else "ipv4"
        return cls(
            endpoint=get("AWS_EC2_METADATA_SERVICE_ENDPOINT", "ec2_metadata_service_endpoint"),
            mode=mode,
            timeout=_number(
                get("AWS_METADATA_SERVICE_TIMEOUT", "metadata_service_timeout"),
                "metadata_service_timeout",
                DEFAULT_TIMEOUT,
                whole=False,
            ),
            attempts=int(
                _number(
                    get("AWS_METADATA_SERVICE_NUM_ATTEMPTS", "metadata_service_num_attempts"),
                    "metadata_service_num_attempts",
                    DEFAULT_ATTEMPTS,
                    whole=True,
                )
            ),
            v1_disabled=truthy(get("AWS_EC2_METADATA_V1_DISABLED", "ec2_metadata_v1_disabled")),
        )

    def token(self) -> Optional[str]:
        """An IMDSv2 session token, or ``None`` to go on with IMDSv1."""
        for _attempt in range(self.attempts):
            try:
                answer = send(
                    "PUT",
                    self.endpoint + TOKEN_PATH,
                    headers=[("X-aws-ec2-metadata-token-ttl-seconds", TOKEN_TTL)],
                    timeout=self.timeout,
                )
            except HttpTimeout as exc:
                self.failure = f"token PUT: {exc}"
                return None
            except HttpUnreachable as exc:
                self.failure = f"token PUT: {exc}"
                continue
            if answer.status == 200:
                return answer.body.decode("ascii", "replace").strip()
            self.failure = f"token PUT: HTTP {answer.status}"
            if answer.status in (403, 404, 405):
                return None
            if answer.status == 400:
                raise _Refused(self.failure)
        return None

    def get(
        self, path: str, token: Optional[str], accept: Callable[[bytes], bool]
    ) -> Optional[bytes]:
        """GET ``path``; ``None`` when no attempt gave a 200 with a body ``accept`` takes."""
        if token is None and self.v1_disabled:
            raise CredentialsServiceError(
                f"EC2 instance metadata at {self.endpoint}: no IMDSv2 token "
                f"({self.failure or 'refused'}) "
                "and IMDSv1 is disabled (ec2_metadata_v1_disabled)",
                source=self.endpoint,
            )
        headers = [] if token is None else [("X-aws-ec2-metadata-token", token)]
        for _attempt in range(self.attempts):
            try:
                answer = send("GET", self.endpoint + path, headers=headers, timeout=self.timeout)
            except (HttpTimeout, HttpUnreachable) as exc:
                self.failure = f"GET /{path}: {exc}"
                continue
            if answer.status == 200 and answer.body and accept(answer.body):
                return answer.body
            self.failure = f"GET /{path}: " + (
                f"HTTP {answer.status}" if answer.status != 200 else "unusable answer"
            )
        return None

    def role_credentials(self) -> Optional[Dict[str, Any]]:
        """The instance role's credentials as IMDS gives them, or ``None`` (see ``failure``)."""
        try:
            token = self.token()
            listing = self.get(ROLE_PATH, token, _any)
            if listing is None:
                return None
            lines = listing.decode("utf-8", "replace").split()
            role = lines[0] if lines else ""
            answer = self.get(ROLE_PATH + quote(role, safe=""), token, _json_object)
        except _Refused:
            return None
        if answer is None:
            return None
        data: Dict[str, Any] = json.loads(answer.decode("utf-8"))
        missing = [
            name
            for name in ("AccessKeyId", "SecretAccessKey", "Token", "Expiration")
            if not isinstance(data.get(name), str)
        ]
        if missing:
            # IMDS reports a role it cannot use as a 200 with Code/Message and no keys.
            code = data.get("Code")
            self.failure = f"role {role!r}: no {', '.join(missing)}" + (
                f" (Code {str(code)[:40]!r})" if code else ""
            )
            return None
        return data

    def region(self) -> Optional[str]:
        """The instance's region, or ``None`` when metadata does not say."""
        try:
            answer = self.get(REGION_PATH, self.token(), _any)
        except (_Refused, CredentialsError):
            return None
        if answer is None:
            return None
        region = answer.decode("utf-8", "replace").strip()
        return region or None

    def __repr__(self) -> str:
        return (
            f"MetadataClient({self.endpoint!r}, timeout={self.timeout}, attempts={self.attempts})"
        )


class _Refused(Exception):
    """IMDS answered the token PUT with 400: this is not a request it will serve."""


def _any(body: bytes) -> bool:
    return True


def _json_object(body: bytes) -> bool:
    try:
        return isinstance(json.loads(body.decode("utf-8")), dict)
    except ValueError:
        return False


def _jitter() -> float:
    # botocore's: 2 to 10 minutes, so that a fleet does not retry in step
    import random

    return random.randint(120, 600)


class InstanceMetadataProvider(RefreshingProvider):
    """The EC2 instance role's credentials from instance metadata (IMDSv2, v1 fallback)."""

    method = "iam-role"

    # (the profile is read when the client is first needed, unlike a ProfileProvider's)
    def __init__(
        self,
        profile: Optional[str] = None,
        *,
        client: Optional[MetadataClient] = None,
        jitter: Optional[Callable[[], float]] = None,
        **keywords: Unpack[ProfileKeywords],
    ) -> None:
        environ = keywords.pop("environ", None)
        self._config = keywords.pop("config", None)
        super().__init__(clock=keywords.pop("clock", None))
        if keywords:
            raise TypeError(f"unexpected keyword argument {next(iter(keywords))!r}")
        self._environ = os.environ if environ is None else environ
        self._profile = profile
        self._client = client
        self._jitter = _jitter if jitter is None else jitter
        self._why = ""

    def _get_client(self) -> Optional[MetadataClient]:
        if self._client is None:
            name, _explicit, _named = resolve_profile_name(self._profile, self._environ)
            config = self._config if self._config is not None else SharedConfig.load(self._environ)
            self._client = MetadataClient.from_settings(
                environ=self._environ, config=config, profile=name
            )
        return self._client

    @property
    def source(self) -> str:
        client = self._client
        return "EC2 instance metadata" + ("" if client is None else f" at {client.endpoint}")

    def _nothing(self) -> str:
        return self._why or "no credentials"

    def _fetch(self) -> Optional[Fetched]:
        client = self._get_client()
        if client is None:
            self._why = "disabled by AWS_EC2_METADATA_DISABLED"
            return None
        data = client.role_credentials()
        if data is None:
            self._why = client.failure or "no credentials"
            return None
        source = self.source
        credentials = make_credentials(
            data["AccessKeyId"], data["SecretAccessKey"], data["Token"], source=source
        )
        return Fetched(
            credentials, self._stable_expiry(parse_expiry(data["Expiration"], source=source))
        )

    def _stable_expiry(self, expiry: _dt.datetime) -> _dt.datetime:
        # botocore's static stability: do not hand back credentials IMDS itself failed to renew
        # as "expired"; use them a while longer and try again later.
        now = aware_now(self.clock)
        offset = _dt.timedelta(seconds=ADVISORY_REFRESH + self._jitter())
        if now >= expiry - offset:
            return now + offset
        return expiry
