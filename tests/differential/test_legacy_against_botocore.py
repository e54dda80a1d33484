"""Differential tests: random requests signed by sigbridge and by botocore at the same instant.

Only what botocore can express is generated (see ``tests/reference/botocore_oracle.py`` for its
limits): SigV2 with HmacSHA256, unique parameter names and a Timestamp; S3 without ``x-amz-date``
or a caller-set Date, without empty-valued sub-resources and without botocore-only
sub-resources.  botocore's clock is pinned to the signing time inside each example.
"""

from __future__ import annotations

import datetime
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import parse_qsl, quote, urlsplit

import botocore.auth
import botocore.awsrequest
import botocore.credentials
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers.s3_v2 import RESPONSE_OVERRIDES, SUB_RESOURCES
from signers.sigv2 import SIGV2_PARAMETERS
from tests.reference.botocore_oracle import frozen_clock

pytestmark = pytest.mark.slow  # hundreds of random requests, each signed by botocore too

Pair = Tuple[str, str]
UTC = datetime.timezone.utc

SETTINGS = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text with everything that is hard to encode: space, + * ~ / = & %, quotes, UTF-8 (no lone
# surrogates: botocore encodes with strict UTF-8).
TRICKY = " +*~/=&%?#;:,'\"!$@()[]{}<>|\\^`"
NO_SURROGATES: Any = ("Cs",)
text = st.text(
    alphabet=st.one_of(
        st.sampled_from(TRICKY),
        st.characters(blacklist_categories=NO_SURROGATES),
    ),
    max_size=12,
)
times = st.datetimes(
    min_value=datetime.datetime(2001, 1, 1),
    max_value=datetime.datetime(2037, 12, 31),
    timezones=st.just(UTC),
).map(lambda t: t.replace(microsecond=0))
access_keys = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", min_size=16, max_size=20)
secrets = st.text(
    alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/",
    min_size=20,
    max_size=40,
)
tokens = st.one_of(
    st.none(),
    st.text(
        alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=",
        min_size=8,
        max_size=60,
    ),
)


@st.composite
def credentials(draw: Any) -> Tuple[signers.Credentials, botocore.credentials.Credentials]:
    access, secret, token = draw(access_keys), draw(secrets), draw(tokens)
    return (
        signers.Credentials(access, secret, token),
        botocore.credentials.Credentials(access, secret, token),
    )


def pct(value: str, safe: str = "") -> str:
    return quote(value, safe=safe, encoding="utf-8")


segments = st.lists(text.filter(lambda s: s not in (".", "..")), max_size=4)


def build_path(parts: List[str]) -> str:
    return "/" + "/".join(pct(p) for p in parts)


# -- SigV2 -------------------------------------------------------------------------------------

param_names = text.filter(lambda n: n != "" and n not in SIGV2_PARAMETERS)
hosts = st.sampled_from(
    ["ec2.amazonaws.com", "sqs.us-west-2.amazonaws.com", "sdb.amazonaws.com", "localhost"]
)
ports = st.sampled_from(["", ":8080", ":8443", ":9000"])


@given(
    method=st.sampled_from(["GET", "POST"]),
    host=hosts,
    port=ports,
    path=segments,
    params=st.dictionaries(param_names, text, max_size=8),
    creds=credentials(),
    at=times,
)
@SETTINGS
def test_sigv2_matches_botocore(
    method: str,
    host: str,
    port: str,
    path: List[str],
    params: Dict[str, str],
    creds: Tuple[signers.Credentials, botocore.credentials.Credentials],
    at: datetime.datetime,
) -> None:
    ours_creds, boto_creds = creds
    if method == "POST" and not params:
        params = {"Action": "ListQueues"}
    encoded = "&".join(pct(n) + "=" + pct(v) for n, v in params.items())
    base = f"https://{host}{port}{build_path(path)}"
    if method == "GET":
        request = signers.Request("GET", base + ("?" + encoded if encoded else ""))
        aws = botocore.awsrequest.AWSRequest(method="GET", url=base, params=dict(params))
    else:
        request = signers.Request(
            "POST", base, {"Content-Type": "application/x-www-form-urlencoded"}, encoded
        )
        aws = botocore.awsrequest.AWSRequest(method="POST", url=base, data=dict(params))
    signed = signers.get_signer("sigv2").sign(request, ours_creds, at=at)
    with frozen_clock(at):
        botocore.auth.SigV2Auth(boto_creds).add_auth(aws)
    theirs = aws.data if method == "POST" else aws.params
    assert signed.signature == theirs["Signature"]
    prepared = aws.prepare()
    if method == "GET":
        ours_wire = urlsplit(signed.url).query
        theirs_wire = urlsplit(prepared.url).query
        assert signed.url.partition("?")[0] == prepared.url.partition("?")[0]
    else:
        assert isinstance(signed.request.body, bytes)
        ours_wire = signed.request.body.decode("ascii")
        theirs_wire = prepared.body if isinstance(prepared.body, str) else prepared.body.decode()
    assert sorted(parse_qsl(ours_wire, keep_blank_values=True)) == sorted(
        parse_qsl(theirs_wire, keep_blank_values=True)
    )


# -- S3 ----------------------------------------------------------------------------------------

buckets = st.from_regex(r"[a-z0-9][a-z0-9-]{1,20}[a-z0-9]", fullmatch=True)
signed_names = sorted(SUB_RESOURCES | RESPONSE_OVERRIDES)
unsigned_names = st.sampled_from(["prefix", "marker", "max-keys", "delimiter", "list-type", "x"])
query_items = st.lists(
    st.one_of(
        # a signed sub-resource: bare, or with a non-empty value
        st.tuples(st.sampled_from(signed_names), st.one_of(st.none(), text.filter(bool))),
        # a parameter S3 does not sign
        st.tuples(unsigned_names, st.one_of(st.none(), text)),
    ),
    max_size=5,
)
header_value = st.text(
    alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=10
).flatmap(lambda core: st.sampled_from(["", " ", "  "]).map(lambda pad: pad + core + pad))
amz_names = st.sampled_from(
    ["x-amz-acl", "X-Amz-Meta-Author", "x-amz-meta-author", "X-AMZ-STORAGE-CLASS", "x-amz-meta-a"]
)
amz_headers = st.lists(st.tuples(amz_names, header_value), max_size=4)
content_headers = st.lists(
    st.sampled_from(
        [
            ("Content-Type", "text/plain"),
            ("Content-Type", " application/octet-stream "),
            ("Content-MD5", "XrY7u+Ae7tCTyyK7j1rNww=="),
        ]
    ),
    max_size=2,
    unique_by=lambda h: h[0],
)
layouts = st.sampled_from(["virtual", "virtual-regional", "virtual-dash", "path", "path-root"])


def s3_url(layout: str, bucket: str, key: str) -> Tuple[str, Optional[str]]:
    """URL and botocore's auth_path (``/bucket/key``) for virtual-hosted layouts."""
    if layout == "virtual":
        return f"https://{bucket}.s3.amazonaws.com{key}", f"/{bucket}{key}"
    if layout == "virtual-regional":
        return f"https://{bucket}.s3.eu-west-1.amazonaws.com{key}", f"/{bucket}{key}"
    if layout == "virtual-dash":
        return f"https://{bucket}.s3-us-west-2.amazonaws.com{key}", f"/{bucket}{key}"
    if layout == "path":
        return f"https://s3.amazonaws.com/{bucket}{key}", None
    return "https://s3.amazonaws.com/", None


def build_query(items: List[Tuple[str, Optional[str]]]) -> str:
    return "&".join(n if v is None else n + "=" + pct(v) for n, v in items)


def boto_request(
    method: str, url: str, headers: List[Pair], auth_path: Optional[str]
) -> botocore.awsrequest.AWSRequest:
    aws = botocore.awsrequest.AWSRequest(method=method, url=url, auth_path=auth_path)
    for name, value in headers:
        aws.headers[name] = value
    return aws


@st.composite
def s3_requests(draw: Any) -> Tuple[str, str, List[Pair], Optional[str]]:
    method = draw(st.sampled_from(["GET", "PUT", "POST", "DELETE", "HEAD"]))
    layout = draw(layouts)
    key = build_path(draw(segments)) if layout != "path-root" else "/"
    if layout != "path-root" and draw(st.booleans()):
        key += "/"  # a trailing slash stays
    url, auth_path = s3_url(layout, draw(buckets), key)
    query = build_query(draw(query_items))
    if query:
        url += "?" + query
    headers = draw(amz_headers) + draw(content_headers)
    headers = draw(st.permutations(headers))
    return method, url, list(headers), auth_path


@given(req=s3_requests(), creds=credentials(), at=times)
@SETTINGS
def test_s3_header_matches_botocore(
    req: Tuple[str, str, List[Pair], Optional[str]],
    creds: Tuple[signers.Credentials, botocore.credentials.Credentials],
    at: datetime.datetime,
) -> None:
    method, url, headers, auth_path = req
    ours_creds, boto_creds = creds
    signed = signers.get_signer("s3-v2").sign(
        signers.Request(method, url, headers), ours_creds, at=at
    )
    aws = boto_request(method, url, headers, auth_path)
    with frozen_clock(at):
        botocore.auth.HmacV1Auth(boto_creds).add_auth(aws)
    assert signed.request.header("Authorization") == aws.headers["Authorization"]
    assert signed.request.header("Date") == aws.headers["Date"]
    assert signed.request.header("x-amz-security-token") == aws.headers.get("x-amz-security-token")


@given(
    req=s3_requests(),
    creds=credentials(),
    at=times,
    expires=st.one_of(st.none(), st.integers(min_value=1, max_value=10**7)),
    absolute=st.booleans(),
)
@SETTINGS
def test_s3_presigned_matches_botocore(
    req: Tuple[str, str, List[Pair], Optional[str]],
    creds: Tuple[signers.Credentials, botocore.credentials.Credentials],
    at: datetime.datetime,
    expires: Optional[int],
    absolute: bool,
) -> None:
    method, url, headers, auth_path = req
    ours_creds, boto_creds = creds
    seconds = 3600 if expires is None else expires
    if absolute:
        options: Dict[str, Any] = {"expires_at": at + datetime.timedelta(seconds=seconds)}
    elif expires is None:
        options = {}
    else:
        options = {"expires": expires}
    signed = signers.get_signer("s3-v2-query", **options).sign(
        signers.Request(method, url, headers), ours_creds, at=at
    )
    aws = boto_request(method, url, headers, auth_path)
    with frozen_clock(at):
        botocore.auth.HmacV1QueryAuth(boto_creds, expires=seconds).add_auth(aws)
    ours_base, _, ours_query = signed.url.partition("?")
    theirs_base, _, theirs_query = aws.url.partition("?")
    assert ours_base == theirs_base
    ours_pairs = parse_qsl(ours_query, keep_blank_values=True)
    # botocore also copies x-amz-*, Content-Type and Content-MD5 headers into the URL; sigbridge
    # leaves them as headers (they are signed either way).
    theirs_pairs = [
        (n, v)
        for n, v in parse_qsl(theirs_query, keep_blank_values=True)
        if not (
            (n.lower().startswith("x-amz-") and n != "x-amz-security-token")
            or n.lower() in ("content-type", "content-md5")
        )
    ]
    assert sorted(ours_pairs) == sorted(theirs_pairs)
    assert signed.signature == dict(theirs_pairs)["Signature"]
    # The caller's own query comes first, unchanged.
    original = urlsplit(url).query
    if original:
        assert ours_query.startswith(original + "&")
