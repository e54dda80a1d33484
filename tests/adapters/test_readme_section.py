"""The README's "In your HTTP stack" examples run as written: the WSGI and ASGI servers under
wsgiref and uvicorn, and each client example against them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.middleware.support import uvicorn_server, wsgiref_server

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")

pytestmark = pytest.mark.slow


def _blocks():
    start = README.index("## In your HTTP stack")
    end = README.find("\n## ", start + 1)
    section = README[start : end if end != -1 else None]
    blocks = re.findall(r"```python\n(.*?)```", section, re.S)
    return {_kind(block): block for block in blocks}


def _kind(block):
    for kind in ("middleware.wsgi", "middleware.asgi", "requests", "httpx", "aiohttp", "urllib3"):
        if f"signers.adapters.{kind}" in block or f"signers.{kind}" in block:
            return kind
    raise AssertionError(f"an example of nothing known: {block[:60]!r}")


@pytest.fixture
def environment_keys(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


def test_every_adapter_and_the_middleware_have_an_example():
    assert sorted(_blocks()) == sorted(
        ["middleware.wsgi", "middleware.asgi", "requests", "httpx", "aiohttp", "urllib3"]
    )


def test_the_client_examples_against_the_wsgi_example(environment_keys):
    blocks = _blocks()
    namespace = {}
    exec(blocks["middleware.wsgi"], namespace)
    expected = {"hello": "AKIDEXAMPLE", "scheme": "sigv4"}
    with wsgiref_server(namespace["app"]) as endpoint:
        namespace["endpoint"] = endpoint
        exec(blocks["requests"], namespace)
        assert namespace["response"].status_code == 200
        assert namespace["response"].json() == expected
        pytest.importorskip("httpx")
        exec(blocks["httpx"], namespace)
        assert namespace["response"].json() == expected
        pytest.importorskip("opensearchpy")
        exec(blocks["urllib3"], namespace)
        assert namespace["health"] == expected
        pytest.importorskip("aiohttp", minversion="3.12")
        exec(blocks["aiohttp"], namespace)
        assert namespace["answer"] == expected


def test_the_requests_example_against_the_asgi_example(environment_keys):
    pytest.importorskip("uvicorn")
    blocks = _blocks()
    namespace = {}
    exec(blocks["middleware.wsgi"], namespace)
    exec(blocks["middleware.asgi"], namespace)
    with uvicorn_server(namespace["asgi_app"]) as endpoint:
        namespace["endpoint"] = endpoint
        exec(blocks["requests"], namespace)
    assert namespace["response"].json() == {"hello": "AKIDEXAMPLE", "scheme": "sigv4"}
