"""The shared config (``~/.aws/config``) and credentials (``~/.aws/credentials``) files as one view.

botocore's rules: in the config file a profile is ``[default]`` or ``[profile NAME]`` (the name
split shell-style, so ``[profile "my dev"]`` is ``my dev``; ``[profileX]`` and ``[NAME]`` are
not profiles) and ``[services NAME]`` holds service-specific settings; in the credentials file
every ``[NAME]`` is a profile.  A profile's settings are the config file's, overlaid by the
credentials file's section of the same name.  Settings read from the environment win over the
files; an empty environment variable counts as unset.
"""

from __future__ import annotations

import os
import shlex
from typing import Dict, List, Mapping, Optional, Tuple

from ..errors import ConfigFileError, CredentialsError
from ._ini import IniFile, Section, Value, display_path, read_ini

__all__ = ["SharedConfig", "env_value", "env_flag", "truthy", "resolve_profile_name", "setting"]

DEFAULT_CONFIG_FILE = os.path.join("~", ".aws", "config")
DEFAULT_CREDENTIALS_FILE = os.path.join("~", ".aws", "credentials")


def env_value(environ: Mapping[str, str], name: str) -> Optional[str]:
    """The variable's value, or ``None`` when unset or empty."""
    value = environ.get(name)
    return value if value else None


def truthy(value: Optional[str]) -> bool:
    """botocore's ``ensure_boolean``: only ``true`` (any case) is true."""
    return value is not None and value.strip().lower() == "true"


def env_flag(environ: Mapping[str, str], name: str) -> bool:
    return truthy(env_value(environ, name))


def resolve_profile_name(
    profile: Optional[str], environ: Mapping[str, str]
) -> Tuple[str, bool, bool]:
    """``(name, explicit, named)``: the profile to use, whether it was passed as an argument
    (which takes the environment's keys out of the chain, as in botocore), and whether it was
    named at all (argument, AWS_DEFAULT_PROFILE or AWS_PROFILE: then it must exist)."""
    if profile is not None:
        if not isinstance(profile, str) or not profile:
            raise CredentialsError(f"profile: expected a non-empty name, got {profile!r}")
        return profile, True, True
    # botocore reads AWS_DEFAULT_PROFILE first, then AWS_PROFILE.
    for name in ("AWS_DEFAULT_PROFILE", "AWS_PROFILE"):
        value = env_value(environ, name)
        if value is not None:
            return value, False, True
    return "default", False, False


def _section_name(header: str, prefix: str) -> Optional[str]:
    # botocore: a header starting with the prefix that splits (shell-style) into exactly two words.
    if not header.startswith(prefix):
        return None
    try:
        words = shlex.split(header)
    except ValueError:
        return None
    return words[1] if len(words) == 2 else None


class SharedConfig:
    """Both shared files, parsed once: profiles, services sections, and where each key is."""

    def __init__(
        self,
        config: Optional[IniFile],
        credentials: Optional[IniFile],
        *,
        config_path: str = DEFAULT_CONFIG_FILE,
        credentials_path: str = DEFAULT_CREDENTIALS_FILE,
    ) -> None:
        self.config_file = config
        self.credentials_file = credentials
        self.config_path = config.path if config is not None else display_path(config_path)
        self.credentials_path = (
            credentials.path if credentials is not None else display_path(credentials_path)
        )
        self._profiles: Dict[str, Section] = {}
        self._services: Dict[str, Section] = {}
        for header, section in (config.sections if config is not None else {}).items():
            name = _section_name(header, "profile")
            if name is not None:
                self._profiles[name] = section
                continue
            name = _section_name(header, "services")
            if name is not None:
                self._services[name] = section
            elif header == "default":
                self._profiles["default"] = section

    @classmethod
    def load(cls, environ: Optional[Mapping[str, str]] = None) -> SharedConfig:
        """Read the files AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE name (or the defaults)."""
        env = os.environ if environ is None else environ
        config_path = env_value(env, "AWS_CONFIG_FILE") or DEFAULT_CONFIG_FILE
        credentials_path = env_value(env, "AWS_SHARED_CREDENTIALS_FILE") or DEFAULT_CREDENTIALS_FILE
        return cls(
            read_ini(config_path),
            read_ini(credentials_path),
            config_path=os.path.expanduser(os.path.expandvars(config_path)),
            credentials_path=os.path.expanduser(os.path.expandvars(credentials_path)),
        )

    # -- profiles ------------------------------------------------------------------------------

    def config_section(self, profile: str) -> Optional[Section]:
        """The config file's section for ``profile`` (``[default]`` / ``[profile NAME]``)."""
        return self._profiles.get(profile)

    def credentials_section(self, profile: str) -> Optional[Section]:
        """The credentials file's ``[profile]`` section."""
        if self.credentials_file is None:
            return None
        return self.credentials_file.sections.get(profile)

    def profile_names(self) -> List[str]:
        names = set(self._profiles)
        if self.credentials_file is not None:
            names.update(self.credentials_file.sections)
        return sorted(names)

    def has_profile(self, profile: str) -> bool:
        return self.config_section(profile) is not None or (
            self.credentials_section(profile) is not None
        )

    def profile(self, profile: str) -> Dict[str, Value]:
        """The profile's settings: the config file's overlaid by the credentials file's."""
        merged: Dict[str, Value] = {}
        for section in (self.config_section(profile), self.credentials_section(profile)):
            if section is not None:
                merged.update(section.values)
        return merged

    def where(self, profile: str, key: Optional[str] = None) -> str:
        """Where ``key`` of ``profile`` is written (``~/.aws/credentials line 3``)."""
        credentials = self.credentials_section(profile)
        if credentials is not None and (key is None or key in credentials.values):
            assert self.credentials_file is not None
            return self.credentials_file.where(credentials.name, key)
        config = self.config_section(profile)
        if config is not None:
            assert self.config_file is not None
            return self.config_file.where(config.name, key)
        return f"{self.config_path} or {self.credentials_path}"

    def string(self, profile: str, key: str) -> Optional[str]:
        """A plain setting of ``profile``; a sub-section where a value belongs is an error."""
        value = self.profile(profile).get(key)
        if isinstance(value, dict):
            where = self.where(profile, key)
            raise ConfigFileError(
                f"{where}: {key!r} is a sub-section; a single value is expected",
                path=where.split(" line ")[0],
            )
        return value if value else None

    def require_profile(self, profile: str) -> None:
        """An error naming the files and the profiles they do have, when ``profile`` is unknown."""
        if self.has_profile(profile):
            return
        known = ", ".join(self.profile_names()) or "none"
        raise CredentialsError(
            f"profile {profile!r} not found in {self.config_path} or {self.credentials_path} "
            f"(profiles there: {known})",
            source=f"{self.config_path}, {self.credentials_path}",
        )

    # -- services sections ---------------------------------------------------------------------

    def services(self, name: str) -> Optional[Section]:
        """The config file's ``[services NAME]`` section."""
        return self._services.get(name)

    def __repr__(self) -> str:
        return (
            f"SharedConfig(config={self.config_path!r}, credentials={self.credentials_path!r}, "
            f"profiles={self.profile_names()})"
        )


def setting(
    environ: Mapping[str, str],
    config: Optional[SharedConfig],
    profile: str,
    env_name: Optional[str],
    key: Optional[str],
) -> Optional[str]:
    """A setting from the environment variable ``env_name``, else from the profile's ``key``."""
    if env_name is not None:
        value = env_value(environ, env_name)
        if value is not None:
            return value
    if key is None or config is None:
        return None
    return config.string(profile, key)
