"""Credentials from the environment, the shared files, and ``credential_process``.

As botocore:

* environment: ``AWS_ACCESS_KEY_ID`` (its presence is what counts), ``AWS_SECRET_ACCESS_KEY``,
  the token from ``AWS_SECURITY_TOKEN`` (legacy, read first) or ``AWS_SESSION_TOKEN``, and an
  optional ``AWS_CREDENTIAL_EXPIRATION`` (then the variables are read again as it nears);
* shared credentials file: the ``[PROFILE]`` section's ``aws_access_key_id``,
  ``aws_secret_access_key``, ``aws_security_token`` or ``aws_session_token``;
* config file: the same keys in ``[default]`` / ``[profile PROFILE]``;
* ``credential_process``: the profile's command, split shell-style and run without a shell; it
  prints JSON ``{"Version": 1, "AccessKeyId", "SecretAccessKey", "SessionToken"?,
  "Expiration"?}``.  Unlike botocore, the run is bounded in time and a failing command's output
  is never repeated in the error (it may hold the very secrets it was meant to print).
"""

from __future__ import annotations

import os
import shlex
from typing import TYPE_CHECKING, Any, List, Mapping, Optional, TypedDict

from ..errors import CredentialsError
from ._config import SharedConfig, env_value, resolve_profile_name
from ._ini import Section, Value
from ._refresh import Clock, Fetched, RefreshingProvider, make_credentials, parse_expiry

__all__ = [
    "EnvironmentProvider",
    "SharedCredentialsProvider",
    "ConfigProvider",
    "ProcessProvider",
    "ProfileKeywords",
    "CallingKeywords",
    "CallingProvider",
    "PROCESS_TIMEOUT",
]

#: Seconds a credential_process may run.
PROCESS_TIMEOUT = 60.0


if TYPE_CHECKING:  # (type checkers only: the core needs no typing_extensions at run time)
    from typing_extensions import Unpack


class EnvironmentProvider(RefreshingProvider):
    """Credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN."""

    method = "env"

    def __init__(
        self, *, environ: Optional[Mapping[str, str]] = None, clock: Optional[Clock] = None
    ) -> None:
        super().__init__(source="environment", clock=clock)
        self._environ = os.environ if environ is None else environ

    def _nothing(self) -> str:
        return "AWS_ACCESS_KEY_ID is not set"

    def _fetch(self) -> Optional[Fetched]:
        env = self._environ
        access_key = env_value(env, "AWS_ACCESS_KEY_ID")
        if access_key is None:
            return None
        secret_key = env_value(env, "AWS_SECRET_ACCESS_KEY")
        if secret_key is None:
            raise CredentialsError(
                "environment: AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not",
                source="AWS_SECRET_ACCESS_KEY",
            )
        token = env_value(env, "AWS_SECURITY_TOKEN") or env_value(env, "AWS_SESSION_TOKEN")
        expiration = env_value(env, "AWS_CREDENTIAL_EXPIRATION")
        credentials = make_credentials(access_key, secret_key, token, source="environment")
        expiry = None
        if expiration is not None:
            expiry = parse_expiry(expiration, source="AWS_CREDENTIAL_EXPIRATION")
        return Fetched(credentials, expiry)

    def __repr__(self) -> str:
        return "EnvironmentProvider()"


class ProfileKeywords(TypedDict, total=False):
    """The keywords of every provider reading a profile (:class:`ProfileProvider`'s): a
    subclass takes them as ``**keywords`` and passes them on, typed."""

    environ: Optional[Mapping[str, str]]
    config: Optional[SharedConfig]
    clock: Optional[Clock]


class ProfileProvider(RefreshingProvider):
    """A provider reading one profile of the shared files."""

    def __init__(
        self,
        profile: Optional[str] = None,
        *,
        environ: Optional[Mapping[str, str]] = None,
        config: Optional[SharedConfig] = None,
        clock: Optional[Clock] = None,
    ) -> None:
        super().__init__(clock=clock)
        self._environ = os.environ if environ is None else environ
        self.profile = resolve_profile_name(profile, self._environ)[0]
        self._shared = config

    @property
    def config(self) -> SharedConfig:
        """The shared files, read on first use."""
        if self._shared is None:
            self._shared = SharedConfig.load(self._environ)
        return self._shared

    def __repr__(self) -> str:
        return f"{type(self).__name__}(profile={self.profile!r})"


def _static_keys(section: Optional[Section], source: str) -> Optional[Fetched]:
    # botocore: the access key's presence decides; then the secret must be there too.
    if section is None or "aws_access_key_id" not in section.values:
        return None
    values = section.values

    def text(key: str) -> Optional[str]:
        value: Optional[Value] = values.get(key)
        if isinstance(value, dict):
            raise CredentialsError(
                f"{source}: {key!r} is a sub-section, not a value", source=source
            )
        return value

    if "aws_secret_access_key" not in values:
        raise CredentialsError(
            f"{source}: aws_access_key_id is set but aws_secret_access_key is not", source=source
        )
    token = text("aws_security_token") or text("aws_session_token")
    credentials = make_credentials(
        text("aws_access_key_id"), text("aws_secret_access_key"), token, source=source
    )
    return Fetched(credentials, None)


