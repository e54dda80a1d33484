"""Region and endpoint URL, resolved as the AWS SDKs do.

Region: ``AWS_REGION``, ``AWS_DEFAULT_REGION``, the profile's ``region``, then (only when asked
and EC2 instance metadata is enabled) the instance's ``placement/region``.

Endpoint URL for a service (botocore's configured-endpoint rules): ``AWS_ENDPOINT_URL_<SERVICE>``
(the service id upper-cased, spaces and dashes made underscores), ``AWS_ENDPOINT_URL``, the
service's ``endpoint_url`` in the ``[services NAME]`` section the profile names with
``services = NAME``, then the profile's own ``endpoint_url``; none of it when
``AWS_IGNORE_CONFIGURED_ENDPOINT_URLS`` (or the profile's ``ignore_configured_endpoint_urls``)
is true.
"""

from __future__ import annotations

import os
from typing import Mapping, Optional, Tuple

from ..errors import ConfigFileError, CredentialsError
from ._config import SharedConfig, env_value, resolve_profile_name, setting, truthy

__all__ = [
    "endpoint_url",
    "resolve_region",
    "configured_region",
    "service_key",
    "profile_endpoint_url",
    "profile_region",
]


def service_key(service_id: str) -> str:
    """The service id as configuration spells it: ``Elastic Beanstalk`` -> ``elastic_beanstalk``."""
    if not isinstance(service_id, str) or not service_id.strip():
        raise CredentialsError(
            f"service_id: expected a service id such as 'sts', got {service_id!r}"
        )
    return service_id.strip().replace(" ", "_").replace("-", "_").lower()


def _profile_and_config(
    profile: Optional[str], environ: Mapping[str, str], config: Optional[SharedConfig]
) -> Tuple[str, SharedConfig]:
    name, _explicit, named = resolve_profile_name(profile, environ)
    shared = SharedConfig.load(environ) if config is None else config
    if named:
        shared.require_profile(name)
    return name, shared


def endpoint_url(
    service_id: str,
    profile: Optional[str] = None,
    *,
    environ: Optional[Mapping[str, str]] = None,
    config: Optional[SharedConfig] = None,
) -> Optional[str]:
    """The endpoint URL configured for ``service_id`` (``"sts"``, ``"S3"``, ``"Elastic
    Beanstalk"`` ...), or ``None`` when nothing is configured."""
    env = os.environ if environ is None else environ
    key = service_key(service_id)
    name, shared = _profile_and_config(profile, env, config)
    return profile_endpoint_url(key, name, env, shared)


def profile_endpoint_url(
    key: str, profile: str, environ: Mapping[str, str], config: SharedConfig
) -> Optional[str]:
    """:func:`endpoint_url` for a known profile name (which need not exist) and service key."""
    ignore = setting(
        environ,
        config,
        profile,
        "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS",
        "ignore_configured_endpoint_urls",
    )
    if truthy(ignore):
        return None
    for variable in ("AWS_ENDPOINT_URL_" + key.upper(), "AWS_ENDPOINT_URL"):
        value = env_value(environ, variable)
        if value is not None:
            return value
    services_name = config.string(profile, "services")
    if services_name is not None:
        section = config.services(services_name)
        if section is None:
            where = config.where(profile, "services")
            raise ConfigFileError(
                f"{where}: profile {profile!r} names services section {services_name!r}, "
                f"which {config.config_path} does not have",
                path=config.config_path,
            )
        service = section.values.get(key)
        if isinstance(service, dict) and service.get("endpoint_url"):
            return service["endpoint_url"]
    return config.string(profile, "endpoint_url")


def profile_region(profile: str, environ: Mapping[str, str], config: SharedConfig) -> Optional[str]:
    """The region from the environment or a known profile (which need not exist); no IMDS."""
    for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
        value = env_value(environ, variable)
        if value is not None:
            return value.strip()
    region = config.string(profile, "region")
    return region.strip() if region else None


def configured_region(
    profile: Optional[str] = None,
    *,
    environ: Optional[Mapping[str, str]] = None,
    config: Optional[SharedConfig] = None,
) -> Optional[str]:
    """The region from the environment or the profile, without asking EC2 instance metadata."""
    env = os.environ if environ is None else environ
    name, shared = _profile_and_config(profile, env, config)
    return profile_region(name, env, shared)


def resolve_region(
    profile: Optional[str] = None,
    *,
    environ: Optional[Mapping[str, str]] = None,
    config: Optional[SharedConfig] = None,
    imds: bool = True,
) -> Optional[str]:
    """The region to use: environment, profile, then EC2 instance metadata (when ``imds`` and
    metadata is enabled); ``None`` when none says."""
    env = os.environ if environ is None else environ
    name, shared = _profile_and_config(profile, env, config)
    region = profile_region(name, env, shared)
    if region is not None or not imds:
        return region
    from ._imds import MetadataClient

    client = MetadataClient.from_settings(environ=env, config=shared, profile=name)
    return None if client is None else client.region()
