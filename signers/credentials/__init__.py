"""The standard AWS credential chain, without botocore (standard library only).

    import signers, signers.credentials

    provider = signers.credentials.default_chain(profile="dev")
    credentials = provider.credentials()        # refreshed when near expiry
    signer = signers.get_signer("sigv4", region="us-east-1", service="sts")
    signed = signer.sign(request, credentials)

A provider is anything with ``credentials() -> signers.Credentials``
(:class:`CredentialProvider`).  The sources follow botocore's rules and order: environment,
assume role, web identity, shared credentials file, ``credential_process``, config file,
container endpoint, EC2 instance metadata.  Temporary credentials are refreshed 15 minutes
before they expire without blocking, and from 10 minutes before with every caller waiting.
Errors are :class:`~signers.errors.CredentialsError` (an
:class:`~signers.errors.InvalidCredentials`) naming the source, the file and line, or the
endpoint, and never a secret.
"""

from __future__ import annotations

from ..errors import ConfigFileError, CredentialsError, CredentialsNotFound, CredentialsServiceError
from ._assume_role import AssumeRoleProvider, WebIdentityProvider
from ._chain import ChainCredentials, default_chain
from ._config import SharedConfig
from ._container import ContainerProvider
from ._files import ConfigProvider, EnvironmentProvider, ProcessProvider, SharedCredentialsProvider
from ._imds import InstanceMetadataProvider, MetadataClient
from ._refresh import (
    ADVISORY_REFRESH,
    MANDATORY_REFRESH,
    ChainProvider,
    CredentialProvider,
    RefreshingProvider,
    StaticProvider,
    resolve,
)
from ._settings import endpoint_url, resolve_region

__all__ = [
    "ADVISORY_REFRESH",
    "MANDATORY_REFRESH",
    "AssumeRoleProvider",
    "ChainCredentials",
    "ChainProvider",
    "ConfigFileError",
    "ConfigProvider",
    "ContainerProvider",
    "CredentialProvider",
    "CredentialsError",
    "CredentialsNotFound",
    "CredentialsServiceError",
    "EnvironmentProvider",
    "InstanceMetadataProvider",
    "MetadataClient",
    "ProcessProvider",
    "RefreshingProvider",
    "SharedConfig",
    "SharedCredentialsProvider",
    "StaticProvider",
    "WebIdentityProvider",
    "default_chain",
    "endpoint_url",
    "resolve",
    "resolve_region",
]