class _StaticKeysProvider(ProfileProvider):
    """Static keys of the profile's section in one of the shared files."""

    _in_credentials_file: bool  # else in the config file

    @property
    def source(self) -> str:
        if self._in_credentials_file:
            return f"shared credentials file {self.config.credentials_path} [{self.profile}]"
        return f"config file {self.config.config_path} (profile {self.profile!r})"

    def _nothing(self) -> str:
        return "no aws_access_key_id in the profile"

    def _fetch(self) -> Optional[Fetched]:
        config = self.config
        if self._in_credentials_file:
            section, file = config.credentials_section(self.profile), config.credentials_file
        else:
            section, file = config.config_section(self.profile), config.config_file
        where = self.source
        if section is not None and file is not None:
            where = file.where(section.name, None)
        return _static_keys(section, where)


class SharedCredentialsProvider(_StaticKeysProvider):
    """Static keys of ``[PROFILE]`` in the shared credentials file (``~/.aws/credentials``)."""

    method = "shared-credentials-file"
    _in_credentials_file = True


class ConfigProvider(_StaticKeysProvider):
    """Static keys of the profile in the shared config file (``~/.aws/config``)."""

    method = "config-file"
    _in_credentials_file = False


class CallingKeywords(ProfileKeywords, total=False):
    """The keywords of a provider that calls out (:class:`CallingProvider`)."""

    timeout: Optional[float]


class CallingProvider(ProfileProvider):
    """A profile's provider that calls out (a command, STS) and waits at most ``timeout``
    seconds for the answer (``None``: the class's ``DEFAULT_TIMEOUT``)."""

    DEFAULT_TIMEOUT: float

    def __init__(
        self,
        profile: Optional[str] = None,
        *,
        timeout: Optional[float] = None,
        **keywords: Unpack[ProfileKeywords],
    ) -> None:
        super().__init__(profile, **keywords)
        self._timeout = self.DEFAULT_TIMEOUT if timeout is None else timeout


class ProcessProvider(CallingProvider):
    """Credentials printed by the profile's ``credential_process`` command."""

    method = "custom-process"
    DEFAULT_TIMEOUT = PROCESS_TIMEOUT

    @property
    def source(self) -> str:
        if "credential_process" not in self.config.profile(self.profile):
            return f"credential_process (profile {self.profile!r})"
        where = self.config.where(self.profile, "credential_process")
        return f"credential_process of profile {self.profile!r} ({where})"

    def _nothing(self) -> str:
        return "the profile has no credential_process"

    def _fetch(self) -> Optional[Fetched]:
        command = self.config.string(self.profile, "credential_process")
        if command is None:
            return None
        source = self.source
        output = _run(_split(command, source), self._timeout, source)
        return _parse_process_output(output, source)


def _split(command: str, source: str) -> List[str]:
    try:
        args = shlex.split(command, posix=os.name != "nt")
    except ValueError as exc:
        raise CredentialsError(
            f"{source}: the command cannot be split into words ({exc})", source=source
        ) from None
    if not args:
        raise CredentialsError(f"{source}: the command is empty", source=source)
    return args


def _run(args: List[str], timeout: float, source: str) -> bytes:
    import subprocess

    program = os.path.basename(args[0])
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise CredentialsError(f"{source}: program {program!r} not found", source=source) from None
    except subprocess.TimeoutExpired:
        raise CredentialsError(
            f"{source}: {program!r} did not finish within {timeout:g} s (stopped)", source=source
        ) from None
    except OSError as exc:
        raise CredentialsError(
            f"{source}: {program!r} cannot be run ({exc.strerror or type(exc).__name__})",
            source=source,
        ) from None
    if done.returncode != 0:
        raise CredentialsError(
            f"{source}: {program!r} exited with status {done.returncode} (its output is not "
            "shown: it may hold secrets; run the command yourself to see it)",
            source=source,
        )
    return done.stdout


def _parse_process_output(output: bytes, source: str) -> Fetched:
    import json

    try:
        data: Any = json.loads(output.decode("utf-8"))
    except ValueError:
        raise CredentialsError(
            f"{source}: the output ({len(output)} bytes) is not JSON", source=source
        ) from None
    if not isinstance(data, dict):
        raise CredentialsError(
            f"{source}: the output is JSON {type(data).__name__}, not an object", source=source
        )
    version = data.get("Version")
    if isinstance(version, bool) or version != 1:
        shown = repr(version) if isinstance(version, (int, float)) else type(version).__name__
        raise CredentialsError(
            f"{source}: output Version is {shown}; only Version 1 is supported", source=source
        )
    for key in ("AccessKeyId", "SecretAccessKey"):
        if key not in data:
            raise CredentialsError(f"{source}: the output has no {key}", source=source)
    credentials = make_credentials(
        data["AccessKeyId"], data["SecretAccessKey"], data.get("SessionToken"), source=source
    )
    expiration = data.get("Expiration")
    expiry = None if expiration is None else parse_expiry(expiration, source=source)
    return Fetched(credentials, expiry)
