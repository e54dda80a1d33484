"""urllib3, opensearch-py, elasticsearch-py: the ``(method, url, body, headers=None) -> headers``
callable these clients take as ``http_auth``.

    from opensearchpy import OpenSearch, Urllib3HttpConnection
    from signers.adapters.urllib3 import AWSAuth

    auth = AWSAuth("sigv4", credentials_or_provider, region="eu-west-1", service="es")
    client = OpenSearch(hosts=[url], http_auth=auth, connection_class=Urllib3HttpConnection)

The client calls it for every attempt with the method, the absolute URL and the body it is
about to send (opensearch-py passes these three; ``headers``, when given, are signed too), and
sends the headers it returns on top of its own.  The rules are the adapters'
(:mod:`signers.adapters._signing`): a fresh time and the provider's credentials of the moment
per call, a body that is not bytes or str signed as ``UNSIGNED-PAYLOAD``, a request that carries
a signature already refused.  Only headers can be returned, so a scheme that signs in the URL
(SigV2, presigned URLs) is refused by name.  (opensearch-py's ``RequestsHttpConnection`` hands
``http_auth`` to requests, which calls it with a prepared request: give it
:class:`signers.adapters.requests.AWSAuth`.)

With urllib3 directly, redirects are urllib3's to follow and no callable is asked again: pass
``retries=auth.retry(...)`` (a ``urllib3.Retry`` that also drops the headers signing adds when a
redirect leaves the host), or follow redirects yourself (``redirect=False``) and call the
callable again for each hop.
"""

from __future__ import annotations

import datetime as _dt
from typing import (
    TYPE_CHECKING,
    Callable,
    Dict,
    FrozenSet,
    Iterable,
    Mapping,
    Optional,
    Tuple,
    Union,
    cast,
)

from ..errors import InvalidOption
from ._signing import SignerArg, Signing, require

if TYPE_CHECKING:  # (urllib3 is an optional extra, imported at run time by require)
    from urllib3.util import Retry

    from .._arguments import CredentialsLike

__all__ = ["AUTH_HEADERS", "AWSAuth"]

_ADAPTER = "signers.adapters.urllib3.AWSAuth"

#: The headers the signers add in the Authorization-header placement (lower case): what a
#: redirect to another host must not carry.
AUTH_HEADERS: FrozenSet[str] = frozenset(
    {
        "authorization",
        "x-amz-date",
        "x-amz-security-token",
        "x-amz-content-sha256",
        "x-amz-region-set",
        "date",
    }
)


def _body(body: object) -> Optional[bytes]:
    if body is None:
        return b""
    if isinstance(body, (bytes, bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8")  # (urllib3 sends a str body as UTF-8)
    return None


class AWSAuth:
    """``auth(method, url, body, headers=None) -> headers``: the headers that sign one request,
    with ``signer`` (a signer, or a scheme name built with ``options``) and ``credentials``
    (:class:`~signers.Credentials` or a provider).  ``clock`` gives the signing time (aware;
    default now)."""

    def __init__(
        self,
        signer: SignerArg,
        credentials: CredentialsLike,
        *,
        clock: Optional[Callable[[], _dt.datetime]] = None,
        **options: object,
    ) -> None:
        self.signing = Signing(_ADAPTER, options, signer, credentials, clock=clock)

    def __call__(
        self,
        method: Union[str, bytes],
        url: Union[str, bytes],
        body: object = None,
        headers: Union[Mapping[str, str], Iterable[Tuple[str, str]], None] = None,
    ) -> Dict[str, str]:
        if isinstance(method, bytes):
            method = method.decode("ascii")
        if isinstance(url, bytes):
            url = url.decode("utf-8")
        pairs: Iterable[Tuple[str, str]] = () if headers is None else list(dict(headers).items())
        self.signing.refuse_signed(url, pairs)
        signed = self.signing.sign(method, url, pairs, _body(body))
        if signed.url.partition("#")[0] != url.partition("#")[0]:
            raise InvalidOption(
                f"{_ADAPTER}: {getattr(self.signing.signer, 'name', 'this scheme')!r} signs in "
                "the URL, and this callable can only return headers: use a header scheme",
                field="signer",
            )
        return dict(signed.headers)

    def retry(self, **kwargs: object) -> Retry:
        """A ``urllib3.Retry(**kwargs)`` whose redirects to another host drop the headers
        signing adds (:data:`AUTH_HEADERS`), as urllib3 drops ``Authorization``."""
        urllib3 = require("urllib3", "urllib3", "signers.adapters.urllib3")
        base = urllib3.util.Retry.DEFAULT_REMOVE_HEADERS_ON_REDIRECT
        kwargs.setdefault("remove_headers_on_redirect", set(base) | AUTH_HEADERS)
        return cast("Retry", urllib3.util.Retry(**kwargs))

    def __repr__(self) -> str:
        return repr(self.signing)
