"""What the request commands take from outside the request: credentials, region, signing name,
endpoint -- each with where it came from.

Credentials: ``--access-key`` / ``--secret-key`` (/ ``--session-token``) when given, else the
standard chain :func:`signers.credentials.default_chain` for ``--profile`` (environment first
unless a profile is named on the command line, then the shared files, ``credential_process``,
the container endpoint, EC2 instance metadata), as botocore orders them behind a client's
explicit keys.

Region and signing name (SigV4): given (``--region`` / ``--service`` / ``-o``) are kept; the
rest is inferred from the host and the request by :func:`signers.services.infer`, which refuses
(:class:`~signers.errors.AmbiguousScope`, exit 2) when host and request disagree or nothing
decides.  The host names the region the request goes to, so it wins over the configured default
region; only when the host names none (a custom endpoint, a global host) do ``AWS_REGION``,
``AWS_DEFAULT_REGION``, the profile's ``region`` and then EC2 instance metadata decide -- and
only when the signing name is known, so a hopeless request asks nothing of the network.
"""

from __future__ import annotations

import argparse
import os
from typing import Any, List, Mapping, Optional, Tuple

from ..errors import AmbiguousScope, InvalidCredentials, InvalidRequest
from ..model import Credentials, Request
from ..services import Inference, infer

__all__ = ["Context", "context_of", "resolve_scope", "retarget", "check_endpoint_url"]

_CONTEXT_ATTRIBUTE = "_sigbridge_context"


class Context:
    """One command's view of the environment and the shared files (read once, when needed)."""

    def __init__(self, profile: Optional[str], environ: Optional[Mapping[str, str]] = None):
        self.profile = profile
        self.environ: Mapping[str, str] = os.environ if environ is None else environ
        self._config: Any = None
        self.credentials_source: Optional[str] = None

    @property
    def config(self) -> Any:
        """The shared config and credentials files (:class:`signers.credentials.SharedConfig`);
        a named profile must exist in them."""
        if self._config is None:
            from ..credentials import SharedConfig

            self._config = SharedConfig.load(self.environ)
            if self.profile is not None:
                self._config.require_profile(self.profile)
        return self._config

    @property
    def profile_name(self) -> str:
        """The profile in use: ``--profile``, else AWS_DEFAULT_PROFILE / AWS_PROFILE, else
        ``default``."""
        from ..credentials._config import resolve_profile_name

        return resolve_profile_name(self.profile, self.environ)[0]

    def credentials(
        self,
        access_key: Optional[str] = None,
        secret_key: Optional[str] = None,
        token: Optional[str] = None,
    ) -> Credentials:
        """The keys given, else the default chain's current credentials."""
        if self.profile is not None:  # a profile named on the command line must exist
            self.config.require_profile(self.profile)
        if access_key or secret_key:
            if not access_key or not secret_key:
                missing = "--secret-key" if access_key else "--access-key"
                raise InvalidCredentials(
                    f"credentials: {missing} is missing (give both keys, or neither to use "
                    "the environment and the shared files)",
                    field="credentials",
                )
            self.credentials_source = "--access-key / --secret-key"
            return Credentials(access_key, secret_key, token)
        if token:
            raise InvalidCredentials(
                "credentials: --session-token goes with --access-key and --secret-key; "
                "credentials from the environment or a profile carry their own token",
                field="credentials",
            )
        from ..credentials import default_chain, resolve

        provider = default_chain(self.profile, environ=self.environ, config=self.config)
        # The signers take Credentials: the provider is resolved here, once per command.
        found = resolve(provider)
        self.credentials_source = provider.source
        return found

    def configured_region(self) -> Optional[Tuple[str, str]]:
        """``(region, where it was set)`` from the environment or the profile; no IMDS."""
        for variable in ("AWS_REGION", "AWS_DEFAULT_REGION"):
            value = (self.environ.get(variable) or "").strip()
            if value:
                return value, variable
        name = self.profile_name
        value = self.config.string(name, "region")
        if value and value.strip():
            return value.strip(), f"profile {name!r} ({self.config.where(name, 'region')})"
        return None

    def region(self) -> Optional[Tuple[str, str]]:
        """:meth:`configured_region`, else the EC2 instance's region from its metadata."""
        found = self.configured_region()
        if found is not None:
            return found
        from ..credentials import resolve_region

        region = resolve_region(self.profile, environ=self.environ, config=self.config, imds=True)
        return (region, "EC2 instance metadata (placement/region)") if region else None

    def endpoint_url(self, service_id: str) -> Optional[Tuple[str, str]]:
        """``(url, where it was set)`` configured for ``service_id`` (AWS_ENDPOINT_URL_<ID>,
        AWS_ENDPOINT_URL, the profile's services section or ``endpoint_url``)."""
        from ..credentials import endpoint_url
        from ..credentials._settings import service_key

        url = endpoint_url(service_id, self.profile, environ=self.environ, config=self.config)
        if url is None:
            return None
        for variable in ("AWS_ENDPOINT_URL_" + service_key(service_id).upper(), "AWS_ENDPOINT_URL"):
            if self.environ.get(variable):
                return url, variable
        return url, f"profile {self.profile_name!r}"


