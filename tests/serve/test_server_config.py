"""``ServerConfig``: what needs an upstream is refused without one, before anything is built;
with one, the configuration holds what it was given (no socket is opened by building it)."""

from __future__ import annotations

import pytest

from signers import Credentials
from signers.credentials import StaticProvider
from signers.errors import InvalidOption
from signers.serve import ServerConfig, UpstreamSigning
from tests._support import AK, SECRET

LOOKUP = {AK: Credentials(AK, SECRET)}


def _signing() -> UpstreamSigning:
    return UpstreamSigning(StaticProvider(Credentials(AK, SECRET)))


def test_trust_is_refused_without_an_upstream() -> None:
    with pytest.raises(InvalidOption) as caught:
        ServerConfig(LOOKUP, trust=True)
    assert caught.value.field == "trust"
    assert str(caught.value) == "trust: only a forwarding server may trust signatures"


def test_upstream_signing_is_refused_without_an_upstream() -> None:
    with pytest.raises(InvalidOption) as caught:
        ServerConfig(LOOKUP, upstream_signing=_signing())
    assert caught.value.field == "upstream"
    assert str(caught.value) == "upstream_signing: give an upstream to sign for"


def test_the_upstream_refusal_comes_before_the_limits_are_checked() -> None:
    # A bad limit would be refused too; the missing upstream is named first.
    with pytest.raises(InvalidOption) as caught:
        ServerConfig(LOOKUP, trust=True, max_body=-1)
    assert caught.value.field == "trust"
    with pytest.raises(InvalidOption) as caught:
        ServerConfig(LOOKUP, max_body=-1)
    assert caught.value.field == "max_body"


def test_a_forwarding_configuration_keeps_what_it_was_given() -> None:
    config = ServerConfig(
        LOOKUP,
        region="eu-west-1",
        service="s3",
        trust=True,
        upstream="http://127.0.0.1:9",
        upstream_signing=_signing(),
        max_connections=7,
        options={"s3-v2": {"virtual_host_suffix": "example.test"}},
    )
    assert (config.region, config.service, config.trust) == ("eu-west-1", "s3", True)
    assert config.upstream is not None
    assert config.limits.max_connections == 7
    assert config.virtual_host_suffix == "example.test"
    shown = repr(config)
    assert shown.startswith("ServerConfig(region='eu-west-1', service='s3', max_skew=900, limits=")
    assert "max_connections=7" in shown and SECRET not in shown
