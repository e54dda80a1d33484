"""``signers.verify`` reads a request as signers write it once: the detector's shortcut (the
one-pass parse of a SigV4 header, an S3 SigV2 header or a SigV2 query, handed to the verifier)
must answer exactly as the general route, detection then the strict parse.

The general route is taken by a ``Request`` subclass: every one-pass path requires the exact
type, so the subclass runs detect(), the strict parses and the step-by-step checks.  Each case
is a signed request, then mutated where the shortcut and detection could disagree (another
scheme's parameters beside the header, a form body, blanks, repeats, encoded names).
"""

from __future__ import annotations

import datetime as dt
from typing import Callable, Dict, List, Tuple

import pytest

import signers
from signers import Credentials, Request

AT = dt.datetime(2026, 12, 6, 12, 0, 0, tzinfo=dt.timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
LOOKUP = {CREDS.access_key: CREDS}


class GeneralRoute(Request):
    """The same request, of a type no one-pass path takes."""

    __slots__ = ()


Parts = Tuple[str, str, Tuple[Tuple[str, str], ...], bytes]


def _signed(scheme: str, method: str, url: str, body: bytes = b"", **options: object) -> Parts:
    headers: Tuple[Tuple[str, str], ...] = ()
    if body:
        headers = (("Content-Type", "application/x-amz-json-1.1"),)
    signed = signers.get_signer(scheme, **options).sign(
        Request(method, url, headers, body), CREDS, at=AT
    )
    request = signed.request
    out = tuple(request.headers)
    if not request.has_header("host"):
        out = (("Host", request.host_header), *out)
    return request.method, request.url, out, body


def _outcome(request: Request) -> Tuple[str, object]:
    try:
        verified = signers.verify(request, LOOKUP, AT)
    except signers.SigningError as exc:
        return type(exc).__name__, (str(exc), getattr(exc, "code", None))
    return "Verified", (verified, verified.artifacts, verified.payload_checked)


def _mutations(parts: Parts) -> List[Parts]:
    method, url, headers, body = parts
    sep = "&" if "?" in url else "?"
    auth = [v for n, v in headers if n.lower() == "authorization"]
    others = tuple((n, v) for n, v in headers if n.lower() != "authorization")
    out = [parts]
    for extra in (
        "Signature=abc",
        "X-Amz-Algorithm=AWS4-HMAC-SHA256",
        "x-amz-signature=00",
        "%53ignature=abc",
        "Action=Describe",
        "SignatureVersion=1",
        "a=b+c",
    ):
        out.append((method, url + sep + extra, headers, body))
    form = (("Content-Type", "application/x-www-form-urlencoded"),)
    out.append(
        (
            method,
            url,
            others + form + tuple(("Authorization", a) for a in auth),
            b"Action=X&Signature=abc",
        )
    )
    out.append((method, url, headers + form, b"Action=X"))
    if auth:
        value = auth[0]
        for changed in (
            " " + value + "\t",
            value.replace(" ", "  ", 1),
            value + ",",
            value.replace("Credential=", "Credential= "),
            value + "\x0b",
            value.replace("AWS ", "AWS \x0b"),
            value.replace(":", "::", 1),
            value.replace("AKIDEXAMPLE", "OTHERKEY"),
        ):
            out.append((method, url, (*others, ("Authorization", changed)), body))
        out.append((method, url, (*headers, ("authorization", value)), body))
    else:
        for old, new in (
            ("AWSAccessKeyId=", "AWSAccessKeyId=%41"),
            ("SignatureVersion=2", "SignatureVersion=2&SignatureVersion=2"),
            ("AWSAccessKeyId=AKIDEXAMPLE", "AWSAccessKeyId=OTHER"),
            ("SignatureVersion=2", "SignatureVersion=+2"),
        ):
            out.append((method, url.replace(old, new, 1), headers, body))
    return out


CASES: Dict[str, Callable[[], Parts]] = {
    "sigv4 header": lambda: _signed(
        "sigv4", "POST", "https://ecs.us-east-1.amazonaws.com/", b"{}",
        region="us-east-1", service="ecs",
    ),
    "sigv4 header, query": lambda: _signed(
        "sigv4", "GET", "https://ec2.us-east-1.amazonaws.com/?Action=DescribeRegions",
        region="us-east-1", service="ec2",
    ),
    "s3 sigv2 header": lambda: _signed("s3-v2", "GET", "https://bucket.s3.amazonaws.com/key"),
    "sigv2 query": lambda: _signed(
        "sigv2", "GET", "https://ec2.amazonaws.com/?Action=DescribeInstances&Version=2016-11-15"
    ),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_shortcut_answers_as_the_general_route(case: str) -> None:
    mutations = _mutations(CASES[case]())
    verified = 0
    for parts in mutations:
        fast = _outcome(Request(*parts))
        general = _outcome(GeneralRoute(*parts))
        assert fast == general, (case, parts)
        verified += fast[0] == "Verified"
    assert verified >= 1  # (the unchanged request verifies: the shortcut was exercised)
    assert verified < len(mutations)  # (and mutations are refused)
