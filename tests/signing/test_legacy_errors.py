"""Bad input to the legacy signers: one-line SigningError naming the field, never a secret."""

from __future__ import annotations

import datetime
from typing import Any, Callable, Dict, Optional, Type

import pytest

import signers
from signers import (
    UNSIGNED_PAYLOAD,
    AlreadySigned,
    Credentials,
    InvalidOption,
    InvalidRequest,
    InvalidTime,
    Request,
    SigningError,
)
from signers.sigv2 import compute_signature
from tests._support import CREDS, CREDS_TOKEN, SECRET, TOKEN
from tests._support import VECTOR_TIME as AT

EC2 = "https://ec2.amazonaws.com/"
S3 = "https://examplebucket.s3.amazonaws.com/photos/cat.jpg"
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def sign(
    scheme: str,
    request: Request,
    options: Optional[Dict[str, Any]] = None,
    credentials: Credentials = CREDS,
    at: Any = AT,
) -> Callable[[], Any]:
    def run() -> Any:
        return signers.get_signer(scheme, **(options or {})).sign(request, credentials, at=at)

    return run


CASES = [
    # -- sigv2: options
    (
        "sigv2 unknown signature_method",
        InvalidOption,
        "signature_method",
        sign("sigv2", Request("GET", EC2), {"signature_method": "HmacMD5"}),
    ),
    (
        "sigv2 unknown placement",
        InvalidOption,
        "placement",
        sign("sigv2", Request("GET", EC2), {"placement": "header"}),
    ),
    (
        "sigv2 expires not a number",
        InvalidOption,
        "expires",
        sign("sigv2", Request("GET", EC2), {"expires": "300"}),
    ),
    (
        "sigv2 expires zero",
        InvalidOption,
        "expires",
        sign("sigv2", Request("GET", EC2), {"expires": 0}),
    ),
    (
        "sigv2 expires naive datetime",
        InvalidTime,
        "expires",
        sign("sigv2", Request("GET", EC2), {"expires": datetime.datetime(2030, 1, 1)}),
    ),
    (
        "sigv2 expires in the past",
        InvalidTime,
        "expires",
        sign("sigv2", Request("GET", EC2), {"expires": AT - datetime.timedelta(seconds=1)}),
    ),
    (
        "sigv2 unknown option",
        InvalidOption,
        "region",
        sign("sigv2", Request("GET", EC2), {"region": "us-east-1"}),
    ),
    # -- sigv2: the request
    (
        "sigv2 Expires parameter in the past",
        InvalidTime,
        "Expires",
        sign("sigv2", Request("GET", EC2 + "?Action=X&Expires=2015-08-30T12%3A00%3A00Z")),
    ),
    (
        "sigv2 Expires parameter unparsable",
        InvalidTime,
        "Expires",
        sign("sigv2", Request("GET", EC2 + "?Action=X&Expires=tomorrow")),
    ),
    (
        "sigv2 Expires and Timestamp",
        InvalidRequest,
        "Expires",
        sign("sigv2", Request("GET", EC2 + "?Expires=2016-01-01T00%3A00%3A00Z&Timestamp=x")),
    ),
    (
        "sigv2 expires option and Expires parameter",
        InvalidOption,
        "expires",
        sign("sigv2", Request("GET", EC2 + "?Expires=2016-01-01T00%3A00%3A00Z"), {"expires": 60}),
    ),
    (
        "sigv2 already has Signature",
        AlreadySigned,
        "Signature",
        sign("sigv2", Request("GET", EC2 + "?Action=X&Signature=abc%3D")),
    ),
    (
        "sigv2 already has AWSAccessKeyId",
        AlreadySigned,
        "AWSAccessKeyId",
        sign("sigv2", Request("GET", EC2 + "?AWSAccessKeyId=AKID")),
    ),
    (
        "sigv2 already has SignatureVersion",
        AlreadySigned,
        "SignatureVersion",
        sign("sigv2", Request("GET", EC2 + "?SignatureVersion=2")),
    ),
    (
        "sigv2 request names an unknown SignatureMethod",
        AlreadySigned,
        "SignatureMethod",
        sign("sigv2", Request("GET", EC2 + "?SignatureMethod=HmacMD5")),
    ),
    (
        "sigv2 Signature in the form body",
        AlreadySigned,
        "Signature",
        sign("sigv2", Request("POST", EC2, FORM, "Action=X&Signature=abc")),
    ),
    (
        "sigv2 Authorization header",
        AlreadySigned,
        "authorization",
        sign("sigv2", Request("GET", EC2, {"Authorization": "AWS a:b"})),
    ),
    (
        "sigv2 SecurityToken with session credentials",
        AlreadySigned,
        "SecurityToken",
        sign("sigv2", Request("GET", EC2 + "?SecurityToken=abc"), credentials=CREDS_TOKEN),
    ),
    (
        "sigv2 body placement, JSON body",
        InvalidRequest,
        "Content-Type",
        sign(
            "sigv2",
            Request("POST", EC2, {"Content-Type": "application/json"}, "{}"),
            {"placement": "body"},
        ),
    ),
    (
        "sigv2 POST body without Content-Type",
        InvalidRequest,
        "Content-Type",
        sign("sigv2", Request("POST", EC2, (), "Action=X")),
    ),
    (
        "sigv2 form body not bytes",
        InvalidRequest,
        "body",
        sign("sigv2", Request("POST", EC2, FORM, UNSIGNED_PAYLOAD)),
    ),
    (
        "sigv2 form body not UTF-8",
        InvalidRequest,
        "body",
        sign("sigv2", Request("POST", EC2, FORM, b"Action=\xff\xfe")),
    ),
    (
        "sigv2 naive at",
        InvalidTime,
        "at",
        sign("sigv2", Request("GET", EC2), at=datetime.datetime(2015, 8, 30)),
    ),
    (
        "sigv2 at not a datetime",
        InvalidTime,
        "at",
        sign("sigv2", Request("GET", EC2), at="2015-08-30T12:36:00Z"),
    ),
    (
        "sigv2 compute_signature unknown method",
        InvalidOption,
        "SignatureMethod",
        lambda: compute_signature(SECRET, "text", "HmacMD5"),
    ),
    # -- s3-v2: options
    (
        "s3 unknown addressing",
        InvalidOption,
        "addressing",
        sign("s3-v2", Request("GET", S3), {"addressing": "dns"}),
    ),
    (
        "s3 bucket with path addressing",
        InvalidOption,
        "bucket",
        sign("s3-v2", Request("GET", S3), {"addressing": "path", "bucket": "b"}),
    ),
    (
        "s3 bucket with a slash",
        InvalidOption,
        "bucket",
        sign("s3-v2", Request("GET", S3), {"bucket": "a/b"}),
    ),
    (
        "s3 bucket disagrees with the host",
        InvalidOption,
        "bucket",
        sign("s3-v2", Request("GET", S3), {"bucket": "otherbucket"}),
    ),
    (
        "s3 bad extra_sub_resources",
        InvalidOption,
        "extra_sub_resources",
        sign("s3-v2", Request("GET", S3), {"extra_sub_resources": ["a=b"]}),
    ),
    (
        "s3 unknown option",
        InvalidOption,
        "region",
        sign("s3-v2", Request("GET", S3), {"region": "us-east-1"}),
    ),
    (
        "s3-query expires zero",
        InvalidOption,
        "expires",
        sign("s3-v2-query", Request("GET", S3), {"expires": 0}),
    ),
    (
        "s3-query expires bool",
        InvalidOption,
        "expires",
        sign("s3-v2-query", Request("GET", S3), {"expires": True}),
    ),
    (
        "s3-query expires and expires_at",
        InvalidOption,
        "expires_at",
        sign("s3-v2-query", Request("GET", S3), {"expires": 60, "expires_at": AT}),
    ),
    (
        "s3-query expires_at naive",
        InvalidTime,
        "expires_at",
        sign("s3-v2-query", Request("GET", S3), {"expires_at": datetime.datetime(2030, 1, 1)}),
    ),
    (
        "s3-query expires_at in the past",
        InvalidTime,
        "expires_at",
        sign("s3-v2-query", Request("GET", S3), {"expires_at": AT}),
    ),
    # -- s3-v2: the request
    (
        "s3 virtual addressing, no bucket in the host",
        InvalidRequest,
        "bucket",
        sign("s3-v2", Request("GET", "https://s3.amazonaws.com/key"), {"addressing": "virtual"}),
    ),
    (
        "s3 virtual addressing, custom host",
        InvalidRequest,
        "bucket",
        sign(
            "s3-v2-query", Request("GET", "https://minio.local:9000/k"), {"addressing": "virtual"}
        ),
    ),
    (
        "s3 Authorization header",
        AlreadySigned,
        "authorization",
        sign("s3-v2", Request("GET", S3, {"Authorization": "AWS AKID:sig"})),
    ),
    (
        "s3-query Authorization header",
        AlreadySigned,
        "authorization",
        sign("s3-v2-query", Request("GET", S3, {"Authorization": "AWS AKID:sig"})),
    ),
    (
        "s3 presigned URL signed again",
        AlreadySigned,
        "Signature",
        sign("s3-v2", Request("GET", S3 + "?Signature=abc")),
    ),
    (
        "s3-query already has AWSAccessKeyId",
        AlreadySigned,
        "AWSAccessKeyId",
        sign("s3-v2-query", Request("GET", S3 + "?AWSAccessKeyId=AKID")),
    ),
    (
        "s3-query already has Expires",
        AlreadySigned,
        "Expires",
        sign("s3-v2-query", Request("GET", S3 + "?Expires=1440941760")),
    ),
    (
        "s3 token header with session credentials",
        AlreadySigned,
        "x-amz-security-token",
        sign("s3-v2", Request("GET", S3, {"x-amz-security-token": "x"}), credentials=CREDS_TOKEN),
    ),
    (
        "s3-query token parameter with session credentials",
        AlreadySigned,
        "x-amz-security-token",
        sign(
            "s3-v2-query", Request("GET", S3 + "?x-amz-security-token=x"), credentials=CREDS_TOKEN
        ),
    ),
    (
        "s3 repeated Content-Type",
        InvalidRequest,
        "content-type",
        sign("s3-v2", Request("PUT", S3, [("Content-Type", "a/b"), ("Content-Type", "c/d")])),
    ),
    (
        "s3 repeated Content-MD5",
        InvalidRequest,
        "content-md5",
        sign("s3-v2-query", Request("PUT", S3, [("Content-MD5", "x"), ("content-md5", "y")])),
    ),
    (
        "s3 repeated Date",
        InvalidRequest,
        "date",
        sign("s3-v2", Request("GET", S3, [("Date", "a"), ("Date", "b")])),
    ),
    (
        "s3 naive at",
        InvalidTime,
        "at",
        sign("s3-v2", Request("GET", S3), at=datetime.datetime(2015, 8, 30)),
    ),
    (
        "s3-query naive at",
        InvalidTime,
        "at",
        sign("s3-v2-query", Request("GET", S3), at=datetime.datetime(2015, 8, 30)),
    ),
    (
        "s3 request is not a Request",
        InvalidRequest,
        "request",
        lambda: signers.get_signer("s3-v2").sign("GET /", CREDS, at=AT),
    ),
    (
        "sigv2 credentials are not Credentials",
        InvalidRequest,
        "credentials",
        lambda: signers.get_signer("sigv2").sign(Request("GET", EC2), (SECRET, SECRET), at=AT),
    ),
]


@pytest.mark.parametrize("error, field, run", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_bad_input(error: Type[SigningError], field: str, run: Callable[[], Any]) -> None:
    with pytest.raises(error) as info:
        run()
    err = info.value
    message = str(err)
    assert isinstance(err, SigningError)
    assert "\n" not in message and "\r" not in message
    assert err.field is not None and err.field.lower() == field.lower()
    assert field.lower() in message.lower(), message
    for secret in (SECRET, TOKEN):
        assert secret not in message
        assert secret not in repr(err)
        assert all(secret not in str(arg) for arg in err.args)


def test_aliases_refuse_alike() -> None:
    for scheme in ("v2", "s3", "s3-query"):
        request = Request("GET", S3 + "?Signature=abc", {"Authorization": "AWS a:b"})
        with pytest.raises(AlreadySigned):
            signers.get_signer(scheme).sign(request, CREDS, at=AT)
