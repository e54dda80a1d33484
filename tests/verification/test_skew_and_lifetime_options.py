"""The verifiers' max_skew and max_lifetime: the usual values taken without the checks' calls,
every other value still checked the same way (bool, NaN, negative, too large, not a number)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

import signers
from signers import Request
from signers._verification.answers import MAX_SKEW, checked_skew
from signers._verification.sigv4_parse import _KNOWN_NAMES, parse_header_fast, single_values
from tests._verify_support import AK, AT, CREDS

BAD_NUMBERS = [True, False, -1, -0.5, math.nan, "900", None]


@pytest.mark.parametrize("value", [0, 1, 900, 900.0, 2.5, MAX_SKEW])
def test_checked_skew_gives_the_seconds_and_their_timedelta(value):
    seconds, window = checked_skew(value)
    assert seconds == float(value) and type(seconds) is float
    assert window == dt.timedelta(seconds=value)
    # the same value again (the kept pair) gives the same answer
    assert checked_skew(value) == (seconds, window)


@pytest.mark.parametrize("value", [math.inf, 10**12])
def test_checked_skew_caps_at_the_largest_skew(value):
    assert checked_skew(value) == (float(MAX_SKEW), dt.timedelta(seconds=MAX_SKEW))


@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_checked_skew_refuses_what_is_not_seconds(value):
    checked_skew(900)  # (the kept pair is 900's: a bool 1 or 0 must not match a kept 1 or 0)
    checked_skew(1)
    with pytest.raises(signers.InvalidOption):
        checked_skew(value)


def _signed(scheme, url="https://examplebucket.s3.amazonaws.com/photo.jpg", **options):
    signer = signers.get_signer(scheme, **options)
    return signer, signer.sign(Request("GET", url), CREDS, AT).request


VERIFIERS = [
    ("sigv4", {"region": "us-east-1", "service": "s3", "s3": True}),
    ("sigv4-query", {"region": "us-east-1", "service": "s3", "s3": True}),
    ("s3-v2", {}),
    ("s3-v2-query", {}),
]


@pytest.mark.parametrize(("scheme", "options"), VERIFIERS)
@pytest.mark.parametrize("value", BAD_NUMBERS)
def test_verify_refuses_a_bad_max_skew(scheme, options, value):
    signer, request = _signed(scheme, **options)
    signer.verify(request, CREDS, AT, 900)  # (the usual value verifies)
    with pytest.raises(signers.InvalidOption):
        signer.verify(request, CREDS, AT, value)


@pytest.mark.parametrize("scheme", ["s3-v2", "s3-v2-query"])
@pytest.mark.parametrize("value", [*BAD_NUMBERS, 10**12, math.inf])
def test_legacy_verify_refuses_a_bad_max_lifetime(scheme, value):
    signer, request = _signed(scheme)
    signer.verify(request, CREDS, AT, max_lifetime=604800)
    with pytest.raises(signers.InvalidOption):
        signer.verify(request, CREDS, AT, max_lifetime=value)


@pytest.mark.parametrize("scheme", ["sigv4", "sigv4-query"])
@pytest.mark.parametrize("value", [*BAD_NUMBERS, 10**12, math.inf])
def test_sigv4_verify_refuses_a_bad_max_lifetime(scheme, value):
    signer, request = _signed(scheme, **VERIFIERS[0][1])
    signer.verify(request, CREDS, AT, max_lifetime=604800)
    with pytest.raises(signers.InvalidOption):
        signer.verify(request, CREDS, AT, max_lifetime=value)


@pytest.mark.parametrize("s3", [True, False])
def test_sigv4_max_lifetime_bounds_x_amz_expires(s3):
    # A presigned URL of 3600 s: within a lifetime of 3600 and above, refused below it with the
    # code AWS gives an X-Amz-Expires out of its own range (a week).
    options = {"region": "us-east-1", "service": "s3" if s3 else "ec2", "s3": s3}
    signer, request = _signed("sigv4-query", **options, expires=3600)
    for lifetime in (3600, 3600.5, 604800, 10**9):
        assert signer.verify(request, CREDS, AT, max_lifetime=lifetime).signature
    for lifetime in (3599, 0, 0.5):
        with pytest.raises(signers.AuthorizationQueryParametersError) as caught:
            signer.verify(request, CREDS, AT, max_lifetime=lifetime)
        assert caught.value.code == "AuthorizationQueryParametersError"
        assert caught.value.http_status == 400
        assert caught.value.field == "X-Amz-Expires"
        assert f"at most {lifetime:g} seconds" in str(caught.value)


def test_sigv4a_max_lifetime_bounds_x_amz_expires():
    pytest.importorskip("cryptography")
    options = {"region_set": "us-east-1", "service": "s3", "s3": True, "expires": 3600}
    signer, request = _signed("sigv4a-query", **options)
    assert signer.verify(request, CREDS, AT, max_lifetime=3600).signature
    with pytest.raises(signers.AuthorizationQueryParametersError) as caught:
        signer.verify(request, CREDS, AT, 900, 3599)
    assert caught.value.field == "X-Amz-Expires"


def test_sigv4_max_lifetime_leaves_the_header_form_alone():
    # No X-Amz-Expires in the Authorization-header form: nothing for the lifetime to bound.
    signer, request = _signed("sigv4", **VERIFIERS[0][1])
    assert signer.verify(request, CREDS, AT, max_lifetime=0).signature


def test_the_known_signed_header_lists_stay_bounded():
    base = f"AWS4-HMAC-SHA256 Credential={AK}/20150830/us-east-1/s3/aws4_request, SignedHeaders="
    for i in range(600):
        names = f"host;x-amz-date;x-custom-{i}"
        request = Request(
            "GET",
            "https://example.amazonaws.com/",
            [
                ("X-Amz-Date", "20150830T123600Z"),
                ("Authorization", f"{base}{names}, Signature=" + "a" * 64),
            ],
        )
        parsed = parse_header_fast(request, single_values(request))
        assert parsed is not None and parsed.header_names == tuple(names.split(";"))
    assert len(_KNOWN_NAMES) <= 256


@pytest.mark.parametrize("s3", [True, False])
def test_signers_verify_passes_max_lifetime_to_sigv4(s3):
    # The dispatcher bounds a presigned SigV4 URL as the signer's own verify does.
    options = {"region": "us-east-1", "service": "s3" if s3 else "ec2", "s3": s3}
    _, request = _signed("sigv4-query", **options, expires=3600)
    lookup = {AK: CREDS}
    assert signers.verify(request, lookup, now=AT, max_lifetime=3600).scheme == "sigv4-query"
    assert signers.verify(request, lookup, now=AT).scheme == "sigv4-query"
    with pytest.raises(signers.AuthorizationQueryParametersError) as caught:
        signers.verify(request, lookup, now=AT, max_lifetime=3599)
    assert caught.value.field == "X-Amz-Expires"
