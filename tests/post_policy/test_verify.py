"""verify_post answers as S3 does: each check, its code, status and message.

Forms are signed by the step-by-step reference (``_reference.py``), never by presign_post, so a
policy can be anything, malformed included.  Expected messages are S3's texts (see
signers/_post_conditions.py and signers/_post_verify.py for where each was recorded).
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, List, Optional, Tuple, Type

import pytest

import signers
from signers.errors import (
    AccessDenied,
    EntityTooLarge,
    EntityTooSmall,
    InvalidAccessKeyId,
    InvalidArgument,
    InvalidOption,
    InvalidPolicyDocument,
    InvalidRequest,
    InvalidTime,
    InvalidToken,
    SignatureDoesNotMatch,
    VerificationError,
)
from signers.post_policy import verify_post

from ._reference import (
    AK,
    AT,
    BUCKET,
    REGION,
    SECRET,
    TOKEN,
    encode,
    expiration,
    sign_v4,
    v2_form,
    v4_form,
)

CREDS = signers.Credentials(AK, SECRET)
LOOKUP = {AK: CREDS}
BASE = [{"bucket": BUCKET}, ["starts-with", "$key", "uploads/"]]
KEY = [("key", "uploads/photo.jpg")]
FAILED = "Invalid according to Policy: Policy Condition failed: "
MALFORMED = (
    'the Credential is mal-formed; expecting "<YOUR-AKID>/YYYYMMDD/REGION/SERVICE/aws4_request".'
)
ONE_PROPERTY = (
    "Invalid Policy: Invalid Simple-Condition: Simple-Conditions must have exactly one property "
    "specified."
)


def _verify(form: List[Tuple[str, str]], **options: Any) -> signers.VerifiedPost:
    options.setdefault("now", AT)
    options.setdefault("bucket", BUCKET)
    return verify_post(form, options.pop("lookup", LOOKUP), **options)


def _refused(
    error: Type[VerificationError], form: List[Tuple[str, str]], **options: Any
) -> VerificationError:
    with pytest.raises(error) as caught:
        _verify(form, **options)
    assert "\n" not in str(caught.value)
    return caught.value


# -- what verifies ------------------------------------------------------------------------------


def test_v4_form_verifies() -> None:
    verified = _verify(v4_form(BASE, KEY))
    assert (verified.scheme, verified.access_key, verified.region) == ("post-v4", AK, REGION)
    assert verified.key == "uploads/photo.jpg"
    assert verified.bucket == BUCKET
    assert verified.content_length_range is None


def test_v2_form_verifies() -> None:
    verified = _verify(v2_form(BASE, KEY))
    assert (verified.scheme, verified.region) == ("post-v2", None)


def test_fields_may_be_a_mapping() -> None:
    assert _verify(dict(v4_form(BASE, KEY))).key == "uploads/photo.jpg"


def test_field_names_are_case_insensitive() -> None:
    form = [(name.upper() if name != "key" else "Key", value) for name, value in v4_form(BASE, KEY)]
    assert _verify(form).key == "uploads/photo.jpg"
    # condition names and operators too (ceph s3-tests: "StArTs-WiTh", "$KeY", {"bUcKeT": ...})
    mixed = [{"bUcKeT": BUCKET}, ["StArTs-WiTh", "$KeY", "uploads/"]]
    assert _verify(v4_form(mixed, KEY)).key == "uploads/photo.jpg"


def test_values_are_case_sensitive() -> None:
    error = _refused(AccessDenied, v4_form([*BASE, {"acl": "private"}], [*KEY, ("acl", "PRIVATE")]))
    assert str(error) == FAILED + '["eq", "$acl", "private"]'


def test_filename_substitution() -> None:
    form = v4_form(BASE, [("key", "uploads/${filename}")])
    assert _verify(form, filename="cat.jpg").key == "uploads/cat.jpg"
    # only the text after the last slash or backslash (S3: "C:\\Program Files\\...\\file.txt")
    assert _verify(form, filename="C:\\Program Files\\dir\\file.txt").key == "uploads/file.txt"
    assert _verify(form, filename="a/b/c.png").key == "uploads/c.png"
    # no file name: the variable stays (and still starts with the prefix)
    assert _verify(form).key == "uploads/${filename}"


def test_filename_substitution_happens_before_the_conditions() -> None:
    form = v4_form(
        [{"bucket": BUCKET}, {"key": "uploads/cat.jpg"}], [("key", "uploads/${filename}")]
    )
    assert _verify(form, filename="cat.jpg").key == "uploads/cat.jpg"
    error = _refused(AccessDenied, form, filename="dog.jpg")
    assert str(error) == FAILED + '["eq", "$key", "uploads/cat.jpg"]'


def test_repeated_fields_are_joined_with_commas() -> None:
    # HTTPPOSTForms: two x-amz-meta-tag fields "Ninja" and "Stallman" match "Ninja,Stallman"
    fields = [*KEY, ("x-amz-meta-tag", "Ninja"), ("x-amz-meta-tag", "Stallman")]
    assert _verify(v4_form([*BASE, {"x-amz-meta-tag": "Ninja,Stallman"}], fields))


def test_x_ignore_fields_need_no_condition() -> None:
    assert _verify(v4_form(BASE, [*KEY, ("x-ignore-anything", "1"), ("X-Ignore-Flash", "2")]))


def test_session_token() -> None:
    creds = signers.Credentials(AK, SECRET, TOKEN)
    form = v4_form(BASE, KEY, token=TOKEN)
    assert _verify(form, lookup={AK: creds}).access_key == AK
    # the token the credentials do not have, or none where they have one
    _refused(InvalidToken, form)
    error = _refused(InvalidToken, v4_form(BASE, KEY), lookup={AK: creds})
    assert error.http_status == 400
    assert str(error) == "The provided token is malformed or otherwise invalid."


def test_content_type_lists_with_starts_with() -> None:
    conditions = [*BASE, ["starts-with", "$Content-Type", "image/"]]
    assert _verify(v4_form(conditions, [*KEY, ("Content-Type", "image/jpg,image/png, image/gif")]))
    error = _refused(
        AccessDenied, v4_form(conditions, [*KEY, ("Content-Type", "image/jpg,text/plain")])
    )
    assert str(error) == FAILED + '["starts-with", "$Content-Type", "image/"]'
    # other fields are plain strings, commas and all
    other = [*BASE, ["starts-with", "$x-amz-meta-a", "b"]]
    assert _verify(v4_form(other, [*KEY, ("x-amz-meta-a", "b,c")]))


# -- conditions -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "condition, fields, shown",
    [
        ({"acl": "public-read"}, [("acl", "private")], '["eq", "$acl", "public-read"]'),
        (["eq", "$acl", "public-read"], [("acl", "x")], '["eq", "$acl", "public-read"]'),
        (
            ["starts-with", "$x-amz-meta-a", "ab"],
            [("x-amz-meta-a", "ba")],
            '["starts-with", "$x-amz-meta-a", "ab"]',
        ),
        # a field the form lacks fails, even starts-with "" (S3 did, 2012 capture)
        (["starts-with", "$Content-Type", ""], [], '["starts-with", "$Content-Type", ""]'),
        ({"x-amz-meta-b": ""}, [], '["eq", "$x-amz-meta-b", ""]'),
        # a name without '$' fails (LocalStack's recording of S3)
        (["eq", "acl", "x"], [("acl", "x")], '["eq", "acl", "x"]'),
        # a range bound that is not a number fails as a condition (recorded: 403)
        (["content-length-range", "test", "10"], [], '["content-length-range", "test", "10"]'),
        # quotes are escaped, the policy's spelling kept
        (
            {"Content-Disposition": 'filename="a.png"'},
            [("content-disposition", "x")],
            '["eq", "$Content-Disposition", "filename=\\"a.png\\""]',
        ),
        ({"x-amz-meta-ü": "é"}, [("x-amz-meta-ü", "e")], '["eq", "$x-amz-meta-ü", "é"]'),
    ],
)
def test_condition_failures(condition: Any, fields: Any, shown: str) -> None:
    error = _refused(AccessDenied, v4_form([*BASE, condition], KEY + fields))
    assert (error.code, error.http_status) == ("AccessDenied", 403)
    assert str(error) == FAILED + shown


def test_the_first_failing_condition_is_reported() -> None:
    conditions = [*BASE, {"acl": "a"}, {"x-amz-meta-z": "z"}]
    error = _refused(
        AccessDenied, v4_form(conditions, [*KEY, ("x-amz-meta-z", "no"), ("acl", "no")])
    )
    assert str(error) == FAILED + '["eq", "$acl", "a"]'


def test_bucket_condition() -> None:
    form = v4_form(BASE, KEY)
    error = _refused(AccessDenied, form, bucket="otherbucket")
    assert str(error) == FAILED + f'["eq", "$bucket", "{BUCKET}"]'
    # no bucket given: unchecked, and the result names the policy's bucket
    assert _verify(form, bucket=None).bucket == BUCKET
    # a form's own bucket field (aws-sdk-js-v3 sends one) is covered by the condition
    assert _verify(v4_form(BASE, [*KEY, ("bucket", BUCKET)]), bucket=None).bucket == BUCKET
    _refused(AccessDenied, v4_form(BASE, [*KEY, ("bucket", "other")]), bucket=None)


def test_extra_input_fields() -> None:
    error = _refused(AccessDenied, v4_form(BASE, [*KEY, ("Filename", "x.jpg")]))
    assert str(error) == "Invalid according to Policy: Extra input fields: Filename"
    error = _refused(AccessDenied, v4_form(BASE, [*KEY, ("a", "1"), ("B", "2")]))
    assert str(error) == "Invalid according to Policy: Extra input fields: a, B"
    # the signing fields must be named by the policy too (S3: "The POST policy must include")
    error = _refused(AccessDenied, v4_form(BASE, KEY, add_auth_conditions=False))
    assert str(error) == (
        "Invalid according to Policy: Extra input fields: x-amz-algorithm, x-amz-credential, "
        "x-amz-date"
    )


def test_sigv2_exempts_its_own_fields_only() -> None:
    # AWSAccessKeyId and signature are exempt in SigV2 ...
    assert _verify(v2_form(BASE, KEY))
    # ... not in a SigV4 form
    error = _refused(AccessDenied, v4_form(BASE, [*KEY, ("AWSAccessKeyId", AK)]))
    assert str(error) == "Invalid according to Policy: Extra input fields: AWSAccessKeyId"


@pytest.mark.parametrize("size", [5, 6, 9, 10])
def test_content_length_range_accepts_its_bounds(size: int) -> None:
    form = v4_form([*BASE, ["content-length-range", 5, 10]], KEY)
    assert _verify(form, content_length=size).content_length_range == (5, 10)


@pytest.mark.parametrize(
    "size, error, message, detail",
    [
        (
            11,
            EntityTooLarge,
            "Your proposed upload exceeds the maximum allowed size",
            ("MaxSizeAllowed", "10"),
        ),
        (
            4,
            EntityTooSmall,
            "Your proposed upload is smaller than the minimum allowed size",
            ("MinSizeAllowed", "5"),
        ),
        (
            0,
            EntityTooSmall,
            "Your proposed upload is smaller than the minimum allowed size",
            ("MinSizeAllowed", "5"),
        ),
    ],
)
def test_content_length_range_refuses_outside(
    size: int, error: Type[VerificationError], message: str, detail: Tuple[str, str]
) -> None:
    form = v4_form([*BASE, ["content-length-range", 5, 10]], KEY)
    caught = _refused(error, form, content_length=size)
    assert (caught.http_status, str(caught)) == (400, message)
    assert ("ProposedSize", str(size)) in caught.details and detail in caught.details


def test_content_length_range_strings_and_several_ranges() -> None:
    # ["content-length-range", "5", "10"] (strings) was accepted by S3
    form = v4_form(
        [*BASE, ["content-length-range", "5", "10"], ["content-length-range", 0, 8]], KEY
    )
    assert _verify(form, content_length=8).content_length_range == (5, 8)
    _refused(EntityTooLarge, form, content_length=9)
    # no size given: the range comes back for the caller to enforce while reading
    assert _verify(form).content_length_range == (5, 8)


def test_expired() -> None:
    form = v4_form(BASE, KEY, expires=60)
    assert _verify(form, now=AT + dt.timedelta(seconds=59))
    for later in (60, 61, 86400):
        error = _refused(AccessDenied, form, now=AT + dt.timedelta(seconds=later))
        assert str(error) == "Invalid according to Policy: Policy expired."


# -- signature, key, scope ---------------------------------------------------------------------


def test_wrong_secret() -> None:
    error = _refused(SignatureDoesNotMatch, v4_form(BASE, KEY, secret="another-secret"))
    assert (error.code, error.http_status) == ("SignatureDoesNotMatch", 403)
    details = dict(error.details)
    assert details["AWSAccessKeyId"] == AK
    assert details["StringToSign"] == dict(v4_form(BASE, KEY, secret="x"))["policy"]
    assert (
        bytes.fromhex(details["StringToSignBytes"].replace(" ", "")).decode()
        == details["StringToSign"]
    )
    _refused(SignatureDoesNotMatch, v2_form(BASE, KEY, secret="another-secret"))


def test_tampered_policy_fails_the_signature_not_the_policy() -> None:
    form = dict(v4_form(BASE, KEY))
    form["policy"] = form["policy"][:-2]  # LocalStack's recording: SignatureDoesNotMatch
    _refused(SignatureDoesNotMatch, list(form.items()))


def test_unknown_access_key() -> None:
    error = _refused(InvalidAccessKeyId, v4_form(BASE, KEY), lookup={})
    assert (error.http_status, str(error)) == (
        403,
        "The AWS Access Key Id you provided does not exist in our records.",
    )
    assert ("AWSAccessKeyId", AK) in error.details
    assert _refused(InvalidAccessKeyId, v2_form(BASE, KEY), lookup=lambda key: None)


def test_lookup_like_signers_verify() -> None:
    assert _verify(v4_form(BASE, KEY), lookup=lambda key: CREDS if key == AK else None)
    with pytest.raises(InvalidOption):
        _verify(v4_form(BASE, KEY), lookup=42)


def _with(form: List[Tuple[str, str]], name: str, value: Optional[str]) -> List[Tuple[str, str]]:
    out = [(n, v) for n, v in form if n != name]
    return out if value is None else [*out, (name, value)]


@pytest.mark.parametrize(
    "name, shown",
    [
        ("x-amz-algorithm", "X-Amz-Algorithm"),
        ("x-amz-credential", "X-Amz-Credential"),
        ("x-amz-date", "X-Amz-Date"),
        ("x-amz-signature", "X-Amz-Signature"),
        ("policy", "Policy"),
        ("key", "key"),
    ],
)
def test_missing_fields_v4(name: str, shown: str) -> None:
    error = _refused(InvalidArgument, _with(v4_form(BASE, KEY), name, None))
    assert str(error) == (
        f"Bucket POST must contain a field named '{shown}'.  If it is specified, please check "
        "the order of the fields."
    )
    assert ("ArgumentName", shown) in error.details and error.http_status == 400


@pytest.mark.parametrize("name, shown", [("signature", "Signature"), ("policy", "Policy")])
def test_missing_fields_v2(name: str, shown: str) -> None:
    error = _refused(InvalidArgument, _with(v2_form(BASE, KEY), name, None))
    assert f"field named '{shown}'." in str(error)


def test_no_signature_at_all_is_anonymous() -> None:
    error = _refused(
        AccessDenied, [*KEY, ("policy", encode({"expiration": "x", "conditions": []}))]
    )
    assert str(error) == "Access Denied"


def test_repeated_signing_field() -> None:
    form = v4_form(BASE, KEY)
    error = _refused(InvalidArgument, [*form, ("X-Amz-Signature", dict(form)["x-amz-signature"])])
    assert "'X-Amz-Signature'" in str(error)


@pytest.mark.parametrize(
    "credential, message",
    [
        (
            "AKID/20240517/eu-west-1/s3",
            MALFORMED,
        ),
        (
            "/20240517/eu-west-1/s3/aws4_request",
            "a non-empty Access Key (AKID) must be provided in the credential.",
        ),
        (
            "AKID//eu-west-1/s3/aws4_request",
            MALFORMED,
        ),
        (
            "AKID/2024-05-17/eu-west-1/s3/aws4_request",
            'incorrect date format "2024-05-17". This date in the credential must be in the '
            'format "yyyyMMdd".',
        ),
        (
            "AKID/20240517/eu-west-1/s3/aws5_request",
            'incorrect terminal "aws5_request". This endpoint uses "aws4_request".',
        ),
        (
            "AKID/20240517/eu-west-1/ec2/aws4_request",
            'incorrect service "ec2". This endpoint belongs to "s3".',
        ),
        (
            "AKID/20240517/us-east-1/s3/aws4_request",
            "the region 'us-east-1' is wrong; expecting 'eu-west-1'",
        ),
        (
            "AKID/20240516/eu-west-1/s3/aws4_request",
            'Invalid credential date "20240516". This date is not the same as X-Amz-Date: '
            '"20240517".',
        ),
    ],
)
def test_bad_credential(credential: str, message: str) -> None:
    form = _with(v4_form(BASE, KEY), "x-amz-credential", credential)
    error = _refused(InvalidArgument, form, region=REGION)
    assert str(error) == message
    assert ("ArgumentName", "X-Amz-Credential") in error.details


def test_region_is_the_servers_or_the_credentials() -> None:
    form = v4_form(BASE, KEY, region="ap-south-1")
    assert _verify(form).region == "ap-south-1"
    error = _refused(InvalidArgument, form, region="eu-west-1")
    assert ("Region", "eu-west-1") in error.details


def test_bad_algorithm_and_date() -> None:
    error = _refused(
        InvalidArgument, _with(v4_form(BASE, KEY), "x-amz-algorithm", "AWS4-HMAC-SHA1")
    )
    assert str(error) == 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'
    error = _refused(
        InvalidArgument, _with(v4_form(BASE, KEY), "x-amz-date", "2024-05-17T12:00:00Z")
    )
    assert str(error) == "X-Amz-Date must be formated via ISO8601 Long format"


# -- the policy document -------------------------------------------------------------------------


def _policy_form(text: str) -> List[Tuple[str, str]]:
    return v4_form([], KEY, policy_text=text)


_EXP = expiration(AT, 3600)


@pytest.mark.parametrize(
    "text, message",
    [
        ("{not json", "Invalid Policy: Invalid JSON."),
        ("[]", "Invalid Policy: Invalid JSON."),
        ('{"expiration": "%s"}' % _EXP, "Invalid Policy: Policy missing conditions."),
        ('{"conditions": []}', "Invalid Policy: Policy missing expiration."),
        (
            '{"EXPIRATION": "%s", "conditions": []}' % _EXP,
            "Invalid Policy: Unexpected: 'expiration'",
        ),
        (
            '{"Statement": [], "expiration": "%s", "conditions": []}' % _EXP,
            "Invalid Policy: Unexpected: 'statement'",
        ),
        (
            '{"expiration": "2011-09-13T07:52:58+02:00", "conditions": []}',
            "Invalid Policy: Invalid 'expiration' value: '2011-09-13T07:52:58+02:00'",
        ),
        (
            '{"expiration": "2015-10-17 03:15:59 UTC", "conditions": []}',
            "Invalid Policy: Invalid 'expiration' value: '2015-10-17 03:15:59 UTC'",
        ),
        (
            '{"expiration": "%s", "conditions": {}}' % _EXP,
            "Invalid Policy: Invalid 'conditions' value: must be a List.",
        ),
        (
            '{"expiration": "%s", "conditions": [{}]}' % _EXP,
            ONE_PROPERTY,
        ),
        (
            '{"expiration": "%s", "conditions": [{"a": "1", "b": "2"}]}' % _EXP,
            ONE_PROPERTY,
        ),
        (
            '{"expiration": "%s", "conditions": [{"Content-Length": 6199034}]}' % _EXP,
            "Invalid Policy: Invalid Simple-Condition: value must be a string.",
        ),
        (
            '{"expiration": "%s", "conditions": [{"success_action_redirect": null}]}' % _EXP,
            "Invalid Policy: Invalid JSON.",
        ),
        (
            '{"expiration": "%s", "conditions": [["content-length-range", 0, 512.0]]}' % _EXP,
            "Invalid Policy: Invalid JSON.",
        ),
        (
            '{"expiration": "%s", "conditions": [[]]}' % _EXP,
            "Invalid Policy: Invalid Condition: missing operation identifier.",
        ),
        (
            '{"expiration": "%s", "conditions": [["ends-with", "$key", "x"]]}' % _EXP,
            "Invalid Policy: Invalid Condition: unknown operation 'ends-with'.",
        ),
        (
            '{"expiration": "%s", "conditions": [["content-length-range", 0]]}' % _EXP,
            "Invalid Policy: Invalid content-length-range: wrong number of arguments.",
        ),
        (
            '{"expiration": "%s", "conditions": [["eq", "$key"]]}' % _EXP,
            "Invalid Policy: Invalid eq: wrong number of arguments.",
        ),
        (
            '{"expiration": "%s", "conditions": [123]}' % _EXP,
            "Invalid Policy: Invalid condition test: must be a List or Object.",
        ),
        (
            '{"expiration": "%s", "conditions": [["eq", "$key", 5]]}' % _EXP,
            "Invalid Policy: Invalid JSON.",
        ),
    ],
)
def test_malformed_policy(text: str, message: str) -> None:
    error = _refused(InvalidPolicyDocument, _policy_form(text))
    assert (error.code, error.http_status, str(error)) == ("InvalidPolicyDocument", 400, message)


def test_policy_that_is_not_base64() -> None:
    form = _with(v4_form(BASE, KEY), "policy", "***")
    stamp = AT.strftime("%Y%m%d")
    form = _with(form, "x-amz-signature", sign_v4("***", SECRET, stamp, REGION))
    error = _refused(InvalidPolicyDocument, form)
    assert str(error) == "Invalid Policy: invalid Base64 encoding."


def test_policy_with_line_breaks_in_its_base64() -> None:
    # some clients wrap base64 at 76 columns; the signature covers the text as sent
    stamp = AT.strftime("%Y%m%dT%H%M%SZ")
    conditions = [
        *BASE,
        {"x-amz-algorithm": "AWS4-HMAC-SHA256"},
        {"x-amz-credential": f"{AK}/{stamp[:8]}/{REGION}/s3/aws4_request"},
        {"x-amz-date": stamp},
    ]
    policy = encode(json.dumps({"expiration": _EXP, "conditions": conditions}))
    wrapped = "\r\n".join(policy[i : i + 76] for i in range(0, len(policy), 76))
    form = _with(
        _with(v4_form(BASE, KEY), "policy", wrapped),
        "x-amz-signature",
        sign_v4(wrapped, SECRET, stamp[:8], REGION),
    )
    assert _verify(form).key == "uploads/photo.jpg"


# -- bad input from the caller ------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields, options, error, field",
    [
        ("key=x", {}, InvalidRequest, "fields"),
        ([("key",)], {}, InvalidRequest, "fields"),
        ([("key", 1)], {}, InvalidRequest, "fields"),
        ([], {"now": dt.datetime(2024, 1, 1)}, InvalidTime, "now"),
        ([], {"content_length": -1}, InvalidOption, "content_length"),
        ([], {"content_length": True}, InvalidOption, "content_length"),
        ([], {"region": ""}, InvalidOption, "region"),
        ([], {"bucket": "a/b"}, InvalidOption, "bucket"),
        ([], {"filename": b"x"}, InvalidOption, "filename"),
    ],
)
def test_bad_arguments(fields: Any, options: Any, error: Type[Exception], field: str) -> None:
    with pytest.raises(error) as caught:
        verify_post(fields, LOOKUP, **options)
    assert caught.value.field == field  # type: ignore[attr-defined]
    assert "\n" not in str(caught.value) and str(caught.value).startswith(field)


def test_repr_shows_no_secret() -> None:
    creds = signers.Credentials(AK, SECRET, TOKEN)
    form = v4_form(BASE, KEY, token=TOKEN)
    verified = _verify(form, lookup={AK: creds})
    text = repr(verified)
    assert TOKEN not in text and dict(form)["x-amz-signature"] not in text and SECRET not in text
    with pytest.raises(AttributeError):
        verified.key = "x"  # type: ignore[misc]
