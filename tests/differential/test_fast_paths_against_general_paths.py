"""Round two of the performance work: the legacy signers' fast paths, the one-pass verification
of every scheme (signer and dispatcher), the new encoding and time helpers, and the new caches.

Each fast path is compared with the general path it stands in for, on random and deliberately
broken input: the same signed request, the same artifacts, or the same error (type, message,
field).  The general paths are the ones the vectors and the botocore differential tests hold to
the specifications; the fast ones must not be told apart from them.  No timing here.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import email.utils
import threading
from typing import Any, Callable, Dict, Iterator, List, Optional, Tuple
from unittest import mock
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers import Credentials, Request, _crypto, _encoding, _time, registry, s3_v2
from signers import _verify_legacy as legacy
from signers._verification import sigv4 as v4
from signers._verification import sigv4_parse

UTC = dt.timezone.utc
AT = dt.datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
TOKEN_CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", "tok/en+=")
SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
MANY = settings(SETTINGS, max_examples=400)


@contextlib.contextmanager
def _cache_bounded(name: str, size: int) -> Iterator[None]:
    """The cache ``name`` bounded to ``size`` entries (and emptied), restored afterwards."""
    previous = signers._cache.DEFAULT_SIZES[name]
    signers.set_cache_size(name, size)
    signers._cache.caches[name].clear()
    try:
        yield
    finally:
        signers.set_cache_size(name, previous)


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
            (legacy, "_parse_fast"),
            (legacy, "_verify_fast"),
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
    creds = TOKEN_CREDS if token else CREDS
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
    signing_creds = draw(st.sampled_from([CREDS, TOKEN_CREDS]))
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
                TOKEN_CREDS,
                Credentials("AKIDEXAMPLE", "other"),
                Credentials("AKIDOTHER", CREDS.secret_key),
            ]
        )
    )
    now = AT + dt.timedelta(seconds=draw(st.sampled_from([0, 1, -300, 899, 901, 3000, -1000])))
    return scheme, options, received, verifying_creds, now


@MANY
@given(scenario=verification_scenarios())
def test_verification_fast_paths_equal_the_general_ones(scenario: Any) -> None:
    scheme, options, received, creds, now = scenario
    signer = signers.get_signer(scheme, **options)
    fast = outcome(lambda: signer.verify(received, creds, now))
    with general_only():
        general = outcome(lambda: signer.verify(received, creds, now))
    assert fast == general


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
        legacy, "_verify_sigv2", trap
    ), mock.patch.object(legacy, "_verify_s3_header", trap), mock.patch.object(
        legacy, "_verify_s3_query", trap
    ):
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


# -- the encoding and time helpers ----------------------------------------------------------------

ENCODED = st.text(alphabet=st.sampled_from("aZ09-_.~%=+2AFfé/:"), max_size=12)


def _canonical_by_definition(text: str) -> bool:
    # canonical: percent-decoding and encoding it again per RFC 3986 gives it back
    raw = _encoding.percent_decode(text)
    return quote(raw, safe="-_.~") == text


@settings(max_examples=400, deadline=None)
@given(text=ENCODED)
def test_is_canonical_means_its_own_encoding(text: str) -> None:
    assert _encoding.is_canonical(text) == _canonical_by_definition(text)
    name, _, value = text.partition("=")
    assert _encoding.is_canonical_piece(text) == (
        _canonical_by_definition(name) and _canonical_by_definition(value)
    )


@settings(max_examples=300, deadline=None)
@given(pieces=st.lists(ENCODED, max_size=4))
def test_canonical_query_keeps_what_is_canonical(pieces: List[str]) -> None:
    query = "&".join(pieces)
    expected = _encoding.canonical_query(_encoding.split_query(query))
    assert _encoding.canonical_query_of(query) == expected


@settings(max_examples=400, deadline=None)
@given(text=st.text(alphabet=st.sampled_from("aZ%2fF0é+\udcc3\udca9 -"), max_size=12))
def test_percent_decode_str_equals_the_byte_level_decoding(text: str) -> None:
    # (text without "%" is returned as it is, escaped surrogates included, as it always was)
    try:
        expected = (
            _encoding.percent_decode(text).decode("utf-8", "surrogateescape")
            if "%" in text
            else text
        )
    except UnicodeError:
        return  # (a lone surrogate: no byte to decode to)
    assert _encoding.percent_decode_str(text) == expected


def _bucket_by_labels(host: str) -> Optional[str]:
    # S3's rule, label by label: the bucket is what precedes the last "s3" / "s3-..." label
    host = host.lower().rstrip(".")
    if not host.endswith((".amazonaws.com", ".amazonaws.com.cn")):
        return None
    labels = host.split(".")
    for i in range(len(labels) - 1, -1, -1):
        if labels[i] == "s3" or labels[i].startswith("s3-"):
            return ".".join(labels[:i]) or None
    return None


@settings(max_examples=400, deadline=None)
@given(
    labels=st.lists(
        st.sampled_from(["s3", "s3-us-west-2", "b", "my", "s3x", "xs3", "", "S3", "dualstack"]),
        max_size=5,
    ),
    suffix=st.sampled_from([".amazonaws.com", ".amazonaws.com.cn", ".example.com", ".com"]),
)
def test_bucket_from_host_follows_the_label_rule(labels: List[str], suffix: str) -> None:
    host = ".".join(labels) + suffix
    assert s3_v2.bucket_from_host(host) == _bucket_by_labels(host)


@settings(max_examples=300, deadline=None)
@given(
    when=st.datetimes(
        min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    damage=st.sampled_from(["", "Sun, 30 Aug 2015 12:36:60 GMT", "Mon, 30 Feb 2016 0:0:0 GMT"]),
)
def test_http_date_instant_equals_email_utils(when: dt.datetime, damage: str) -> None:
    text = damage or email.utils.format_datetime(when.replace(microsecond=0), usegmt=True)
    try:
        expected: Optional[dt.datetime] = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        expected = None
    got = _time.http_date_instant(text)
    assert got == expected
    if got is not None:
        assert got.tzinfo is UTC and _time.rfc1123(got) == text
    assert _time.request_http_date(when) == email.utils.format_datetime(
        when.replace(microsecond=0), usegmt=True
    )


def test_amz_instant_and_its_cache() -> None:
    assert _time.amz_instant("20150830T123600Z") == AT
    assert _time.amz_instant("20150830T123600Z") == AT  # (the kept one)
    assert _time.amz_instant("2015-08-30T12:36:00Z") is None
    assert _time.amz_instant("20150230T123600Z") is None

    class Sly(str):  # equal to everything: never taken from the cache, never put in it
        def __eq__(self, other: object) -> bool:
            return True

        __hash__ = str.__hash__

    assert _time.amz_instant(Sly("20150830T123601Z")) == AT + dt.timedelta(seconds=1)
    assert _time.amz_instant("20150830T123600Z") == AT


# -- the new caches under threads -----------------------------------------------------------------


def _thread_jobs() -> List[Tuple[Any, Request, Credentials, dt.datetime]]:
    jobs = []
    for i in range(18):
        at = AT + dt.timedelta(days=i % 3, seconds=i)  # several instants: the time caches churn
        creds = Credentials(f"AKID{i % 3}", f"secret-{i % 4}/+", "tok" if i % 2 else None)
        jobs.append(
            (
                signers.get_signer("sigv2", signature_method=("HmacSHA1", "HmacSHA256")[i % 2]),
                Request(
                    "GET", f"https://ec2.amazonaws.com/?Action=Describe{i}&Filter.1.Name=a%3Ab"
                ),
                creds,
                at,
            )
        )
        jobs.append(
            (
                signers.get_signer("s3-v2"),
                Request("GET", f"https://bucket{i % 2}.s3.amazonaws.com/k {i}"),
                creds,
                at,
            )
        )
        jobs.append(
            (
                signers.get_signer("s3-v2-query", expires=60 + i),
                Request("GET", f"https://s3.amazonaws.com/b/k{i}"),
                creds,
                at,
            )
        )
    return jobs


def test_many_threads_share_the_legacy_signers_verifiers_and_caches() -> None:
    # Tiny bounds force concurrent inserts and evictions in the secret-key and shared-signer
    # caches; the instants churn the time caches.  Every result must equal the one-thread one.
    with _cache_bounded("secret-keys", 2), _cache_bounded("verifiers", 2):
        _legacy_threads_alike()


def _legacy_threads_alike() -> None:
    _crypto.clear_signing_key_cache()
    jobs = _thread_jobs()
    expected = [signer.sign(request, creds, at) for signer, request, creds, at in jobs]
    received = [
        Request(s.request.method, s.url, [("Host", s.request.host_header), *s.headers])
        for s in expected
    ]
    lookups = [{creds.access_key: creds} for _, _, creds, _ in jobs]
    _crypto.clear_signing_key_cache()
    failures: List[str] = []
    start = threading.Barrier(6)

    def worker(offset: int) -> None:
        start.wait()
        for round_ in range(12):
            for index in range(len(jobs)):
                j = (index + offset * 5 + round_) % len(jobs)
                signer, request, creds, at = jobs[j]
                got = signer.sign(request, creds, at)
                if got != expected[j]:
                    failures.append(f"sign {j}: {got.signature} != {expected[j].signature}")
                    return
                verified = signers.verify(received[j], lookups[j], at)
                if verified.artifacts.signature != expected[j].signature:
                    failures.append(f"verify {j}")
                    return

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(t.is_alive() for t in threads)
    assert failures == []
    assert len(_crypto._SECRET_KEYS) <= 2 and len(registry._shared) <= 2


def test_secret_key_state_is_the_hmac_of_the_secret() -> None:
    import base64
    import hmac

    for algorithm in ("sha1", "sha256"):
        for secret in ("s", "x" * 100, "é/+"):
            expected = hmac.new(secret.encode("utf-8"), b"message", algorithm).digest()
            state = _crypto.secret_key_state(secret, algorithm)
            assert state.digest(b"message") == expected
            assert _crypto.hmac_base64(secret, algorithm, b"message") == base64.b64encode(
                expected
            ).decode("ascii")
            assert secret not in repr(state)
    _crypto.clear_signing_key_cache()
    assert not _crypto._SECRET_KEYS


def test_shared_signers_are_forgotten_on_refresh_and_not_shared_for_plugins() -> None:
    first = registry.shared_signer("sigv4", {"region": "r", "service": "s"})
    assert registry.shared_signer("sigv4", {"region": "r", "service": "s"}) is first
    # True and 1 are equal keys in a dict; the option types keep them apart
    assert registry.shared_signer("sigv2", {"expires": 60}) is not registry.shared_signer(
        "sigv2", {"expires": 61}
    )
    with pytest.raises(signers.InvalidOption):
        registry.shared_signer("sigv4", {"region": "r", "service": "s", "s3": 1})
    # unhashable option values: a new signer each time
    listed = {"region": "r", "service": "s", "unsigned_headers": ["x-a"]}
    assert registry.shared_signer("sigv4", listed) is not registry.shared_signer("sigv4", listed)
    registry.refresh()
    assert registry.shared_signer("sigv4", {"region": "r", "service": "s"}) is not first


def test_shared_signer_leaves_plugin_signers_alone(monkeypatch: Any) -> None:
    class PluginSigner(signers.get_signer("sigv4", region="r", service="s").__class__):
        pass

    PluginSigner.__module__ = "someone_elses.plugin"
    info = registry._load("sigv4")
    monkeypatch.setattr(info, "factory", PluginSigner)
    try:
        a = registry.shared_signer("sigv4", {"region": "q", "service": "s"})
        b = registry.shared_signer("sigv4", {"region": "q", "service": "s"})
        assert type(a) is PluginSigner and a is not b
    finally:
        registry.refresh()
