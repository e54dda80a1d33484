"""Credentials.token_matches: the session-token check the verifiers share."""

from __future__ import annotations

from signers.model import Credentials

SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def test_a_session_token_matches_only_itself() -> None:
    credentials = Credentials("AKIDEXAMPLE", SECRET, "session-token-1")
    assert credentials.token_matches("session-token-1")
    assert not credentials.token_matches("session-token-2")
    assert not credentials.token_matches("session-token-1,session-token-1")
    assert not credentials.token_matches(None)


def test_without_a_session_token_only_no_token_matches() -> None:
    credentials = Credentials("AKIDEXAMPLE", SECRET)
    assert credentials.token_matches(None)
    assert not credentials.token_matches("session-token-1")
    assert not credentials.token_matches("")


def test_a_non_ascii_token_is_compared_not_refused() -> None:
    credentials = Credentials("AKIDEXAMPLE", SECRET, "token")
    assert not credentials.token_matches("tökén")
