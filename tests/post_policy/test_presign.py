"""presign_post: URLs, regions, signatures checked by the reference; one-line errors."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any, Dict, Type

import pytest

import signers
from signers.errors import (
    AlreadySigned,
    InvalidCredentials,
    InvalidOption,
    InvalidRequest,
    InvalidTime,
    SigningError,
)
from signers.post_policy import presign_post

from ._reference import AK, AT, SECRET, TOKEN, sign_v2, sign_v4

CREDS = signers.Credentials(AK, SECRET)


def _policy(fields: Dict[str, str]) -> Any:
    return json.loads(base64.b64decode(fields["policy"]))


@pytest.mark.parametrize(
    "url, bucket, region",
    [
        ("https://examplebucket.s3.eu-west-1.amazonaws.com/", "examplebucket", "eu-west-1"),
        ("https://my.dotted.bucket.s3.us-west-2.amazonaws.com", "my.dotted.bucket", "us-west-2"),
        ("https://examplebucket.s3-ap-south-1.amazonaws.com/", "examplebucket", "ap-south-1"),
        ("https://b.s3.dualstack.eu-north-1.amazonaws.com/", "b", "eu-north-1"),
        ("https://s3.eu-central-1.amazonaws.com/pathbucket", "pathbucket", "eu-central-1"),
        ("https://s3.cn-north-1.amazonaws.com.cn/cnbucket/", "cnbucket", "cn-north-1"),
        # the legacy global endpoint signs for us-east-1
        ("https://examplebucket.s3.amazonaws.com/", "examplebucket", "us-east-1"),
    ],
)
def test_bucket_and_region_from_the_url(url: str, bucket: str, region: str) -> None:
    post = presign_post(url, CREDS, key="k", at=AT)
    assert post.url == url
    credential = post.fields["x-amz-credential"]
    assert credential == f"{AK}/20240517/{region}/s3/aws4_request"
    assert {"bucket": bucket} in _policy(post.fields)["conditions"]
    # the signature is the reference's, over the base64 policy as sent
    assert post.fields["x-amz-signature"] == sign_v4(
        post.fields["policy"], SECRET, "20240517", region
    )


def test_custom_endpoint_needs_region_and_takes_bucket_from_the_path() -> None:
    post = presign_post("http://127.0.0.1:9000/mybucket", CREDS, key="k", at=AT, region="us-east-1")
    assert {"bucket": "mybucket"} in _policy(post.fields)["conditions"]
    with pytest.raises(InvalidOption) as caught:
        presign_post("http://127.0.0.1:9000/mybucket", CREDS, key="k", at=AT)
    assert str(caught.value).startswith("region: cannot infer the region")
    post = presign_post(
        "https://uploads.example.com/", CREDS, key="k", at=AT, region="r-1", bucket="b"
    )
    assert {"bucket": "b"} in _policy(post.fields)["conditions"]


def test_v2_signature_and_expiration() -> None:
    post = presign_post("https://b.s3.amazonaws.com/", CREDS, key="k", at=AT, version=2, expires=60)
    assert post.fields["signature"] == sign_v2(post.fields["policy"], SECRET)
    assert _policy(post.fields)["expiration"] == "2024-05-17T12:01:00Z"


def test_at_is_converted_to_utc() -> None:
    tz = dt.timezone(dt.timedelta(hours=2))
    post = presign_post("https://b.s3.amazonaws.com/", CREDS, key="k", at=AT.astimezone(tz))
    assert post.fields["x-amz-date"] == "20240517T120000Z"


def test_repr_hides_signature_token_and_policy_with_a_token() -> None:
    post = presign_post(
        "https://b.s3.amazonaws.com/", signers.Credentials(AK, SECRET, TOKEN), key="k", at=AT
    )
    text = repr(post)
    for secret in (post.fields["x-amz-signature"], TOKEN, post.fields["policy"], SECRET):
        assert secret not in text
    assert "<redacted>" in text and AK in text
    plain = presign_post("https://b.s3.amazonaws.com/", CREDS, key="k", at=AT, version=2)
    assert plain.fields["signature"] not in repr(plain)
    assert plain.fields["policy"] in repr(plain)  # no token: the policy holds no secret


URL = "https://b.s3.eu-west-1.amazonaws.com/"


@pytest.mark.parametrize(
    "url, options, error, field",
    [
        (42, {}, InvalidRequest, "url"),
        ("ftp://b.s3.amazonaws.com/", {}, InvalidRequest, "url"),
        ("https://b.s3.amazonaws.com/?acl", {}, InvalidRequest, "url"),
        ("https://b.s3.amazonaws.com/some/key", {}, InvalidRequest, "url"),
        ("https://s3.eu-west-1.amazonaws.com/", {}, InvalidRequest, "url"),
        (URL, {"credentials": ("AK", "SECRET")}, InvalidCredentials, "credentials"),
        (URL, {"key": ""}, InvalidOption, "key"),
        (URL, {"key": None}, InvalidOption, "key"),
        (URL, {"expires": 0}, InvalidOption, "expires"),
        (URL, {"expires": 604801}, InvalidOption, "expires"),
        (URL, {"expires": 1.5}, InvalidOption, "expires"),
        (URL, {"expires": True}, InvalidOption, "expires"),
        (URL, {"version": 3}, InvalidOption, "version"),
        (URL, {"version": 2, "region": "eu-west-1"}, InvalidOption, "region"),
        (URL, {"region": "eu/west"}, InvalidOption, "region"),
        (URL, {"bucket": ""}, InvalidOption, "bucket"),
        (URL, {"at": dt.datetime(2024, 1, 1)}, InvalidTime, "at"),
        (URL, {"at": "2024-01-01"}, InvalidTime, "at"),
        (URL, {"fields": [("acl", "x")]}, InvalidOption, "fields"),
        (URL, {"fields": {"acl": 1}}, InvalidOption, "fields"),
        (URL, {"fields": {"Policy": "x"}}, AlreadySigned, "Policy"),
        (URL, {"fields": {"KEY": "x"}}, AlreadySigned, "KEY"),
        (URL, {"fields": {"X-Amz-Signature": "x"}}, AlreadySigned, "X-Amz-Signature"),
        (URL, {"fields": {"acl": "a", "ACL": "b"}}, InvalidOption, "ACL"),
        (URL, {"conditions": {"acl": "x"}}, InvalidOption, "conditions"),
        (URL, {"conditions": [{"acl": 1}]}, InvalidOption, "conditions"),
        (URL, {"conditions": [["ends-with", "$key", "x"]]}, InvalidOption, "conditions"),
        (URL, {"conditions": [["content-length-range", 0, 1.5]]}, InvalidOption, "conditions"),
        (URL, {"conditions": [{1, 2}]}, InvalidOption, "conditions"),
    ],
)
def test_bad_input(
    url: Any, options: Dict[str, Any], error: Type[SigningError], field: str
) -> None:
    options.setdefault("key", "k")
    credentials = options.pop("credentials", CREDS)
    options.setdefault("at", AT)
    with pytest.raises(error) as caught:
        presign_post(url, credentials, **options)
    assert caught.value.field == field
    message = str(caught.value)
    assert "\n" not in message and SECRET not in message
    assert message.lower().startswith(field.lower().split("[")[0]) or message.startswith("fields:")


def test_default_time_is_now() -> None:
    before = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    post = presign_post(URL, CREDS, key="k")
    after = dt.datetime.now(dt.timezone.utc)
    stamp = dt.datetime.strptime(post.fields["x-amz-date"], "%Y%m%dT%H%M%SZ").replace(
        tzinfo=dt.timezone.utc
    )
    assert before <= stamp <= after


@pytest.mark.slow
def test_lazy_export() -> None:
    import subprocess
    import sys

    code = (
        "import sys, signers; assert 'signers.post_policy' not in sys.modules; "
        "assert signers.presign_post.__module__ == 'signers.post_policy'; "
        "assert {'presign_post', 'PresignedPost', 'verify_post', 'VerifiedPost'} "
        "<= set(signers.__all__)"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
