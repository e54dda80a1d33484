"""Roles assumed through STS: ``role_arn`` profiles and web identity.

A profile with ``role_arn`` (and no ``web_identity_token_file``) is assumed with STS
``AssumeRole``, signed with the credentials of either ``source_profile`` (itself possibly a role
profile: chains are followed, loops refused; a profile may name itself when it also holds static
keys) or ``credential_source`` (``Environment``, ``Ec2InstanceMetadata`` or ``EcsContainer``,
spelt exactly so).
``external_id``, ``role_session_name`` (default ``sigbridge-session-<epoch seconds>``, like
botocore's ``botocore-session-<epoch seconds>``) and ``duration_seconds`` are passed on;
``mfa_serial`` is refused, since sigbridge never prompts.

Web identity: ``AWS_WEB_IDENTITY_TOKEN_FILE``, ``AWS_ROLE_ARN``, ``AWS_ROLE_SESSION_NAME`` (each
falling back to the profile's ``web_identity_token_file``, ``role_arn``, ``role_session_name``)
give an unsigned ``AssumeRoleWithWebIdentity``; the token file is read again on every refresh.

The STS endpoint and signing region are those of the profile the chain started from, as in
botocore (see :class:`~signers.credentials._sts.StsTarget`).
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, List, Mapping, Optional, Sequence, Tuple, Union, cast

from ..errors import ConfigFileError, CredentialsError
from ..model import Credentials
from ._config import SharedConfig, env_value
from ._container import ContainerProvider
from ._files import (
    CallingKeywords,
    CallingProvider,
    ConfigProvider,
    EnvironmentProvider,
    ProcessProvider,
    ProfileKeywords,
    ProfileProvider,
    SharedCredentialsProvider,
)
from ._imds import InstanceMetadataProvider
from ._ini import display_path, read_setting_file
from ._refresh import ChainProvider, Fetched, RefreshingProvider
from ._sts import StsTarget, call

__all__ = [
    "AssumeRoleProvider",
    "WebIdentityProvider",
    "UnsupportedProfileProvider",
    "StsKeywords",
    "profile_providers",
    "STS_TIMEOUT",
]

#: Seconds to wait for STS (botocore's default read timeout).
STS_TIMEOUT = 60.0

_CREDENTIAL_SOURCES = ("Environment", "Ec2InstanceMetadata", "EcsContainer")


if TYPE_CHECKING:  # (type checkers only: the core needs no typing_extensions at run time)
    from typing_extensions import Unpack


class StsKeywords(CallingKeywords, total=False):
    """The keywords of the providers that call STS: the profile providers', how long to wait
    for STS, and the profile whose STS endpoint and region are used (default: the provider's)."""

    sts_profile: Optional[str]


class _StsProvider(CallingProvider):
    """A profile's provider that calls STS (where, and how long to wait)."""

    DEFAULT_TIMEOUT = STS_TIMEOUT
    _session_name: Optional[str] = None

    def __init__(self, profile: Optional[str] = None, **keywords: Unpack[StsKeywords]) -> None:
        sts_profile = keywords.pop("sts_profile", None)
        super().__init__(profile, **cast(CallingKeywords, keywords))  # (sts_profile taken out)
        self._sts_profile = sts_profile or self.profile

    def _followed(self) -> StsKeywords:
        # what a provider this one follows (a source profile's) inherits from it
        return {
            "environ": self._environ,
            "config": self.config,
            "clock": self.clock,
            "timeout": self._timeout,
            "sts_profile": self._sts_profile,
        }

    def _default_session_name(self) -> str:
        if self._session_name is None:
            self._session_name = f"sigbridge-session-{int(self.clock().timestamp())}"
        return self._session_name

    def _call(
        self,
        action: str,
        parameters: Sequence[Tuple[str, str]],
        credentials: Optional[Credentials],
        secrets: Sequence[str] = (),
    ) -> Fetched:
        target = StsTarget.for_profile(self._sts_profile, self._environ, self.config)
        return call(
            action,
            parameters,
            target=target,
            credentials=credentials,
            at=self.clock(),
            timeout=self._timeout,
            secrets=secrets,
        )


class WebIdentityProvider(_StsProvider):
    """``AssumeRoleWithWebIdentity`` with a token file (EKS IRSA, GitHub Actions OIDC ...).

    ``use_environment=False`` reads only the profile (what an explicitly chosen profile does).
    """

    method = "assume-role-with-web-identity"

    def __init__(
        self,
        profile: Optional[str] = None,
        *,
        use_environment: bool = True,
        **keywords: Unpack[StsKeywords],
    ) -> None:
        super().__init__(profile, **keywords)
        self._use_environment = use_environment

    @property
    def source(self) -> str:
        return f"web identity (profile {self.profile!r})"

    def _nothing(self) -> str:
        return "no AWS_WEB_IDENTITY_TOKEN_FILE / web_identity_token_file"

    def _setting(self, env_name: str, key: str) -> Optional[str]:
        if self._use_environment:
            value = env_value(self._environ, env_name)
            if value is not None:
                return value
        return self.config.string(self.profile, key)

    def _fetch(self) -> Optional[Fetched]:
        token_file = self._setting("AWS_WEB_IDENTITY_TOKEN_FILE", "web_identity_token_file")
        if token_file is None:
            return None
        role_arn = self._setting("AWS_ROLE_ARN", "role_arn")
        if role_arn is None:
            raise CredentialsError(
                f"{self.source}: a web identity token file is set but no role ARN "
                "(set AWS_ROLE_ARN or the profile's role_arn)",
                source=self.source,
            )
        session_name = self._setting("AWS_ROLE_SESSION_NAME", "role_session_name")
        token = _read_token(token_file)
        parameters = [
            ("RoleArn", role_arn),
            ("RoleSessionName", session_name or self._default_session_name()),
            ("WebIdentityToken", token),
        ]
        return self._call("AssumeRoleWithWebIdentity", parameters, None, secrets=[token])


def _read_token(path: str) -> str:
    full = os.path.expanduser(path)
    shown = display_path(full)
    token = read_setting_file(full, "web identity token file").strip()
    if not token:
        raise CredentialsError(f"web identity token file {shown!r} is empty", source=shown)
    return token


class _Role:
    """A role profile's settings, checked."""

    def __init__(self, config: SharedConfig, profile: str) -> None:
        get = config.string
        self.arn = get(profile, "role_arn") or ""
        self.source_profile = get(profile, "source_profile")
        self.credential_source = get(profile, "credential_source")
        self.external_id = get(profile, "external_id")
        self.session_name = get(profile, "role_session_name")
        self.duration: Optional[int] = None
        where = config.where
        if get(profile, "mfa_serial") is not None:
            raise CredentialsError(
                f"{where(profile, 'mfa_serial')}: profile {profile!r} sets mfa_serial; sigbridge "
                "does not prompt for MFA codes (use credential_process or a session from "
                "'aws sts get-session-token')",
                source=where(profile, "mfa_serial"),
            )
        if self.source_profile is not None and self.credential_source is not None:
            raise CredentialsError(
                f"{where(profile, 'role_arn')}: profile {profile!r} sets both source_profile "
                "and credential_source; keep one",
                source=where(profile, "role_arn"),
            )
        if self.source_profile is None and self.credential_source is None:
            raise CredentialsError(
                f"{where(profile, 'role_arn')}: profile {profile!r} sets role_arn but neither "
                "source_profile nor credential_source",
                source=where(profile, "role_arn"),
            )
        duration = get(profile, "duration_seconds")
        if duration is not None:
            if not duration.strip().isdigit():
                raise ConfigFileError(
                    f"{where(profile, 'duration_seconds')}: duration_seconds {duration[:20]!r} "
                    "is not a whole number of seconds",
                    path=where(profile, "duration_seconds").split(" line ")[0],
                )
            self.duration = int(duration)

    def parameters(self, default_session_name: str) -> List[Tuple[str, str]]:
        parameters = [
            ("RoleArn", self.arn),
            ("RoleSessionName", self.session_name or default_session_name),
        ]
        if self.external_id is not None:
            parameters.append(("ExternalId", self.external_id))
        if self.duration is not None:
            parameters.append(("DurationSeconds", str(self.duration)))
        return parameters


def _is_role_profile(settings: Mapping[str, object]) -> bool:
    return "role_arn" in settings and "web_identity_token_file" not in settings


def _has_static_keys(settings: Mapping[str, object]) -> bool:
    return "aws_access_key_id" in settings or "aws_secret_access_key" in settings


class _SourceChain(ChainProvider):
    """A source profile's own providers, as one source with a reason when it holds nothing."""

    def _nothing(self) -> str:
        tried = ", ".join(provider.source for provider in self.providers)
        return f"tried {tried}"


_Source = Union[RefreshingProvider, _SourceChain]


class AssumeRoleProvider(_StsProvider):
    """The role of a ``role_arn`` profile, assumed with STS ``AssumeRole``."""

    method = "assume-role"

    # The profiles followed so far to reach this one (loops are refused); set by the follower.
    _visited: Sequence[str] = ()
    _source_provider: Optional[_Source] = None

    @property
    def source(self) -> str:
        return f"assume role (profile {self.profile!r})"

    def _nothing(self) -> str:
        return "the profile has no role_arn"

    def _fetch(self) -> Optional[Fetched]:
        if not _is_role_profile(self.config.profile(self.profile)):
            return None
        role = _Role(self.config, self.profile)
        if self._source_provider is None:
            if role.credential_source is not None:
                self._source_provider = self._named_source(role.credential_source)
            else:
                assert role.source_profile is not None
                self._source_provider = self._profile_source(role.source_profile)
        source = self._source_provider.load()
        if source is None:
            what = (
                f"credential_source {role.credential_source!r}"
                if role.credential_source is not None
                else f"source_profile {role.source_profile!r}"
            )
            raise CredentialsError(
                f"{self.source}: {what} holds no credentials "
                f"({self._source_provider.source}: {self._source_provider._nothing()})",
                source=self._source_provider.source,
            )
        parameters = role.parameters(self._default_session_name())
        return self._call("AssumeRole", parameters, source)

    def _named_source(self, name: str) -> RefreshingProvider:
        # The names are matched exactly, as botocore's check of them does.
        if name == "Environment":
            return EnvironmentProvider(environ=self._environ, clock=self.clock)
        if name == "Ec2InstanceMetadata":
            return InstanceMetadataProvider(
                self._sts_profile, environ=self._environ, config=self.config, clock=self.clock
            )
        if name == "EcsContainer":
            return ContainerProvider(environ=self._environ, clock=self.clock)
        where = self.config.where(self.profile, "credential_source")
        raise CredentialsError(
            f"{where}: credential_source {name[:40]!r} of profile {self.profile!r} is not one "
            f"of {', '.join(_CREDENTIAL_SOURCES)}",
            source=where,
        )

    def _profile_source(self, name: str) -> _Source:
        config = self.config
        where = config.where(self.profile, "source_profile")
        if not config.has_profile(name):
            raise CredentialsError(
                f"{where}: source_profile {name!r} of profile {self.profile!r} does not exist",
                source=where,
            )
        settings = config.profile(name)
        followed = list(self._visited) or [self.profile]
        if name in followed and (name != self.profile or not _has_static_keys(settings)):
            loop = " -> ".join([*followed, name])
            raise CredentialsError(f"{where}: source_profile loop: {loop}", source=where)
        if _has_static_keys(settings) or not _is_role_profile(settings):
            # botocore: the source profile's own providers, without the environment.
            return _SourceChain(
                profile_providers(name, use_environment=False, **self._followed()),
                name=f"source_profile {name!r}",
                hint=f"(source_profile of profile {self.profile!r} must hold credentials)",
            )
        role = AssumeRoleProvider(name, **self._followed())
        role._visited = [*followed, name]
        return role


class UnsupportedProfileProvider(ProfileProvider):
    """A place in the chain for a botocore source sigbridge does not implement.

    If the profile uses it (IAM Identity Center ``sso_*``, console ``login_session``), the
    chain stops with an error rather than quietly using credentials botocore would not use.
    """

    method = "unsupported"

    def __init__(
        self, what: str, keys: Sequence[str], profile: str, **keywords: Unpack[ProfileKeywords]
    ) -> None:
        super().__init__(profile, **keywords)
        self._what = what
        self._keys = tuple(keys)

    @property
    def source(self) -> str:
        return f"{self._what} (not supported)"

    def _fetch(self) -> Optional[Fetched]:
        settings = self.config.profile(self.profile)
        used = [key for key in self._keys if key in settings]
        if not used:
            return None
        where = self.config.where(self.profile, used[0])
        raise CredentialsError(
            f"{where}: profile {self.profile!r} uses {self._what} ({used[0]}), which sigbridge "
            "does not support; use credential_process (e.g. 'aws configure export-credentials "
            "--format process')",
            source=where,
        )


def profile_providers(
    profile: str, *, use_environment: bool, **keywords: Unpack[StsKeywords]
) -> List[RefreshingProvider]:
    """botocore's profile providers, in its order: web identity, (SSO), shared credentials
    file, (login), credential_process, config file."""
    shared: ProfileKeywords = {
        "environ": keywords.get("environ"),
        "config": keywords.get("config"),
        "clock": keywords.get("clock"),
    }
    return [
        WebIdentityProvider(profile, use_environment=use_environment, **keywords),
        UnsupportedProfileProvider(
            "IAM Identity Center", ("sso_account_id", "sso_role_name"), profile, **shared
        ),
        SharedCredentialsProvider(profile, **shared),
        UnsupportedProfileProvider("console login", ("login_session",), profile, **shared),
        ProcessProvider(profile, **shared),
        ConfigProvider(profile, **shared),
    ]
