"""AWS's published POST-policy examples, reproduced and verified."""

from __future__ import annotations

import base64
import datetime as dt

import pytest

import signers
from signers.errors import AccessDenied, SignatureDoesNotMatch
from signers.post_policy import verify_post, verify_post_request

from ._reference import load_case, sign_v2, sign_v4

UTC = dt.timezone.utc


def _read(folder, name):  # type: ignore[no-untyped-def]
    return (folder / name).read_bytes()


@pytest.mark.parametrize("name", ["aws-doc-sigv4-post", "aws-doc-sigv2-post"])
def test_the_published_base64_is_the_published_policy(name: str) -> None:
    _, folder = load_case(name)
    assert base64.b64decode(_read(folder, "policy-base64.txt")) == _read(folder, "policy.json")


def test_sigv4_example_signature_reproduced_by_the_reference() -> None:
    case, folder = load_case("aws-doc-sigv4-post")
    policy = _read(folder, "policy-base64.txt").decode("ascii")
    secret = case["credentials"]["secret_access_key"]
    assert sign_v4(policy, secret, case["date"], case["region"]) == _read(
        folder, "signature.txt"
    ).decode("ascii")
    # the policy has the CRLF line ends the page insists on
    assert b"\r\n" in _read(folder, "policy.json")


def test_sigv2_example_signature_reproduced_by_the_reference() -> None:
    case, folder = load_case("aws-doc-sigv2-post")
    policy = _read(folder, "policy-base64.txt").decode("ascii")
    assert sign_v2(policy, case["credentials"]["secret_access_key"]) == _read(
        folder, "signature.txt"
    ).decode("ascii")


def _lookup(case):  # type: ignore[no-untyped-def]
    creds = case["credentials"]
    return {
        creds["access_key_id"]: signers.Credentials(
            creds["access_key_id"], creds["secret_access_key"]
        )
    }


def test_sigv4_example_form_verifies() -> None:
    """The page's own form (its field-name case included) passes its own policy."""
    case, _ = load_case("aws-doc-sigv4-post")
    form = [tuple(pair) for pair in case["form"]]
    verified = verify_post(
        form,
        _lookup(case),
        now=dt.datetime(2015, 12, 29, 12, 0, tzinfo=UTC),
        region=case["region"],
        bucket=case["bucket"],
        filename="MyPhoto.jpg",
    )
    assert verified.scheme == "post-v4"
    assert verified.access_key == "AKIAIOSFODNN7EXAMPLE"
    assert verified.key == "user/user1/MyPhoto.jpg"
    assert verified.region == "us-east-1"
    assert verified.expiration == dt.datetime(2015, 12, 30, 12, 0, tzinfo=UTC)
    assert verified.request_time == dt.datetime(2015, 12, 29, 0, 0, tzinfo=UTC)
    assert verified.policy["conditions"][0] == {"bucket": "sigv4examplebucket"}


def test_sigv4_example_expires_at_noon_on_the_30th() -> None:
    case, _ = load_case("aws-doc-sigv4-post")
    form = [tuple(pair) for pair in case["form"]]
    with pytest.raises(AccessDenied) as caught:
        verify_post(form, _lookup(case), now=dt.datetime(2015, 12, 30, 12, 0, tzinfo=UTC))
    assert str(caught.value) == "Invalid according to Policy: Policy expired."


def test_sigv4_example_with_the_wrong_secret() -> None:
    case, _ = load_case("aws-doc-sigv4-post")
    form = [tuple(pair) for pair in case["form"]]
    wrong = {"AKIAIOSFODNN7EXAMPLE": signers.Credentials("AKIAIOSFODNN7EXAMPLE", "not-the-key")}
    with pytest.raises(SignatureDoesNotMatch) as caught:
        verify_post(form, wrong, now=dt.datetime(2015, 12, 29, tzinfo=UTC))
    assert caught.value.string_to_sign == dict(form)["Policy"]
    assert dict(caught.value.details)["StringToSign"] == dict(form)["Policy"]


def _v2_request(body: bytes):  # type: ignore[no-untyped-def]
    case, _ = load_case("aws-doc-sigv2-post")
    return signers.Request(
        "POST",
        "http://johnsmith.s3.amazonaws.com/",
        headers=[("Content-Type", case["content_type"])],
        body=body,
    )


def _v2_body() -> bytes:
    case, folder = load_case("aws-doc-sigv2-post")
    # The page renders the body with LF; HTTP multipart needs CRLF.
    return _read(folder, case["body_file"]).replace(b"\n", b"\r\n")


def test_sigv2_sample_request_fails_its_own_policy_as_published() -> None:
    """The page's JSON was renamed (awsexamplebucket1) but its base64 was not: the sample
    request's redirect is not the one the signed policy allows."""
    case, _ = load_case("aws-doc-sigv2-post")
    with pytest.raises(AccessDenied) as caught:
        verify_post_request(
            _v2_request(_v2_body()), _lookup(case), now=dt.datetime(2007, 11, 30, tzinfo=UTC)
        )
    assert str(caught.value) == (
        "Invalid according to Policy: Policy Condition failed: "
        '["eq", "$success_action_redirect", '
        '"http://johnsmith.s3.amazonaws.com/successful_upload.html"]'
    )


def test_sigv2_sample_request_verifies_with_the_policy_redirect() -> None:
    case, _ = load_case("aws-doc-sigv2-post")
    body = _v2_body().replace(
        b"https://awsexamplebucket1.s3.us-west-1.amazonaws.com/successful_upload.html",
        b"http://johnsmith.s3.amazonaws.com/successful_upload.html",
    )
    verified = verify_post_request(
        _v2_request(body), _lookup(case), now=dt.datetime(2007, 11, 30, tzinfo=UTC)
    )
    assert verified.scheme == "post-v2"
    assert verified.bucket == "johnsmith"  # from the URL
    assert verified.key == "user/eric/MyPicture.jpg"
    assert verified.file is not None
    assert verified.file.read() == b"...file content..."
    assert verified.file.filename == "MyFilename.jpg"
    assert verified.file.content_type == "image/jpeg"
    # the submit field after the file is ignored, as S3 ignores it
    assert all(name != "submit" for name, _ in verified.fields)
