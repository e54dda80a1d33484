"""The adapters' shared rules (signers.adapters._signing), without sockets."""

from __future__ import annotations

import importlib
import sys

import pytest

import signers
from signers.adapters._signing import Signing, same_origin
from tests.adapters.support import AK, KEYS


def _signing(scheme="sigv4", **kwargs):
    options = {
        "sigv4": {"region": "us-east-1", "service": "es"},
        "s3v4": {"region": "us-east-1"},
    }.get(scheme, {})
    return Signing("test", options, scheme, KEYS[AK], **kwargs)


@pytest.mark.parametrize(
    ("first", "second", "same"),
    [
        ("http://h/a", "http://h:80/b", True),
        ("https://h/a", "https://H:443/b?x", True),
        ("http://h/a", "https://h/a", False),
        ("http://h:8080/", "http://h:8081/", False),
        ("http://h/", "http://h.example/", False),
        ("http://h/", "http://h:bad/", False),
    ],
)
def test_same_origin(first, second, same):
    assert same_origin(first, second) is same


def test_a_streamed_body_is_declared_unsigned_only_where_the_payload_is_hashed():
    headers = dict(_signing().sign("PUT", "http://h/x", [], None).headers)
    assert headers["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    assert "x-amz-content-sha256" in headers["Authorization"]
    s3 = dict(_signing("s3v4").sign("PUT", "http://h/b/k", [], None).headers)
    assert s3["x-amz-content-sha256"] == "UNSIGNED-PAYLOAD"
    legacy = dict(_signing("s3-v2").sign("PUT", "http://h/b/k", [], None).headers)
    assert "x-amz-content-sha256" not in legacy


def test_hop_by_hop_headers_and_cookies_are_sent_unsigned():
    signed = _signing().sign(
        "GET", "http://h/", [("Connection", "keep-alive"), ("Cookie", "a=b"), ("X-Mine", "1")], b""
    )
    signed_headers = dict(signed.headers)["Authorization"].split("SignedHeaders=")[1]
    assert signed_headers.split(",")[0] == "host;x-amz-date;x-mine"


def test_a_scheme_that_changes_the_body_is_refused():
    form = [("Content-Type", "application/x-www-form-urlencoded")]
    with pytest.raises(signers.InvalidRequest, match="keeps the body"):
        _signing("sigv2").sign("POST", "http://h/", form, b"Action=DescribeRegions")


def test_options_are_checked():
    with pytest.raises(signers.InvalidOption, match="retries"):
        _signing(retries=-1)
    with pytest.raises(signers.InvalidOption, match="backoff"):
        _signing(backoff="1")
    with pytest.raises(signers.InvalidOption, match="clock"):
        _signing(clock="now")
    with pytest.raises(signers.InvalidOption, match="signer"):
        Signing("test", {}, object(), KEYS[AK])
    with pytest.raises(signers.UnknownScheme):
        Signing("test", {}, "sigv9", KEYS[AK])


@pytest.mark.parametrize(
    ("module", "extra"),
    [("requests", "requests"), ("httpx", "httpx"), ("aiohttp", "aiohttp")],
)
def test_a_missing_client_library_names_the_extra(monkeypatch, module, extra):
    monkeypatch.setitem(sys.modules, module, None)  # (import then raises ImportError)
    monkeypatch.delitem(sys.modules, f"signers.adapters.{module}", raising=False)
    with pytest.raises(signers.MissingDependency) as caught:
        importlib.import_module(f"signers.adapters.{module}")
    assert f"pip install 'sigbridge[{extra}]'" in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.slow  # a fresh interpreter
def test_importing_signers_loads_no_adapter_or_client():
    import subprocess

    code = (
        "import sys, signers, signers.adapters, signers.middleware;"
        "print(sorted(m for m in ('requests', 'httpx', 'aiohttp', 'urllib3') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