def context_of(args: argparse.Namespace) -> Context:
    """The :class:`Context` of a parsed command line (made once, kept on ``args``)."""
    found = getattr(args, _CONTEXT_ATTRIBUTE, None)
    if isinstance(found, Context):
        return found
    context = Context(getattr(args, "profile", None))
    setattr(args, _CONTEXT_ATTRIBUTE, context)
    return context


def resolve_scope(
    request: Request, context: Context, given: Mapping[str, Tuple[str, str]]
) -> Inference:
    """The SigV4 region and signing name of ``request``, each with its source (see the module
    docstring for the order); :class:`~signers.errors.AmbiguousScope` when they cannot be told.

    ``given`` holds what the command line gave: ``"region"`` / ``"service"`` to the value and
    where it came from (``("eu-west-1", "--region")``); those are kept, with that source."""
    service, service_source = given.get("service", (None, ""))
    region, region_source = given.get("region", (None, ""))
    if region is not None:
        found = infer(request, service=service, region=region)
        return _named(found, service, service_source, region_source)
    try:
        return _named(infer(request, service=service), service, service_source, None)
    except AmbiguousScope as exc:
        first = exc
    try:
        # Whether the signing name is decided: with a region given, only the service can fail.
        infer(request, service=service, region="us-east-1")
    except AmbiguousScope:
        raise first from None
    fallback = context.region()
    if fallback is None:
        raise AmbiguousScope(
            f"{first}, or set AWS_REGION or the profile's region", field="region"
        ) from None
    found = infer(request, service=service, region=fallback[0])
    return _named(found, service, service_source, fallback[1])


def _named(
    inference: Inference,
    service: Optional[str],
    service_source: str,
    region_source: Optional[str],
) -> Inference:
    if service is not None:
        inference = inference._replace(service_source=service_source)
    if region_source is not None:
        inference = inference._replace(region_source=region_source)
    return inference


def check_endpoint_url(url: str, *, field: str = "--endpoint-url") -> str:
    """``url`` if it is an absolute http(s) URL without query or fragment."""
    try:
        parsed = Request("GET", url)
    except InvalidRequest as exc:
        raise InvalidRequest(f"{field}: {exc}", field="endpoint-url") from None
    if parsed.query or url.endswith("?"):
        raise InvalidRequest(
            f"{field}: {url!r} has a query; give scheme://host[:port][/path]", field="endpoint-url"
        )
    return url


def retarget(request: Request, endpoint: str) -> Request:
    """``request`` sent to ``endpoint`` instead: its scheme and host, its path (if any) before
    the request's own path; the request's query kept.  A ``Host`` header the caller set goes
    (it named the old host)."""
    base = Request("GET", check_endpoint_url(endpoint))
    prefix = base.path.rstrip("/")
    path = prefix + (request.path or "/")
    url = f"{base.scheme}://{base.authority}{path}" + (f"?{request.query}" if request.query else "")
    headers: List[Tuple[str, str]] = [(n, v) for n, v in request.headers if n.lower() != "host"]
    return request.replace(url=url, headers=headers)
