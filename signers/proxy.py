"""``sigbridge proxy``: Signature Version 2 in, SigV4 out, for programs that cannot be changed.

A legacy client (a vendor's binary, an appliance, an old Java or Perl tool) signs with SigV2
(query APIs) or S3's legacy scheme (``Authorization: AWS key:signature`` or a presigned URL)
against the proxy.  For each request the proxy

1. checks the legacy signature against a key file, or with ``trust_legacy`` takes it as given
   (the scheme must still be one of ``accept``);
2. strips it and signs the request again with SigV4 (header form) using credentials from the
   standard chain (:func:`signers.credentials.default_chain`), through :func:`signers.migrate`:
   region and signing name from ``region`` / ``service`` or the upstream's host name (the
   region, failing both, from the profile or environment; S3's legacy schemes always sign for
   ``s3``);
3. sends it upstream and streams the answer back unchanged (upstream errors included).

Bodies are streamed, never held whole: an S3 upload larger than ``max_body`` goes upstream
aws-chunked, each chunk signed by the proxy (or as ``UNSIGNED-PAYLOAD`` with
``streamed="unsigned"``, for a store that does not decode aws-chunked); a smaller body is
hashed into the SigV4 signature.  The proxy's own refusals are AWS-shaped; its resources are
those of :mod:`signers.serve`'s bounded server (the same code): a deadline per request, a cap
on connections, header and body caps.  Log lines carry no key, signature or token.

Library use::

    proxy = make_proxy(upstream="https://s3.eu-west-1.amazonaws.com", keys=[Credentials(...)])
    threading.Thread(target=proxy.serve_forever, daemon=True).start()
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterable, List, Optional, Union

from ._serving.gate import check_names
from ._verification import Lookup
from ._verification.answers import S3_SERVICES
from ._verification.legacy_auth import LEGACY_SCHEMES
from .endpoints import infer_scope
from .errors import InvalidOption
from .model import Credentials
from .serve import UpstreamSigning, VerifyingServer, make_server

if TYPE_CHECKING:
    from typing_extensions import Unpack

    from ._arguments import CredentialProvider
    from ._serving.keywords import ProxyKeywords

__all__ = ["LEGACY_SCHEMES", "make_proxy", "startup_lines"]


def _region(upstream: str, region: Optional[str], profile: Optional[str]) -> str:
    """The SigV4 region: given, else the upstream host's, else the profile's or environment's;
    refused at start-up when none says (no request could be signed)."""
    if region is not None:
        return region
    scope = infer_scope(_host(upstream))
    if scope.region is not None:
        return scope.region
    from .credentials import resolve_region

    found = resolve_region(profile, imds=False)
    if found is None:
        raise InvalidOption(
            f"region: the upstream's host names no region ({scope.reason}) and no profile or "
            "environment variable does; give --region",
            field="region",
        )
    return found


def _host(url: str) -> str:
    from urllib.parse import urlsplit

    return urlsplit(url).hostname or ""


def make_proxy(
    host: str = "127.0.0.1",
    port: int = 0,
    *,
    upstream: str,
    keys: Union[Lookup, Iterable[Credentials], None] = None,
    trust_legacy: bool = False,
    accept: Iterable[str] = LEGACY_SCHEMES,
    provider: Optional[CredentialProvider] = None,
    profile: Optional[str] = None,
    region: Optional[str] = None,
    service: Optional[str] = None,
    streamed: str = "aws-chunked",
    **config: Unpack[ProxyKeywords],  # ServerConfig's limits, log, clock, options
) -> VerifyingServer:
    """A bounded server on ``host:port`` that takes the legacy schemes in and sends SigV4 out.

    Exactly one of ``keys`` (the legacy clients' credentials: a lookup or an iterable of
    :class:`~signers.model.Credentials`) and ``trust_legacy=True`` is given.  ``provider``
    (anything with ``credentials()``) signs for the upstream; by default the standard chain of
    ``profile``, asked once now so that a missing credential is an error at start-up.
    ``streamed``: how a large S3 upload goes up, ``"aws-chunked"`` (each chunk signed) or
    ``"unsigned"`` (``UNSIGNED-PAYLOAD``, for a store that does not decode aws-chunked).
    """
    if (keys is None) == (not trust_legacy):
        raise InvalidOption(
            "keys: give the legacy clients' keys, or trust_legacy=True (not both)", field="keys"
        )
    chosen = check_names(
        accept, LEGACY_SCHEMES, field="accept", offer="the proxy takes the legacy schemes"
    )
    region = _region(upstream, region, profile)
    if provider is None:
        from .credentials import default_chain

        provider = default_chain(profile)
    provider.credentials()
    signing = UpstreamSigning(provider, region=region, service=service, streamed=streamed)
    return make_server(
        host,
        port,
        credentials=keys if keys is not None else {},
        schemes=chosen,
        trust=trust_legacy,
        upstream=upstream,
        upstream_signing=signing,
        **config,
    )


def startup_lines(proxy: VerifyingServer) -> List[str]:
    """What the proxy says when it starts: where, what it accepts, whether it checks."""
    config = proxy.config
    upstream = config.upstream
    assert upstream is not None and upstream.signing is not None
    signing = upstream.signing
    source = getattr(signing.provider, "name", type(signing.provider).__name__)
    lines = [
        f"sigbridge proxy: listening on {proxy.url} -> {upstream.url}",
        f"sigbridge proxy: accepts {', '.join(config.schemes or ())}; signs SigV4 for region "
        f"{signing.region or '(from the host)'}, service {signing.service or '(from the host)'}"
        f" with credentials from the {source}",
    ]
    if "sigv2" in (config.schemes or ()) and signing.service is None:
        named = infer_scope(_host(upstream.url)).service
        if named is None or named in S3_SERVICES:
            lines.append(
                "sigbridge proxy: note: SigV2 requests (query APIs) need --service (e.g. ec2): "
                f"the upstream's host names {'S3' if named else 'no signing name'}"
            )
    if config.trust:
        lines.append(
            "sigbridge proxy: WARNING: --trust-legacy: legacy signatures are NOT checked; "
            f"whoever reaches {proxy.url} acts with the upstream credentials"
        )
    return lines
