"""presign_post against botocore's generate_presigned_post: the same fields, byte for byte."""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional

import pytest

pytest.importorskip("botocore")
hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import signers  # noqa: E402
from signers.errors import AccessDenied, EntityTooLarge, EntityTooSmall  # noqa: E402
from signers.post_policy import presign_post, verify_post  # noqa: E402

from ._reference import AK, SECRET, UTC, botocore_presigned_post  # noqa: E402

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SLOW_SETTINGS = settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)

# Field names botocore users send (and presign_post accepts: nothing it adds itself).
_NAMES = st.sampled_from(
    [
        "acl",
        "Content-Type",
        "Cache-Control",
        "success_action_status",
        "success_action_redirect",
        "x-amz-meta-user",
        "x-amz-meta-ünïcode",
        "x-amz-storage-class",
        "tagging",
        "x-ignore-note",
    ]
)
_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), max_codepoint=0x2FFF), max_size=20
)
_KEYS = st.one_of(
    _TEXT.filter(bool),
    st.builds(lambda p: p + "${filename}", _TEXT),
    st.sampled_from(["a b/c+d", "dir/$$x", "ключ/файл.txt", "${filename}"]),
)


def _conditions() -> Any:
    name = _NAMES.map(lambda n: "$" + n)
    return st.lists(
        st.one_of(
            st.builds(lambda n, v: {n: v}, _NAMES, _TEXT),
            st.builds(lambda n, v: ["eq", n, v], name, _TEXT),
            st.builds(lambda n, v: ["starts-with", n, v], name, _TEXT),
            st.builds(
                lambda a, b: ["content-length-range", a, a + b],
                st.integers(0, 10**6),
                st.integers(0, 10**9),
            ),
        ),
        max_size=5,
    )


_AT = st.datetimes(
    min_value=dt.datetime(1990, 1, 1), max_value=dt.datetime(2090, 1, 1), timezones=st.just(UTC)
).map(lambda t: t.replace(microsecond=0))
_REGIONS = st.sampled_from(["us-east-1", "eu-west-1", "ap-southeast-2", "cn-north-1"])
_BUCKETS = st.sampled_from(["examplebucket", "my.dotted.bucket", "b-1"])


def _compare(
    at: dt.datetime,
    version: int,
    region: str,
    token: Optional[str],
    bucket: str,
    key: str,
    fields: Dict[str, str],
    conditions: List[Any],
    expires: int,
    addressing: str,
    consistent: bool = True,
    content_length: Optional[int] = None,
) -> None:
    theirs = botocore_presigned_post(
        at,
        version=version,
        region=region,
        token=token,
        addressing=addressing,
        Bucket=bucket,
        Key=key,
        Fields=dict(fields),
        Conditions=list(conditions),
        ExpiresIn=expires,
    )
    creds = signers.Credentials(AK, SECRET, token)
    ours = presign_post(
        theirs["url"],
        creds,
        key=key,
        fields=fields,
        conditions=conditions,
        expires=expires,
        at=at,
        version=version,
        # botocore signs for the client's region even on the legacy global endpoint it uses
        region=region if version == 4 else None,
        bucket=bucket,
    )
    assert ours.url == theirs["url"]
    # same fields, same order, same bytes (the policy's JSON text included)
    assert list(ours.fields.items()) == list(theirs["fields"].items())
    # and what botocore produces verifies, when its conditions allow its fields (an arbitrary
    # mix need not: then the answer is a policy failure, never anything else)
    try:
        verified = verify_post(
            theirs["fields"],
            {AK: creds},
            now=at,
            region=region if version == 4 else None,
            bucket=bucket,
            content_length=content_length,
            filename="photo.jpg",
        )
    except (AccessDenied, EntityTooLarge, EntityTooSmall) as exc:
        assert not consistent, exc
        assert str(exc).startswith(("Invalid according to Policy: ", "Your proposed upload"))
        return
    assert verified.scheme == ("post-v4" if version == 4 else "post-v2")
    assert verified.key == key.replace("${filename}", "photo.jpg")


def _allowing(data: Any, fields: Dict[str, str]) -> List[Any]:
    """Conditions that the fields (and a file of 0..100 bytes) meet, in a random mix of forms."""
    conditions: List[Any] = []
    for name, value in fields.items():
        form = data.draw(st.sampled_from(["simple", "eq", "starts-with", "any"]))
        if form == "starts-with" and name.lower() == "content-type" and "," in value:
            form = "eq"  # a Content-Type with commas is a list: each item needs the prefix
        dollar = "$" + data.draw(st.sampled_from([name, name.upper(), name.lower()]))
        if form == "simple":
            conditions.append({name: value})
        elif form == "eq":
            conditions.append(["eq", dollar, value])
        elif form == "starts-with":
            conditions.append(["starts-with", dollar, value[: data.draw(st.integers(0, 5))]])
        else:
            conditions.append(["starts-with", dollar, ""])
    if data.draw(st.booleans()):
        conditions.append(["content-length-range", data.draw(st.integers(0, 0)), 100])
    return data.draw(st.permutations(conditions))


def _run(data: Any) -> None:
    version = data.draw(st.sampled_from([4, 2]))
    fields = data.draw(st.dictionaries(_NAMES, _TEXT, max_size=4))
    consistent = data.draw(st.booleans())
    conditions = _allowing(data, fields) if consistent else data.draw(_conditions())
    _compare(
        at=data.draw(_AT),
        version=version,
        region=data.draw(_REGIONS),
        token=data.draw(st.sampled_from([None, "FQoGZXIvYXdzEXAMPLE/token+with/slashes=="])),
        bucket=data.draw(_BUCKETS),
        key=data.draw(_KEYS),
        fields=fields,
        conditions=conditions,
        expires=data.draw(st.integers(1, 604800)),
        addressing=data.draw(st.sampled_from(["virtual", "path"])),
        consistent=consistent,
        content_length=data.draw(st.integers(0, 100)),
    )


@pytest.mark.slow
@SETTINGS
@given(st.data())
def test_presign_post_is_botocores(data: Any) -> None:
    _run(data)


@pytest.mark.slow
@SLOW_SETTINGS
@given(st.data())
def test_presign_post_is_botocores_many(data: Any) -> None:
    _run(data)


@pytest.mark.slow
@pytest.mark.parametrize("version", [4, 2])
@pytest.mark.parametrize("token", [None, "TOKEN"])
def test_botocore_published_shape(version: int, token: Optional[str]) -> None:
    """A fixed case, readable: the documented field order for both versions."""
    at = dt.datetime(2015, 12, 29, tzinfo=UTC)
    _compare(
        at,
        version,
        "us-east-1",
        token,
        "sigv4examplebucket",
        "user/user1/photo.jpg",
        {"acl": "public-read"},
        [{"acl": "public-read"}],
        3600,
        "virtual",
    )
    ours = presign_post(
        "https://sigv4examplebucket.s3.amazonaws.com/",
        signers.Credentials(AK, SECRET, token),
        key="k",
        at=at,
        version=version,
        region="us-east-1" if version == 4 else None,
    )
    names = list(ours.fields)
    if version == 4:
        expected = ["key", "x-amz-algorithm", "x-amz-credential", "x-amz-date"]
    else:
        expected = ["key", "AWSAccessKeyId"]
    expected += ["x-amz-security-token"] if token else []
    expected += ["policy", "x-amz-signature" if version == 4 else "signature"]
    assert names == expected
