"""The proxy tests' chain: a legacy client -> sigbridge proxy -> an upstream that accepts only
SigV4 (``serve --schemes sigv4,sigv4-query`` in front of moto's server, or s3rver)."""

from __future__ import annotations

import contextlib
import threading
from typing import Any, Iterator, List, Tuple

from signers import Credentials
from signers.credentials import StaticProvider
from signers.proxy import make_proxy
from signers.serve import UpstreamSigning, VerifyingServer
from tests.serve.support import CHAIN_KEY, CHAIN_SECRET, TIMEOUT, moto_server, running

LEGACY_KEY = "AKIDLEGACYCLIENT"
LEGACY_SECRET = "legacy/secret+key"
LEGACY_KEYS = [Credentials(LEGACY_KEY, LEGACY_SECRET)]


@contextlib.contextmanager
def proxying(upstream: str, **options: Any) -> Iterator[Tuple[VerifyingServer, List[str]]]:
    """A proxy on a free loopback port in front of ``upstream``; its log lines."""
    logs: List[str] = []
    options.setdefault("log", logs.append)
    options.setdefault("region", "us-east-1")
    if not options.get("trust_legacy"):
        options.setdefault("keys", LEGACY_KEYS)
    proxy = make_proxy("127.0.0.1", 0, upstream=upstream, **options)
    thread = threading.Thread(target=proxy.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield proxy, logs
    finally:
        proxy.shutdown()
        proxy.server_close()
        thread.join(TIMEOUT)
        text = "\n".join(logs)
        assert LEGACY_SECRET not in text and CHAIN_SECRET not in text and "Signature=" not in text


@contextlib.contextmanager
def sigv4_only_upstream(**options: Any) -> Iterator[Tuple[VerifyingServer, List[str]]]:
    """``serve --schemes sigv4,sigv4-query --upstream-sign`` in front of moto's server: the chain
    credentials are the only ones it accepts."""
    chain = Credentials(CHAIN_KEY, CHAIN_SECRET)
    with moto_server() as moto, running(
        credentials=[chain],
        schemes=["sigv4", "sigv4-query"],
        upstream=moto,
        upstream_signing=UpstreamSigning(StaticProvider(chain)),
        **options,
    ) as (server, logs):
        yield server, logs
