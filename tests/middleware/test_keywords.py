"""The middleware's constructor: signers.verify's scope keywords (region, service, schemes,
options) arrive as keywords and reach the configuration; any other keyword is refused as Python
refuses one."""

from __future__ import annotations

import pytest

from signers.middleware.asgi import VerifyingMiddleware as ASGIMiddleware
from signers.middleware.wsgi import VerifyingMiddleware as WSGIMiddleware
from tests.middleware.support import KEYS


@pytest.mark.parametrize("middleware", [WSGIMiddleware, ASGIMiddleware])
def test_scope_keywords_reach_the_config(middleware) -> None:
    options = {"sigv4": {"session_token": "unsigned"}}
    app = middleware(
        None, KEYS, region="eu-west-1", service="s3", schemes=["sigv4"], options=options
    )
    config = app.config
    assert (config.region, config.service, config.schemes) == ("eu-west-1", "s3", ("sigv4",))
    assert config.options is options
    assert (config.max_skew, config.clock) == (900, None)


@pytest.mark.parametrize("middleware", [WSGIMiddleware, ASGIMiddleware])
def test_defaults_accept_the_clients_scope(middleware) -> None:
    config = middleware(None, KEYS).config
    assert (config.region, config.service, config.schemes, config.options) == (None,) * 4


@pytest.mark.parametrize("middleware", [WSGIMiddleware, ASGIMiddleware])
def test_an_unknown_keyword_is_a_type_error(middleware) -> None:
    with pytest.raises(TypeError, match="unexpected keyword argument 'regoin'"):
        middleware(None, KEYS, regoin="eu-west-1")
