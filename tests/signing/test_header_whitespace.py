"""Header-value whitespace, held against AWS's own signer (awscrt, aws-c-auth) as the oracle.

SigV4 trims header values and collapses inner runs of whitespace to one space.  What counts as
whitespace decides whether a signature made by one side verifies on the other: aws-c-auth takes
space, tab, vertical tab and form feed, and signs every other character (U+00A0, U+3000, U+0085,
U+001C-U+001F) as data.  A verifier that trims more (Python's ``str.strip``) accepts a request
whose signed value was changed, and refuses what awscrt signs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import signers
from signers import Credentials, Request

AT = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
OTHERS = ["\x1c", "\x1d", "\x1e", "\x1f", "\x85", "\xa0", "\u2003", "\u3000"]
VALUES = [
    " a  b ",
    "\ta\t\tb\x0b",
    "\x0c a \x0b\t b \t",
    "a\x0bb",
    *[f"b{c}" for c in OTHERS],
    *[f"{c}b" for c in OTHERS],
    *[f"a{c}{c}b" for c in OTHERS],
]


def _crt_signature(value: str) -> str:
    auth: Any = pytest.importorskip("awscrt.auth")
    http: Any = pytest.importorskip("awscrt.http")
    provider = auth.AwsCredentialsProvider.new_static(CREDS.access_key, CREDS.secret_key)
    config = auth.AwsSigningConfig(
        algorithm=auth.AwsSigningAlgorithm.V4,
        signature_type=auth.AwsSignatureType.HTTP_REQUEST_HEADERS,
        credentials_provider=provider,
        region="us-east-1",
        service="svc",
        date=AT,
    )
    request = http.HttpRequest(
        "GET", "/", http.HttpHeaders([("Host", "h.example.com"), ("X-Meta", value)])
    )
    signed = auth.aws_sign_request(request, config).result()
    return str(signed.headers.get("Authorization")).rsplit("Signature=", 1)[1]


def _request(value: str) -> Request:
    return Request("GET", "https://h.example.com/", [("X-Meta", value)])


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_we_sign_header_values_as_awscrt_does(value: str) -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="svc")
    assert signer.sign(_request(value), CREDS, AT).signature == _crt_signature(value)


@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_awscrt_signed_values_verify(value: str) -> None:
    signature = _crt_signature(value)
    signed = signers.get_signer("sigv4", region="us-east-1", service="svc").sign(
        _request(value), CREDS, AT
    )
    assert signed.signature == signature
    verified = signers.verify(signed.request, {CREDS.access_key: CREDS}, AT)
    assert verified.artifacts.signature == signature


@pytest.mark.parametrize("other", OTHERS, ids=repr)
def test_a_value_changed_by_a_unicode_blank_is_refused(other: str) -> None:
    # Signed for "b"; sent with the character appended: the signature must not match.
    signer = signers.get_signer("sigv4", region="us-east-1", service="svc")
    signed = signer.sign(_request("b"), CREDS, AT)
    tampered = [(n, v + other if n == "X-Meta" else v) for n, v in signed.request.headers]
    with pytest.raises(signers.SignatureDoesNotMatch):
        signer.verify(signed.request.replace(headers=tampered), CREDS, AT)


@pytest.mark.parametrize("other", OTHERS, ids=repr)
def test_a_host_changed_by_a_unicode_blank_is_refused(other: str) -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="svc")
    signed = signer.sign(
        Request("GET", "https://h.example.com/", [("Host", "h.example.com")]), CREDS, AT
    )
    tampered = [(n, v + other if n == "Host" else v) for n, v in signed.request.headers]
    with pytest.raises(signers.SignatureDoesNotMatch):
        signer.verify(signed.request.replace(headers=tampered), CREDS, AT)
