"""Nothing but a :class:`~signers.errors.SigningError` leaves the library, whatever the input.

A vendor puts ``signers.verify`` on an authentication path: an ``OverflowError`` there (a
presigned URL dated 9999-12-31 with ``X-Amz-Expires=1``, ``max_skew=1e20``) is a 500 from the
server, and a ``UnicodeEncodeError`` from a lone surrogate is the same.  Hypothesis drives the
signers, ``Request`` and verification over dates, numbers and strings at the edges.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers import Credentials, Request

pytestmark = pytest.mark.slow

UTC = dt.timezone.utc
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok")
KEYS = {CREDS.access_key: CREDS}
EDGE_TIMES = st.sampled_from(
    [
        dt.datetime(1, 1, 1, tzinfo=UTC),
        dt.datetime(1970, 1, 1, tzinfo=UTC),
        dt.datetime(2038, 1, 19, 3, 14, 8, tzinfo=UTC),
        dt.datetime(2024, 5, 17, 12, tzinfo=UTC),
        dt.datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
    ]
)
NUMBERS = st.sampled_from(
    [0, 1, 899.5, 900, 604800, 604801, 10**12, 1e20, 10**30, math.inf, -math.inf, math.nan, -1]
)
TEXT = st.text(
    alphabet=st.sampled_from(["a", " ", "%", "\x00", "\ud800", "\udc80", "\U0010ffff", "é", "="]),
    max_size=6,
)
SCHEMES = st.sampled_from(
    [
        ("sigv4", {"region": "us-east-1", "service": "ecs"}),
        ("sigv4-query", {"region": "us-east-1", "service": "s3", "s3": True, "expires": 1}),
        ("sigv2", {}),
        ("s3-v2", {}),
        ("s3-v2-query", {"expires": 1}),
    ]
)
EXPIRES = st.sampled_from(["0", "1", "604800", "604801", "9" * 30, "-1", "1e3", ""])


def _outcome(step: Callable[[], Any]) -> str:
    try:
        step()
    except signers.SigningError as exc:
        assert "\n" not in str(exc)
        return "refused"
    return "ok"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scheme=SCHEMES, signed_at=EDGE_TIMES, now=EDGE_TIMES, max_skew=NUMBERS, expires=EXPIRES)
def test_verification_at_the_edges(
    scheme: Any, signed_at: dt.datetime, now: dt.datetime, max_skew: Any, expires: str
) -> None:
    name, options = scheme
    signer = signers.get_signer(name, **options)
    request = Request("GET", "https://b.s3.us-east-1.amazonaws.com/k?Action=A")
    try:
        signed = signer.sign(request, CREDS, signed_at).request
    except signers.SigningError:
        return
    received = signed
    if "X-Amz-Expires=" in signed.url or "Expires=" in signed.url:
        base, _, query = signed.url.partition("?")
        pieces = [
            (p.split("=")[0] + "=" + expires)
            if p.split("=")[0] in ("X-Amz-Expires", "Expires")
            else p
            for p in query.split("&")
        ]
        received = signed.replace(url=base + "?" + "&".join(pieces))
    _outcome(lambda: signers.verify(received, KEYS, now, max_skew))
    _outcome(lambda: signer.verify(received, CREDS, now, max_skew))


@settings(max_examples=300, deadline=None)
@given(
    scheme=SCHEMES, value=TEXT, name=st.sampled_from(["X-A", "Host", "x-amz-meta-a"]), at=EDGE_TIMES
)
def test_signing_and_verifying_odd_text(
    scheme: Any, value: str, name: str, at: dt.datetime
) -> None:
    signer = signers.get_signer(scheme[0], **scheme[1])

    def build() -> Request:
        return Request(
            "PUT", "https://b.s3.amazonaws.com/k" + value.replace("%", ""), [(name, value)]
        )

    if _outcome(build) == "refused":
        return
    request = build()
    if _outcome(lambda: signer.sign(request, CREDS, at)) == "ok":
        signed = signer.sign(request, CREDS, at).request
        _outcome(lambda: signers.verify(signed, KEYS, at))
    _outcome(lambda: signers.verify(request, KEYS, at))


@settings(max_examples=200, deadline=None)
@given(raw=st.text(max_size=60), tail=TEXT)
def test_raw_requests(raw: str, tail: str) -> None:
    text = "GET /" + tail + " HTTP/1.1\r\nHost: h\r\n" + raw
    if _outcome(lambda: Request.from_raw(text)) == "ok":
        _outcome(lambda: signers.verify(Request.from_raw(text), KEYS))
