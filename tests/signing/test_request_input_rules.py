"""Input rules decided for issue-tracker defects, each against the behaviour it replaces.

- A lower-case method is upper-cased, as HTTP clients send it (botocore and requests send and
  sign ``GET`` for ``get``).
- A malformed percent-escape in the query (``%zz``, a lone ``%``) is refused when signing, as
  AWS's own signer refuses it (awscrt: ``AWS_ERROR_MALFORMED_INPUT_STRING``).
- An access key id is printable ASCII without blanks, ``/`` or ``,``: one rule for code, the
  command line and a server's key file.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

import signers
from signers import Credentials, Request

AT = dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


@pytest.mark.parametrize("method", ["get", "Get", "pOsT", "delete"])
def test_lower_case_methods_are_signed_as_clients_send_them(method: str) -> None:
    botocore_auth: Any = pytest.importorskip("botocore.auth")
    awsrequest: Any = pytest.importorskip("botocore.awsrequest")
    botocore_credentials: Any = pytest.importorskip("botocore.credentials")
    request = Request(method, "https://ec2.us-east-1.amazonaws.com/?Action=DescribeRegions")
    assert request.method == method.upper()
    signed = signers.get_signer("sigv4", region="us-east-1", service="ec2").sign(request, CREDS, AT)
    theirs = awsrequest.AWSRequest(method=method, url=request.url)
    auth = botocore_auth.SigV4Auth(
        botocore_credentials.Credentials(CREDS.access_key, CREDS.secret_key), "ec2", "us-east-1"
    )
    # botocore's canonical request, at our instant, begins with the method it sends
    theirs.context["timestamp"] = "20240101T000000Z"
    canonical = auth.canonical_request(theirs)
    assert canonical.split("\n", 1)[0] == signed.artifacts.canonical_request.split("\n", 1)[0]
    assert signed.request.method == theirs.method.upper()


def test_raw_requests_upper_case_the_method() -> None:
    raw = b"get / HTTP/1.1\r\nHost: example.com\r\n\r\n"
    assert Request.from_raw(raw).method == "GET"


@pytest.mark.parametrize("query", ["a=%zz", "a=%", "a=%4", "%zz=1", "a=1&b=%G0"])
@pytest.mark.parametrize("scheme", ["sigv4", "sigv4-query"])
def test_malformed_escapes_are_refused_when_signing(query: str, scheme: str) -> None:
    signer = signers.get_signer(scheme, region="us-east-1", service="ec2")
    request = Request("GET", "https://ec2.amazonaws.com/?" + query)
    with pytest.raises(signers.InvalidRequest) as caught:
        signer.sign(request, CREDS, AT)
    assert caught.value.field == "query" and "%25" in str(caught.value)
    with pytest.raises(signers.InvalidRequest):  # the step-by-step path decides alike
        signer._sign_general(request, CREDS, AT)  # type: ignore[attr-defined]


def test_awscrt_refuses_the_same_escape() -> None:
    auth: Any = pytest.importorskip("awscrt.auth")
    http: Any = pytest.importorskip("awscrt.http")
    exceptions: Any = pytest.importorskip("awscrt.exceptions")
    config = auth.AwsSigningConfig(
        algorithm=auth.AwsSigningAlgorithm.V4,
        signature_type=auth.AwsSignatureType.HTTP_REQUEST_QUERY_PARAMS,
        credentials_provider=auth.AwsCredentialsProvider.new_static("AK", "s"),
        region="us-east-1",
        service="ec2",
        date=AT,
    )
    request = http.HttpRequest("GET", "/?a=%zz", http.HttpHeaders([("Host", "ec2.amazonaws.com")]))
    with pytest.raises(exceptions.AwsCrtError, match="MALFORMED_INPUT"):
        auth.aws_sign_request(request, config).result()


def test_well_formed_escapes_still_sign() -> None:
    signer = signers.get_signer("sigv4", region="us-east-1", service="ec2")
    signed = signer.sign(Request("GET", "https://ec2.amazonaws.com/?a=%41%2f&b=%25"), CREDS, AT)
    assert signed.artifacts.canonical_request.split("\n")[2] == "a=A%2F&b=%25"


@pytest.mark.parametrize("access_key", ["AK ID", "AK/ID", "AK,ID", "AKé", "AK\tID", " AK"])
def test_access_key_ids_are_checked_alike_everywhere(access_key: str) -> None:
    with pytest.raises(signers.InvalidCredentials) as caught:
        Credentials(access_key, "secret")
    assert caught.value.field == "access_key"
    from signers.serve import parse_credential

    if access_key == access_key.strip():  # (--credential's value is taken without its ends)
        with pytest.raises(signers.InvalidCredentials):
            parse_credential(f"{access_key}:secret")
