"""``signers.verify`` finds the signer of a server without options of its own by four values
(scheme, region, signing name, S3 rules): each scope gets the signer its options would make, and
no verdict leaks from one scope to another."""

from __future__ import annotations

import datetime as dt
from typing import Iterator, Optional

import pytest

import signers
from signers import Credentials, Request, registry

AT = dt.datetime(2026, 12, 6, 12, 0, 0, tzinfo=dt.timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
LOOKUP = {CREDS.access_key: CREDS}


@pytest.fixture(autouse=True)
def fresh_cache() -> Iterator[None]:
    registry.refresh()
    yield
    registry.refresh()


def _received(scheme: str, url: str, **options: object) -> Request:
    signed = signers.get_signer(scheme, **options).sign(Request("GET", url), CREDS, at=AT)
    request = signed.request
    return Request(request.method, request.url, request.headers, request.body)


def _verify(request: Request, region: Optional[str] = None, **keywords: object) -> signers.Verified:
    return signers.verify(request, LOOKUP, AT, region=region, **keywords)


def test_the_kept_signer_is_the_one_its_options_make() -> None:
    _verify(_received("sigv4", "https://ecs.eu-west-1.amazonaws.com/", region="eu-west-1",
                      service="ecs"))  # fmt: skip
    kept = registry.cached_shared_signer(("sigv4", "eu-west-1", "ecs", False))
    made = signers.get_signer("sigv4", region="eu-west-1", service="ecs", s3=False)
    assert kept is not None and kept.options == made.options
    _verify(_received("s3v4", "https://b.s3.eu-west-1.amazonaws.com/k", region="eu-west-1"))
    kept = registry.cached_shared_signer(("sigv4", "eu-west-1", "s3", True))
    made = signers.get_signer("sigv4", region="eu-west-1", service="s3", s3=True)
    assert kept is not None and kept.options == made.options


def test_each_scope_verifies_with_its_own_signer() -> None:
    for region in ("us-east-1", "eu-west-1", "us-east-1", "ap-south-1"):
        url = f"https://sqs.{region}.amazonaws.com/?Action=ListQueues"
        verified = _verify(_received("sigv4", url, region=region, service="sqs"))
        assert verified.region == region
        assert f"/{region}/sqs/aws4_request" in verified.artifacts.string_to_sign


def test_a_scope_seen_before_is_still_refused_where_the_server_answers_for_another() -> None:
    request = _received("sigv4", "https://sqs.eu-west-1.amazonaws.com/", region="eu-west-1",
                        service="sqs")  # fmt: skip
    _verify(request)  # (keeps the eu-west-1 signer)
    with pytest.raises(signers.VerificationError) as caught:
        _verify(request, region="us-east-1")
    assert caught.value.code in ("SignatureDoesNotMatch", "InvalidSignatureException")


def test_options_for_the_scheme_take_the_general_way() -> None:
    # Signed with S3's rules (the path as sent, encoded once) for a signing name that is not S3's
    request = _received("sigv4", "https://sqs.eu-west-1.amazonaws.com/a//b/%2A", region="eu-west-1",
                        service="sqs", s3=True)  # fmt: skip
    with pytest.raises(signers.VerificationError) as plain:
        _verify(request)  # (keeps the signer of sqs without S3's rules)
    assert plain.value.code == "SignatureDoesNotMatch"
    # the server's options force S3's rules: another signer, and the request verifies
    verified = _verify(request, options={"sigv4": {"s3": True}})
    assert verified.service == "sqs"


def test_sigv4a_keeps_its_region_set() -> None:
    pytest.importorskip("cryptography")
    url = "https://s3.amazonaws.com/b/k"
    verified = _verify(_received("sigv4a", url, region_set="*", service="s3", s3=True))
    assert verified.scheme == "sigv4a"
    kept = registry.cached_shared_signer(("sigv4a", "*", "s3", True))
    made = signers.get_signer("sigv4a", region_set="*", service="s3", s3=True)
    assert kept is not None and kept.options == made.options


def test_a_legacy_scheme_without_options_is_kept_under_its_name() -> None:
    url = "https://ec2.amazonaws.com/?Action=DescribeInstances&Version=2016-11-15"
    verified = _verify(_received("sigv2", url))
    assert verified.scheme == "sigv2"
    kept = registry.cached_shared_signer("sigv2")
    assert kept is not None and kept.options == signers.get_signer("sigv2").options
    # verified again through the kept signer, and a tampered copy is still refused
    request = _received("sigv2", url)
    assert _verify(request).access_key == CREDS.access_key
    tampered = Request(request.method, request.url.replace("2016-11-15", "2016-11-16"))
    with pytest.raises(signers.VerificationError) as caught:
        _verify(tampered)
    assert caught.value.code == "SignatureDoesNotMatch"
