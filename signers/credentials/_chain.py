"""The default credential chain, in botocore's order (``create_credential_resolver``).

1. environment (left out when a profile is passed explicitly, as in botocore; ``AWS_PROFILE``
   alone does not remove it),
2. assume role (the profile's ``role_arn``),
3. web identity,
4. (IAM Identity Center: refused with a clear error, not implemented),
5. shared credentials file,
6. (console login: refused with a clear error, not implemented),
7. ``credential_process``,
8. config file,
9. container endpoint,
10. EC2 instance metadata.

botocore's two legacy sources between 8 and 9 (``AWS_CREDENTIAL_FILE`` of the old EC2 tools,
and boto2's ``/etc/boto.cfg`` / ``~/.boto``) are not read.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Tuple

from ..errors import InvalidCredentials
from ..model import Credentials
from ._assume_role import STS_TIMEOUT, AssumeRoleProvider, profile_providers
from ._config import SharedConfig, resolve_profile_name
from ._container import ContainerProvider
from ._files import EnvironmentProvider
from ._imds import InstanceMetadataProvider
from ._refresh import ChainProvider, Clock, RefreshingProvider

__all__ = ["ChainCredentials", "default_chain"]

_HINT = "(set AWS_ACCESS_KEY_ID or configure a profile)"


def default_chain(
    profile: Optional[str] = None,
    *,
    environ: Optional[Mapping[str, str]] = None,
    config: Optional[SharedConfig] = None,
    clock: Optional[Clock] = None,
    timeout: float = STS_TIMEOUT,
) -> ChainProvider:
    """The standard AWS credential chain for ``profile`` (else ``AWS_PROFILE``, else default).

    The shared files are read now, and a profile that was named (argument, ``AWS_PROFILE`` or
    ``AWS_DEFAULT_PROFILE``) must exist in one of them.  Credentials are looked up on the first
    :meth:`~ChainProvider.credentials` call; :class:`~signers.errors.CredentialsNotFound` (an
    :class:`~signers.errors.InvalidCredentials`) lists every source tried when none has any.
    ``environ`` and ``config`` replace ``os.environ`` and the files (for tests and tools);
    ``clock`` drives refresh; ``timeout`` bounds each STS call.
    """
    env = os.environ if environ is None else environ
    name, explicit, named = resolve_profile_name(profile, env)
    shared = SharedConfig.load(env) if config is None else config
    if named:
        shared.require_profile(name)
    providers: List[RefreshingProvider] = []
    if not explicit:
        providers.append(EnvironmentProvider(environ=env, clock=clock))
    providers.append(
        AssumeRoleProvider(name, environ=env, config=shared, clock=clock, timeout=timeout)
    )
    providers += profile_providers(
        name,
        environ=env,
        config=shared,
        clock=clock,
        timeout=timeout,
        use_environment=not explicit,
    )
    providers.append(ContainerProvider(environ=env, clock=clock))
    providers.append(InstanceMetadataProvider(name, environ=env, config=shared, clock=clock))
    return ChainProvider(providers, name=f"default credential chain (profile {name!r})", hint=_HINT)


# One credential chain per profile in each process, shared by the ChainCredentials there.
_CHAINS: Dict[Optional[str], Any] = {}


class ChainCredentials:
    """A provider that pickles: each process that asks resolves the standard credential chain
    (:func:`default_chain`) for ``profile`` itself -- environment, shared
    files, ``credential_process``, container or instance role -- and keeps it, refreshing as the
    chain does.  Only the profile name crosses a process or machine boundary."""

    __slots__ = ("profile",)
    profile: Optional[str]

    def __init__(self, profile: Optional[str] = None) -> None:
        if profile is not None and not isinstance(profile, str):
            raise InvalidCredentials(
                f"profile: expected a profile name or None, got {type(profile).__name__}",
                field="profile",
            )
        object.__setattr__(self, "profile", profile)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ChainCredentials is immutable")

    def credentials(self) -> Credentials:
        """This process's current credentials from the chain (built on first use)."""
        chain_ = _CHAINS.get(self.profile)
        if chain_ is None:
            chain_ = _CHAINS.setdefault(self.profile, default_chain(self.profile))
        found: Credentials = chain_.credentials()
        return found

    def __reduce__(self) -> Tuple[Any, ...]:
        return (ChainCredentials, (self.profile,))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ChainCredentials) and other.profile == self.profile

    def __hash__(self) -> int:
        return hash(("ChainCredentials", self.profile))

    def __repr__(self) -> str:
        return f"ChainCredentials(profile={self.profile!r})"
