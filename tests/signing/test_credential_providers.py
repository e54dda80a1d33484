"""Signers take a credentials provider wherever they take credentials (the credential chain's
``default_chain()``, or anything with a ``credentials()`` method), and ask it on every call, so
refreshed credentials are used as soon as the provider hands them out."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any, List

import pytest

import signers
from signers import Credentials, Request
from signers.credentials import StaticProvider

AT = dt.datetime(2024, 5, 17, 12, tzinfo=dt.timezone.utc)
FIRST = Credentials("AKIDFIRST", "first-secret", "first-token")
SECOND = Credentials("AKIDSECOND", "second-secret")
SCHEMES = [
    ("sigv4", {"region": "us-east-1", "service": "ecs"}),
    ("sigv4-query", {"region": "us-east-1", "service": "s3", "s3": True}),
    ("sigv2", {}),
    ("s3-v2", {}),
    ("s3-v2-query", {}),
]


class Rotating:
    """A provider that hands out the next credentials on each call (a refresh every time)."""

    def __init__(self, *handed: Credentials) -> None:
        self.handed: List[Credentials] = list(handed)
        self.calls = 0

    def credentials(self) -> Credentials:
        self.calls += 1
        return self.handed[min(self.calls, len(self.handed)) - 1]


@pytest.mark.parametrize("scheme, options", SCHEMES, ids=[s for s, _ in SCHEMES])
def test_a_provider_signs_as_its_current_credentials(scheme: str, options: Any) -> None:
    signer = signers.get_signer(scheme, **options)
    request = Request("GET", "https://b.s3.amazonaws.com/k?Action=A")
    provider = Rotating(FIRST, SECOND)
    first = signer.sign(request, provider, AT)
    second = signer.sign(request, provider, AT)
    assert provider.calls == 2
    assert first == signer.sign(request, FIRST, AT)
    assert second == signer.sign(request, SECOND, AT)
    assert signer.verify(second.request, StaticProvider(SECOND), AT)  # type: ignore[attr-defined]


def test_presign_many_and_sign_stream_take_providers() -> None:
    query = signers.get_signer("sigv4-query", region="us-east-1", service="s3", s3=True)
    urls = [
        s.url
        for s in query.presign_many(
            "GET", "https://b.s3.amazonaws.com", ["a"], StaticProvider(FIRST), AT
        )
    ]
    assert urls == [
        s.url for s in query.presign_many("GET", "https://b.s3.amazonaws.com", ["a"], FIRST, AT)
    ]
    header = signers.get_signer("s3v4", region="us-east-1")
    put = Request("PUT", "https://b.s3.amazonaws.com/k")
    streamed = header.sign_stream(put, StaticProvider(FIRST), b"x" * 10, AT)
    assert streamed.seed_signature == header.sign_stream(put, FIRST, b"x" * 10, AT).seed_signature


def test_what_is_neither_is_refused_by_name() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="ecs")
    request = Request("GET", "https://ecs.us-east-1.amazonaws.com/")
    with pytest.raises(signers.InvalidCredentials) as caught:
        signer.sign(request, "AKID:secret", AT)  # type: ignore[arg-type]
    assert caught.value.field == "credentials" and "credentials()" in str(caught.value)

    class Broken:
        def credentials(self) -> object:
            return ("AKID", "secret")

    with pytest.raises(signers.InvalidCredentials) as wrong:
        signer.sign(request, Broken(), AT)  # type: ignore[arg-type]
    assert "Broken.credentials() returned tuple" in str(wrong.value)


def test_credentials_still_refuse_to_pickle() -> None:
    with pytest.raises(TypeError):
        pickle.dumps(FIRST)
