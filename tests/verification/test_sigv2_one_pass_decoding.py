"""The one-pass SigV2 parse reads each parameter value as the query services do: form-decoded
once.  A value written in a form that is not canonical (an escaped unreserved character) was
decoded twice on that path, so a validly signed request was refused by its signer and, through
``signers.verify``, credited to another access key.  Expected values come from
``urllib.parse.parse_qsl``, not from the code under test."""

from __future__ import annotations

import datetime
from urllib.parse import parse_qsl, urlsplit

import signers
from signers import Credentials, Request

AT = datetime.datetime(2015, 8, 30, 12, 36, tzinfo=datetime.timezone.utc)
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"


def _received(access_key: str, raw_value: str) -> Request:
    """A request signed for ``access_key``, its AWSAccessKeyId rewritten as ``raw_value``
    (another spelling of the same value: the signature still holds)."""
    signed = signers.get_signer("sigv2").sign(
        Request("GET", "https://ec2.amazonaws.com/?Action=DescribeRegions"),
        Credentials(access_key, SECRET),
        AT,
    )
    url = signed.url.replace("AWSAccessKeyId=%2541x", "AWSAccessKeyId=" + raw_value)
    assert url != signed.url
    return Request("GET", url, [("Host", "ec2.amazonaws.com")])


def test_an_escaped_unreserved_character_is_decoded_once() -> None:
    request = _received("%41x", "%2541%78")  # %78 is "x": not canonical, the same value
    sent = dict(parse_qsl(urlsplit(request.url).query))["AWSAccessKeyId"]
    assert sent == "%41x"
    owner = Credentials(sent, SECRET)
    other = Credentials("Ax", SECRET)  # what decoding twice reads, with the same secret
    artifacts = signers.get_signer("sigv2").verify(request, owner, AT)
    assert artifacts.signature
    verified = signers.verify(request, {sent: owner, "Ax": other}, AT)
    assert verified.access_key == sent
