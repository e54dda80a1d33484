"""What help() and inspect.signature show of an adapter's constructor, whose parameters are
Signing's, written once (signers._parameters): the list below is the documented one."""

from __future__ import annotations

import inspect

from signers.adapters._signing import SigningAuth

SETTINGS = {
    "clock": None,
    "streaming": "unsigned",
    "chunked_mode": "signed",
    "chunk_size": 64 * 1024,
    "checksum": None,
    "retries": 0,
    "retry_statuses": frozenset({500, 502, 503, 504}),
    "backoff": 0.0,
}


def test_signing_auth_shows_signings_parameters() -> None:
    shown = inspect.signature(SigningAuth)
    names = list(shown.parameters)
    assert names == ["signer", "credentials", *SETTINGS, "options"]
    for name, default in SETTINGS.items():
        assert shown.parameters[name].kind is inspect.Parameter.KEYWORD_ONLY
        assert shown.parameters[name].default == default
    assert shown.parameters["options"].kind is inspect.Parameter.VAR_KEYWORD
    assert SigningAuth.__init__.__annotations__["retries"] == "int"
    assert "adapter" not in SigningAuth.__init__.__annotations__


def test_signing_auth_passes_the_arguments_on() -> None:
    from signers.model import Credentials

    auth = SigningAuth("sigv4", Credentials("AKID", "SECRET"), region="r", service="s", retries=3)
    assert auth.signing.retries == 3
    assert auth.signing.adapter == "adapter"
