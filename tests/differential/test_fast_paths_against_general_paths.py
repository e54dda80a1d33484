"""The fast paths against the general paths they stand in for: the legacy signers' fast
signing, and the one-pass verification of every scheme (signer and dispatcher).
Each fast path is compared with the general path on random and deliberately broken input: the
same signed request, the same artifacts, or the same error (type, message, field).  The general
paths are the ones the vectors and the botocore differential tests hold to the specifications;
the fast ones must not be told apart from them.  No timing here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from unittest import mock
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers import Credentials, Request, _crypto, _encoding
from signers._verification import s3_v2 as legacy_s3
from signers._verification import sigv2 as legacy_v2
from signers._verification import sigv4 as v4
from signers._verification import sigv4_parse
from tests._support import CREDS, CREDS_TOKEN, UTC
from tests._support import VECTOR_TIME as AT

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(SETTINGS, max_examples=400)


Outcome = Tuple[Any, ...]


def outcome(step: Callable[[], Any]) -> Outcome:
    """What a call gave: its value (as a comparable tuple), or its error."""
    try:
        value = step()
    except signers.SigningError as exc:
        return ("error", type(exc).__name__, str(exc), exc.field)
    except UnicodeError as exc:  # (text no encoding can carry, in a caller-built Request)
        return ("unicode", type(exc).__name__)
    if isinstance(value, signers.Verified):
        return ("verified", value.as_dict(), tuple(value.artifacts), value.expires_at)
    if isinstance(value, signers.SignedRequest):
        return ("signed", tuple(value.request), tuple(value.artifacts), value.added_headers,
                value.added_query)  # fmt: skip
    return ("value", tuple(value))


@contextlib.contextmanager
def general_only() -> Iterator[None]:
    """Every verification fast path turned off: the general code alone decides."""
    none = staticmethod(lambda *args, **kwargs: None)
    with contextlib.ExitStack() as stack:
        for module, name in (
            (sigv4_parse, "parse_header_fast"),
            (sigv4_parse, "parse_query_fast"),
            (v4, "_verify_fast"),
            (legacy_v2, "parse_fast"),
            (legacy_v2, "verify_fast"),
            (legacy_s3, "parse_header_fast"),
            (legacy_s3, "parse_query_fast"),
            (legacy_s3, "verify_fast"),
        ):
            stack.enter_context(mock.patch.object(module, name, none.__func__))
        yield


# -- signing: fast paths against the general ones -------------------------------------------------

NAMES = st.sampled_from(
    ["Action", "Version", "Filter.1.Name", "a", "b", "B", "a-b", "a.b", "é", "x y", "a%2Db",
     "Signature", "Timestamp", "Expires", "SecurityToken", "AWSAccessKeyId", "acl", "uploadId",
     "response-content-type", "x-amz-meta", "X-Amz-Date", ""]
)  # fmt: skip
VALUES = st.text(alphabet=st.sampled_from("aZ09-_.~ +*:/=%é2AFfc"), max_size=8)
HEADER_SETS = st.sampled_from(
    [
        (),
        (("Content-Type", "text/plain"),),
        (("Content-MD5", " abc== "), ("content-type", "a/b")),
        (("Content-Type", "a"), ("content-type", "b")),
        (("X-Amz-Meta-A", " one  two "), ("x-amz-meta-a", "three")),
        (("Host", "Example.COM:443"),),
        (("Date", "Sun, 30 Aug 2015 12:36:00 GMT"),),
        (("x-amz-date", "20150830T123600Z"),),
        (("Authorization", "x"),),
        (("x-amz-security-token", "t"),),
        (("Content-Type", "application/x-www-form-urlencoded"),),
    ]
)
HOSTS = st.sampled_from(
    [
        "https://examplebucket.s3.amazonaws.com",
        "https://s3.amazonaws.com",
        "https://my.bucket.s3-us-west-2.amazonaws.com",
        "https://EC2.Amazonaws.com:443",
        "http://localhost:9000",
        "https://[::1]:8443",
    ]
)
PATHS = st.sampled_from(["", "/", "/photos/cat.jpg", "/a%20b/c", "/a b", "/é"])
TIMES = st.sampled_from([AT, AT + dt.timedelta(seconds=1), None])


@st.composite
def raw_queries(draw: Any) -> str:
    pieces = []
    for name, value in draw(st.lists(st.tuples(NAMES, VALUES), max_size=5)):
        encoded = quote(name, safe="") if draw(st.booleans()) else name.replace("&", "")
        raw_value = quote(value, safe="") if draw(st.booleans()) else value.replace("&", "")
        pieces.append(encoded if draw(st.integers(0, 9)) == 0 else f"{encoded}={raw_value}")
    return "&".join(pieces)


@st.composite
def requests(draw: Any) -> Request:
    url = draw(HOSTS) + draw(PATHS)
    query = draw(raw_queries())
    if query or draw(st.booleans()):
        url += "?" + query
    method = draw(st.sampled_from(["GET", "POST", "get", "PUT"]))
    return Request(method, url, draw(HEADER_SETS), draw(st.sampled_from([b"", b"a=1"])))


SIGNERS = [
    signers.get_signer("sigv2"),
    signers.get_signer("sigv2", signature_method="HmacSHA1", placement="query"),
    signers.get_signer("s3-v2"),
    signers.get_signer("s3-v2", addressing="virtual"),
    signers.get_signer("s3-v2", bucket="examplebucket"),
    signers.get_signer("s3-v2-query", expires=60),
    signers.get_signer("s3-v2-query", addressing="path"),
]


@pytest.mark.slow
@SETTINGS
@given(
    request=requests(),
    index=st.integers(0, len(SIGNERS) - 1),
    token=st.booleans(),
    at=TIMES,
)
def test_legacy_signing_fast_paths_equal_the_general_ones(
    request: Request, index: int, token: bool, at: Optional[dt.datetime]
) -> None:
    signer: Any = SIGNERS[index]
    creds = CREDS_TOKEN if token else CREDS
    if at is None:  # "now": both calls must fall in one second to compare
        at = dt.datetime.now(UTC).replace(microsecond=0)
    assert outcome(lambda: signer.sign(request, creds, at)) == outcome(
        lambda: signer._sign_general(request, creds, at)
    )


def test_legacy_signing_takes_the_fast_path_for_the_common_requests() -> None:
    cases = [
        (signers.get_signer("sigv2"), "https://ec2.amazonaws.com/?Action=DescribeInstances"),
        (signers.get_signer("s3-v2"), "https://examplebucket.s3.amazonaws.com/photos/cat.jpg"),
        (signers.get_signer("s3-v2-query"), "https://examplebucket.s3.amazonaws.com/a/b.txt"),
    ]
    for signer, url in cases:
        with mock.patch.object(type(signer), "_sign_general", side_effect=AssertionError):
            signed = signer.sign(Request("GET", url), CREDS, AT)
            assert signed.signature
            assert signer.sign(Request("GET", url), CREDS, None).signature  # now, cached


# -- verification: fast paths against the general ones --------------------------------------------


def _signed_cases() -> List[Tuple[str, Dict[str, Any], Request]]:
    ecs = Request(
        "POST",
        "https://ecs.us-east-1.amazonaws.com/",
        [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "A.B")],
        b"{}",
    )
    s3_get = Request("GET", "https://examplebucket.s3.amazonaws.com/photos/2024/cat.jpg?acl")
    ec2 = Request(
        "GET",
        "https://ec2.amazonaws.com/?Action=DescribeInstances&Version=2016-11-15"
        "&Filter.1.Name=tag%3AName&Filter.1.Value.1=web-%2A",
    )
    return [
        ("sigv4", {"region": "us-east-1", "service": "ecs"}, ecs),
        ("sigv4", {"region": "us-east-1", "service": "s3", "s3": True}, s3_get),
        ("sigv4-query", {"region": "us-east-1", "service": "s3", "s3": True}, s3_get),
        ("sigv4-query", {"region": "us-east-1", "service": "ec2", "expires": 600}, ec2),
        ("sigv4-query", {"region": "us-east-1", "service": "ec2", "session_token": "unsigned"},
         ec2),
        ("sigv2", {}, ec2),
        ("sigv2", {"expires": 300}, ec2),
        ("s3-v2", {}, s3_get),
        ("s3-v2-query", {}, s3_get),
    ]  # fmt: skip


CASES = _signed_cases()

MUTATION_KINDS = (
    "none",
    "host-header",
    "host-port",
    "drop-header",
    "repeat-header",
    "header-value",
    "header-name-case",
    "add-amz-header",
    "query-char",
    "query-add",
    "query-drop",
    "signature",
    "method",
    "path",
    "body",
    "authorization-spaces",
    "date-header",
    "scope",
    "token",
    "unsign-host",
)
MUTATIONS = st.sampled_from(MUTATION_KINDS)
QUERY_CHARS = ("%", "=", "&", "+", "a", "Z", "%2f", "%41", "x-amz-", " ", "é")


def _mutate(pick: Callable[[Any], Any], kind: str, request: Request) -> Request:
    """``request`` changed as ``kind`` says; ``pick(sequence)`` chooses where and how."""
    method, url, headers, body = request.method, request.url, list(request.headers), request.body
    if kind == "host-header":
        headers.insert(0, ("Host", request.host_header))
    elif kind == "host-port":
        headers.insert(0, ("Host", request.host + ":443"))
    elif kind == "drop-header" and headers:
        headers.pop(pick(range(len(headers))))
    elif kind == "repeat-header" and headers:
        headers.append(headers[pick(range(len(headers)))])
    elif kind == "header-value" and headers:
        i = pick(range(len(headers)))
        headers[i] = (headers[i][0], headers[i][1] + pick([" ", "x", "  y", "\t"]))
    elif kind == "header-name-case" and headers:
        i = pick(range(len(headers)))
        headers[i] = (headers[i][0].upper(), headers[i][1])
    elif kind == "add-amz-header":
        headers.append(("x-amz-meta-new", "v"))
    elif kind == "query-char" and "?" in url:
        position = pick(range(url.index("?") + 1, len(url) + 1))
        url = url[:position] + pick(QUERY_CHARS) + url[position:]
    elif kind == "query-add":
        url += ("&" if "?" in url else "?") + pick(["x=1", "acl", "X-Amz-Foo=1"])
    elif kind == "query-drop" and "?" in url:
        base, _, query = url.partition("?")
        pieces = query.split("&")
        pieces.pop(pick(range(len(pieces))))
        url = base + "?" + "&".join(pieces)
    elif kind == "signature":
        for i, (name, value) in enumerate(headers):
            if name.lower() == "authorization":
                headers[i] = (name, value[:-2] + ("00" if value[-2:] != "00" else "11"))
        if "Signature=" in url:
            url = url.replace("Signature=", "Signature=A", 1)
    elif kind == "method":
        method = "PUT" if method != "PUT" else "GET"
    elif kind == "path":
        url = url.replace(".com/", ".com/x/", 1)
    elif kind == "body":
        body = b"changed"
    elif kind == "authorization-spaces":
        headers = [
            (n, v.replace(", ", ",  ") if n.lower() == "authorization" else v) for n, v in headers
        ]
    elif kind == "date-header":
        headers.append(("Date", "Sun, 30 Aug 2015 12:36:00 GMT"))
    elif kind == "scope":
        old, new = pick(SCOPE_CHANGES)
        url = url.replace(old, new)
        headers = [(n, v.replace(old, new)) for n, v in headers]
    elif kind == "unsign-host":
        url = url.replace("SignedHeaders=host", "SignedHeaders=x-amz-date")
        headers = [
            (n, v.replace(";host;", ";").replace("=host;", "=").replace(";host,", ","))
            for n, v in headers
        ]
    elif kind == "token":
        if "?" in url:
            url += "&X-Amz-Security-Token=other&SecurityToken=other"
        headers.append(("X-Amz-Security-Token", "other"))
    return Request(method, url, headers, body)


SCOPE_CHANGES = (
    ("us-east-1", "eu-west-1"),
    ("20150830%2F", "20150831%2F"),
    ("20150830/", "x/"),
    ("aws4_request", "aws4_reques"),
    ("%2Fs3%2F", "%2Fs4%2F"),
    ("AKIDEXAMPLE", "AKIDX"),
)


@st.composite
def verification_scenarios(draw: Any) -> Tuple[str, Dict[str, Any], Request, Credentials, Any]:
    scheme, options, request = draw(st.sampled_from(CASES))
    signing_creds = draw(st.sampled_from([CREDS, CREDS_TOKEN]))
    signer = signers.get_signer(scheme, **options)
    signed = signer.sign(request, signing_creds, AT)
    received = _mutate(
        lambda options: draw(st.sampled_from(options)), draw(MUTATIONS), signed.request
    )
    verifying_creds = draw(
        st.sampled_from(
            [
                signing_creds,
                CREDS,
                CREDS_TOKEN,
                Credentials("AKIDEXAMPLE", "other"),
                Credentials("AKIDOTHER", CREDS.secret_key),
            ]
        )
    )
    now = AT + dt.timedelta(seconds=draw(st.sampled_from([0, 1, -300, 899, 901, 3000, -1000])))
    return scheme, options, received, verifying_creds, now


@pytest.mark.slow
@MANY
@given(scenario=verification_scenarios())
def test_verification_fast_paths_equal_the_general_ones(scenario: Any) -> None:
    scheme, options, received, creds, now = scenario
    signer = signers.get_signer(scheme, **options)
    fast = outcome(lambda: signer.verify(received, creds, now))
    with general_only():
        general = outcome(lambda: signer.verify(received, creds, now))
    assert fast == general


@pytest.mark.slow
@MANY
@given(scenario=verification_scenarios(), region=st.sampled_from([None, "us-east-1", "eu-west-1"]))
def test_dispatcher_fast_path_equals_the_general_one(scenario: Any, region: Optional[str]) -> None:
    _, _, received, creds, now = scenario
    calls: List[str] = []

    def lookup(access_key: str) -> Optional[Credentials]:
        calls.append(access_key)
        return creds if access_key == creds.access_key else None

    fast = outcome(lambda: signers.verify(received, lookup, now, region=region))
    fast_calls, calls[:] = list(calls), []
    with general_only():
        general = outcome(lambda: signers.verify(received, lookup, now, region=region))
    assert fast == general
    assert fast_calls == calls  # the lookup is called as often (at most once), with the same key
    assert len(calls) <= 1


@pytest.mark.parametrize("kind", MUTATION_KINDS)
@pytest.mark.parametrize("case", range(len(CASES)))
@pytest.mark.parametrize("last", [False, True])
def test_each_mutation_of_each_case_is_judged_alike(kind: str, case: int, last: bool) -> None:
    # Every (case, mutation) pair once, with the right key at the signing time, the choices
    # inside the mutation made the first way and the last way.
    scheme, options, request = CASES[case]
    signer = signers.get_signer(scheme, **options)
    signed = signer.sign(request, CREDS, AT)
    received = _mutate(lambda seq: list(seq)[-1 if last else 0], kind, signed.request)
    fast = outcome(lambda: signer.verify(received, CREDS, AT))
    any_fast = outcome(lambda: signers.verify(received, {CREDS.access_key: CREDS}, AT))
    with general_only():
        assert fast == outcome(lambda: signer.verify(received, CREDS, AT))
        assert any_fast == outcome(lambda: signers.verify(received, {CREDS.access_key: CREDS}, AT))


def _signed_without_host(service: str, host: str) -> Request:
    # SignedHeaders without host, signed correctly over that list, by the staged functions (no
    # signer of ours would)
    from signers import sigv4

    amz = "20150830T123600Z"
    headers = [("Content-Type", "application/json"), ("X-Amz-Date", amz)]
    block, signed = _encoding.canonical_headers(headers)
    creq = sigv4.canonical_request("GET", "/", "", block, signed, _crypto.sha256_hex(b""))
    scope = sigv4.credential_scope("20150830", "us-east-1", service)
    sts = sigv4.string_to_sign(amz, scope, creq)
    key = _crypto.derive_signing_key(CREDS.secret_key, "20150830", "us-east-1", service)
    signature = _crypto.hmac_sha256_hex(key, sts.encode())
    authorization = sigv4.authorization_header(CREDS.access_key, scope, signed, signature)
    return Request(
        "GET", f"https://{host}/", [("Host", host), *headers, ("Authorization", authorization)]
    )


@pytest.mark.parametrize(
    "service, host", [("ecs", "ecs.us-east-1.amazonaws.com"), ("s3", "b.s3.amazonaws.com")]
)
def test_a_valid_signature_without_host_is_refused_alike(service: str, host: str) -> None:
    # The checks, not the signature, must refuse it, on both paths.
    request = _signed_without_host(service, host)
    signer = signers.get_signer("sigv4", region="us-east-1", service=service, s3=service == "s3")
    lookup = {CREDS.access_key: CREDS}
    fast = outcome(lambda: signer.verify(request, CREDS, AT))
    any_fast = outcome(lambda: signers.verify(request, lookup, AT))
    with general_only():
        assert fast == outcome(lambda: signer.verify(request, CREDS, AT))
        assert any_fast == outcome(lambda: signers.verify(request, lookup, AT))
    assert fast[0] == "error" and any_fast[0] == "error"


def test_verification_takes_the_fast_path_for_the_common_requests() -> None:
    # The general checks are made to fail: only the one-pass path can give these verdicts.
    trap = mock.Mock(side_effect=AssertionError("general path taken"))
    with mock.patch.object(v4, "_check_signature", trap), mock.patch.object(
        legacy_v2, "verify_steps", trap
    ), mock.patch.object(legacy_s3, "verify_steps", trap):
        for scheme, options, request in CASES:
            signer = signers.get_signer(scheme, **options)
            signed = signer.sign(request, CREDS, AT)
            received = Request(
                signed.request.method,
                signed.url,
                [("Host", signed.request.host_header), *signed.headers],
                signed.request.body,
            )
            assert signer.verify(received, CREDS, AT).signature == signed.signature
            if "session_token" not in options:
                verified = signers.verify(
                    received, {"AKIDEXAMPLE": CREDS}, AT, region=options.get("region")
                )
                assert (
                    verified.scheme == scheme and verified.artifacts.signature == signed.signature
                )
