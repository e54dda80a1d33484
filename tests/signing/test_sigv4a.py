"""SigV4A (AWS4-ECDSA-P256-SHA256): key derivation, signing, verification, bad input.

Expected values come from the aws-c-auth v4a vectors (``public-key.json``, the signatures and
signed requests they publish), from a step-by-step reference of the key derivation written here
from NIST SP 800-108 and the AWS description, and from botocore + awscrt (AWS's own C
implementation) as an oracle where awscrt is installed.  ECDSA signatures are randomized: they
are checked by verification, never compared.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

pytest.importorskip("cryptography")

import signers
from conformance import vectors
from signers import Credentials, Request, _crypto, _ecdsa, sigv4a
from signers._verification.sigv4 import region_set_covers
from tests._bundled_vectors import bundled_vectors
from tests._support import (
    AK,
    CREDS,
    CREDS_TOKEN,
    SECRET,
    VECTORS,
    case_context,
    context_credentials,
)
from tests._support import VECTOR_TIME as AT
from tests._verify_support import drop_header, replace_header, replace_query_param

V4A = VECTORS / "v4a"
URL = "https://example.amazonaws.com/a/b%20c?x=1&y=two"
P256_N = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
MISSING = "sigv4a needs the 'cryptography' package: pip install 'sigbridge[sigv4a]'"

CASES = sorted(p for p in V4A.iterdir() if (p / "public-key.json").is_file())


def _signer(**options: Any) -> sigv4a.SigV4ASigner:
    options.setdefault("region_set", "us-east-1")
    options.setdefault("service", "service")
    return sigv4a.SigV4ASigner(**options)


def _query_signer(**options: Any) -> sigv4a.SigV4AQuerySigner:
    options.setdefault("region_set", "us-east-1")
    options.setdefault("service", "service")
    return sigv4a.SigV4AQuerySigner(**options)


def _context_credentials(case: Path) -> Credentials:
    return context_credentials(case_context(case))


# -- key derivation ------------------------------------------------------------------------------


def _reference_private_value(access_key: str, secret: str) -> int:
    """SP 800-108 counter-mode KDF with HMAC-SHA256, written from the spec, step by step."""
    key = b"AWS4A" + secret.encode()
    for external_counter in range(1, 255):
        i = (1).to_bytes(4, "big")  # the KDF's block counter: one 256-bit block is needed
        label = b"AWS4-ECDSA-P256-SHA256"
        context = access_key.encode() + bytes([external_counter])
        length = (256).to_bytes(4, "big")  # L, in bits
        k0 = hmac.new(key, i + label + b"\x00" + context + length, hashlib.sha256).digest()
        candidate = int.from_bytes(k0, "big")
        if candidate <= P256_N - 2:
            return candidate + 1
    raise AssertionError("unreachable")


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_derived_public_key_is_public_key_json(case: Path) -> None:
    published = json.loads((case / "public-key.json").read_text())
    assert sigv4a.public_key(_context_credentials(case)) == (published["X"], published["Y"])


def test_every_v4a_case_has_a_public_key_but_two() -> None:
    folders = [p.name for p in V4A.iterdir() if (p / "context.json").is_file()]
    assert len(folders) == 40 and len(CASES) == 38
    assert sorted(set(folders) - {c.name for c in CASES}) == [
        "get-vanilla-query-order-key",
        "get-vanilla-query-order-value",
    ]


@pytest.mark.parametrize(
    ("access_key", "secret"),
    [(AK, SECRET), ("AKIA0000000000000000", "x" * 40), ("ASIAÉ", "sécret/+="), ("a", "")],
)
def test_private_value_follows_the_reference(access_key: str, secret: str) -> None:
    assert _crypto.sigv4a_private_value(access_key, secret) == _reference_private_value(
        access_key, secret
    )


def _forced_candidates(monkeypatch: Any, first: bytes) -> None:
    """Make the first KDF round (external counter 1) return ``first``; later rounds are real."""
    real = _crypto._hmac_digest

    def fake(key: bytes, message: bytes, digest: str) -> bytes:
        if message.endswith(b"\x01\x00\x00\x01\x00"):  # counter byte 1, then L = 256
            return first
        return real(key, message, digest)

    monkeypatch.setattr(_crypto, "_hmac_digest", fake)


def test_a_candidate_above_n_minus_2_is_rejected(monkeypatch: Any) -> None:
    # n - 1 is too big (d would be n, not a valid key): the counter goes to 2
    _forced_candidates(monkeypatch, (P256_N - 1).to_bytes(32, "big"))
    key = b"AWS4A" + SECRET.encode()
    fixed = b"\x00\x00\x00\x01AWS4-ECDSA-P256-SHA256\x00" + AK.encode() + b"\x02\x00\x00\x01\x00"
    second = int.from_bytes(hmac.new(key, fixed, hashlib.sha256).digest(), "big")
    assert _crypto.sigv4a_private_value(AK, SECRET) == second + 1


def test_a_candidate_of_n_minus_2_is_accepted(monkeypatch: Any) -> None:
    _forced_candidates(monkeypatch, (P256_N - 2).to_bytes(32, "big"))
    assert _crypto.sigv4a_private_value(AK, SECRET) == P256_N - 1


def test_key_cache_is_bounded_and_keyed_by_both_parts() -> None:
    _ecdsa.clear_key_cache()
    signers.set_cache_size("sigv4a-keys", 3)
    try:
        keys = [_ecdsa.private_key(f"AK{i}", SECRET) for i in range(5)]
        assert len(_ecdsa._KEYS) == 3
        assert _ecdsa.private_key("AK4", SECRET) is keys[4]  # cached
        other = _ecdsa.private_key("AK4", SECRET + "x")
        assert _ecdsa.public_key_xy(other) != _ecdsa.public_key_xy(keys[4])
        _ecdsa.clear_key_cache()
        assert not len(_ecdsa._KEYS)
    finally:
        signers.set_cache_size("sigv4a-keys", 256)


def test_concurrent_signing_shares_the_cache_safely() -> None:
    _ecdsa.clear_key_cache()
    signer = _signer()
    results: List[Tuple[str, str]] = []
    errors: List[BaseException] = []

    def work(n: int) -> None:
        try:
            creds = Credentials(f"AK{n % 3}", SECRET)
            signed = signer.sign(Request("GET", URL), creds, AT)
            results.append((signed.artifacts.string_to_sign, signed.signature))
            signer.verify(signed.request, creds, now=AT)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors and len(results) == 12


# -- the vectors' signatures -----------------------------------------------------------------------


@pytest.mark.parametrize("location", ["header", "query"])
@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_published_signatures_verify_with_our_derived_key(case: Path, location: str) -> None:
    ours = sigv4a.public_key(_context_credentials(case))
    sts = (case / f"{location}-string-to-sign.txt").read_text()
    signature = (case / f"{location}-signature.txt").read_text().strip()
    assert sigv4a.verify_signature(sts, signature, ours)
    assert not sigv4a.verify_signature(sts + "x", signature, ours)
    assert not sigv4a.verify_signature(sts, signature, sigv4a.public_key(Credentials(AK, "other")))


def _v4a_vectors() -> List[vectors.Vector]:
    # (the cases that publish a signed request: not the aws-chunked ones, which have none)
    return [v for v in bundled_vectors() if v.family == "sigv4a" and "signed-request" in v.expected]


V4A_VECTORS = _v4a_vectors()


@pytest.mark.parametrize("vector", V4A_VECTORS, ids=[v.id for v in V4A_VECTORS])
def test_published_signed_requests_verify(vector: vectors.Vector) -> None:
    """Our verifier accepts aws-c-auth's signed requests (and refuses them altered)."""
    signed = Request.from_raw(vector.expected["signed-request"].encode("utf-8"))
    options = dict(vector.options)
    factory = sigv4a.SigV4AQuerySigner if vector.location == "query" else sigv4a.SigV4ASigner
    if vector.location == "header":
        options.pop("expires", None)
    verifier = factory(**options)
    artifacts = verifier.verify(signed, vector.credentials, now=vector.time)
    assert artifacts.string_to_sign == vector.expected["string-to-sign"]
    assert artifacts.canonical_request == vector.expected["canonical-request"]
    tampered = signed.replace(method="PUT" if signed.method != "PUT" else "GET")
    with pytest.raises(signers.SignatureDoesNotMatch):
        verifier.verify(tampered, vector.credentials, now=vector.time)


# -- signing -------------------------------------------------------------------------------------


@pytest.mark.parametrize("location", ["header", "query"])
def test_signatures_are_randomized_and_both_verify(location: str) -> None:
    signer = _signer() if location == "header" else _query_signer()
    one, two = (signer.sign(Request("GET", URL), CREDS, AT) for _ in range(2))
    assert one.artifacts.string_to_sign == two.artifacts.string_to_sign
    assert one.signature != two.signature
    key = sigv4a.public_key(CREDS)
    for signed in (one, two):
        assert sigv4a.verify_signature(signed.artifacts.string_to_sign, signed.signature, key)
        assert signer.verify(signed.request, CREDS, now=AT).signature == signed.signature


def test_header_form_by_hand() -> None:
    signed = _signer(region_set=["us-east-1", "eu-west-1"]).sign(
        Request("POST", URL, [("Content-Type", "text/plain")], b"hello"), CREDS, AT
    )
    art = signed.artifacts
    body_hash = hashlib.sha256(b"hello").hexdigest()
    assert art.canonical_request == (
        "POST\n/a/b%2520c\nx=1&y=two\n"
        "content-type:text/plain\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n"
        "x-amz-region-set:us-east-1,eu-west-1\n\n"
        f"content-type;host;x-amz-date;x-amz-region-set\n{body_hash}"
    )
    creq_hash = hashlib.sha256(art.canonical_request.encode()).hexdigest()
    assert art.string_to_sign == (
        f"AWS4-ECDSA-P256-SHA256\n20150830T123600Z\n20150830/service/aws4_request\n{creq_hash}"
    )
    assert art.credential_scope == "20150830/service/aws4_request"
    assert signed.added_headers[:2] == (
        ("X-Amz-Date", "20150830T123600Z"),
        ("X-Amz-Region-Set", "us-east-1,eu-west-1"),
    )
    assert signed.request.header("authorization") == (
        "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, "
        f"SignedHeaders=content-type;host;x-amz-date;x-amz-region-set, Signature={art.signature}"
    )


def test_query_form_by_hand() -> None:
    signed = _query_signer(region_set="*", expires=600).sign(Request("GET", URL), CREDS_TOKEN, AT)
    query = signed.url.split("?", 1)[1]
    assert query.startswith("x=1&y=two&X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256&")
    assert "&X-Amz-Region-Set=%2A&" in query and "&X-Amz-Expires=600&" in query
    assert query.endswith("&X-Amz-Signature=" + signed.signature)
    line = signed.artifacts.canonical_request.split("\n")[2]
    assert "X-Amz-Region-Set=%2A" in line and "X-Amz-Security-Token=" in line
    assert signed.artifacts.canonical_request.endswith("\nhost\n" + hashlib.sha256(b"").hexdigest())
    assert not signed.added_headers


def test_s3_presets_and_aliases() -> None:
    header = signers.get_signer("s3v4a", region_set="*")
    assert type(header) is sigv4a.SigV4ASigner and header.options.s3
    assert header.options.service == "s3" and not header.options.normalize_path
    signed = header.sign(
        Request("PUT", "https://b.s3.amazonaws.com/a//b/../c", (), b"x"), CREDS, AT
    )
    assert signed.artifacts.canonical_request.split("\n")[1] == "/a//b/../c"
    assert signed.request.header("x-amz-content-sha256") == hashlib.sha256(b"x").hexdigest()
    query = signers.get_signer("s3v4a-query", region_set="*")
    assert type(query) is sigv4a.SigV4ASigner and query.options.s3
    assert query.name == "sigv4a-query" and query.options.placement == "query"
    presigned = query.sign(Request("GET", "https://b.s3.amazonaws.com/k"), CREDS, AT)
    assert presigned.artifacts.payload_hash == "UNSIGNED-PAYLOAD"
    assert type(signers.get_signer("v4a", region_set="*", service="s")).name == "sigv4a"
    assert signers.get_signer("v4a-query", region_set="*", service="s").name == "sigv4a-query"
    names = {info.name: info for info in signers.schemes()}
    assert {"sigv4a", "v4a", "s3v4a", "sigv4a-query", "v4a-query", "s3v4a-query"} <= set(names)
    assert names["v4a"].is_alias and names["s3v4a-query"].target == "sigv4a-query"


def test_botocore_names_are_registered() -> None:
    pytest.importorskip("awscrt")
    import botocore.auth

    botocore_names = {n for n in botocore.auth.AUTH_TYPE_MAPS if "v4a" in n}
    assert botocore_names == {"v4a", "s3v4a", "s3v4a-query"}
    assert botocore_names <= set(signers.available())


def test_session_token_signed_and_unsigned() -> None:
    signed = _signer().sign(Request("GET", URL), CREDS_TOKEN, AT)
    assert "x-amz-security-token" in signed.artifacts.signed_headers.split(";")
    unsigned = _signer(session_token="unsigned").sign(Request("GET", URL), CREDS_TOKEN, AT)
    assert "x-amz-security-token" not in unsigned.artifacts.signed_headers.split(";")
    assert unsigned.request.header("x-amz-security-token") == CREDS_TOKEN.token
    _signer(session_token="unsigned").verify(unsigned.request, CREDS_TOKEN, now=AT)
    other_token = Credentials(AK, SECRET, "another-token")
    err = _error(lambda: _signer().verify(unsigned.request, other_token, now=AT))
    assert err.code == "InvalidClientTokenId"


@pytest.mark.slow
def test_input_is_untouched_and_import_is_light() -> None:
    request = Request("GET", URL, [("X-Custom", "1")])
    _signer().sign(request, CREDS, AT)
    assert request.headers == (("X-Custom", "1"),)
    code = (
        "import sys, signers, signers.sigv4a; signers.schemes(); "
        "signers.get_signer('sigv4', region='r', service='s'); "
        "assert 'cryptography' not in sys.modules, 'cryptography imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


# -- verification --------------------------------------------------------------------------------


def _signed_header(**options: Any) -> Request:
    return _signer(**options).sign(Request("GET", URL), CREDS, AT).request


def _signed_query(**options: Any) -> Request:
    return _query_signer(**options).sign(Request("GET", URL), CREDS, AT).request


def _error(call: Any) -> signers.VerificationError:
    with pytest.raises(signers.VerificationError) as info:
        call()
    err = info.value
    assert "\n" not in str(err) and SECRET not in str(err) and SECRET not in repr(err)
    return err


def test_dispatcher_routes_both_forms() -> None:
    lookup = {AK: CREDS}
    header = signers.verify(_signed_header(region_set=["us-east-1", "us-west-2"]), lookup, now=AT)
    assert (header.scheme, header.region, header.service) == (
        "sigv4a",
        "us-east-1,us-west-2",
        "service",
    )
    assert "x-amz-region-set" in header.signed_headers
    query = signers.verify(_signed_query(region_set="*"), lookup, now=AT, region="eu-west-1")
    assert query.scheme == "sigv4a-query" and query.region == "*"
    assert query.expires_at == AT + dt.timedelta(seconds=3600)
    err = _error(lambda: signers.verify(_signed_header(), lookup, now=AT, region="eu-west-1"))
    assert err.code == "SignatureDoesNotMatch" and "region set" in str(err)
    err = _error(lambda: signers.verify(_signed_header(), lookup, now=AT, schemes=["sigv4"]))
    assert "sigv4a" in str(err)


@pytest.mark.parametrize(
    ("request_set", "server", "ok"),
    [
        ("*", ["eu-west-1"], True),
        ("us-east-1,us-west-2", ["us-west-2"], True),
        ("us-east-1,us-west-2", ["us-east-1", "us-west-2"], True),
        ("us-east-1", ["us-east-1", "us-west-2"], False),
        ("us-*", ["us-gov-west-1"], True),
        ("us-*", ["eu-west-1"], False),
        ("US-EAST-1", ["us-east-1"], True),
        ("eu-west-1", ["*"], True),
    ],
)
def test_region_set_covers(request_set: str, server: List[str], ok: bool) -> None:
    assert region_set_covers(request_set, server) is ok


def _resign_like(request: Request, **changes: str) -> Request:
    """The Authorization header with one component changed (the signature no longer matters)."""
    auth = request.header("authorization") or ""
    for old, new in changes.items():
        auth = auth.replace(old, new)
    return replace_header(request, "Authorization", auth)


def test_verify_errors_header_form() -> None:
    signer = _signer()
    good = _signed_header()
    sig = good.header("authorization").rsplit("Signature=", 1)[1]  # type: ignore[union-attr]
    cases: Dict[str, Tuple[Request, str, str]] = {
        "tampered signature": (
            _resign_like(good, **{sig: sig[:-2] + ("00" if sig[-2:] != "00" else "11")}),
            "SignatureDoesNotMatch",
            "Signature",
        ),
        "not hex": (_resign_like(good, **{sig: "zz"}), "SignatureDoesNotMatch", "Signature"),
        "region-set header removed": (
            drop_header(good, "X-Amz-Region-Set"),
            "IncompleteSignature",
            "x-amz-region-set",
        ),
        "region set altered": (
            replace_header(good, "X-Amz-Region-Set", "*"),
            "SignatureDoesNotMatch",
            "Signature",
        ),
        "SigV4 credential": (
            _resign_like(good, **{"/20150830/service/": "/20150830/us-east-1/service/"}),
            "IncompleteSignature",
            "Credential",
        ),
        "wrong service": (
            _resign_like(good, **{"/service/": "/other/"}),
            "SignatureDoesNotMatch",
            "service",
        ),
        "region set not signed": (
            _resign_like(good, **{";x-amz-region-set": ""}),
            "SignatureDoesNotMatch",
            "SignedHeaders",
        ),
        "wrong access key": (
            _resign_like(good, **{"AKIDEXAMPLE/": "AKIDOTHER/"}),
            "InvalidClientTokenId",
            "access_key",
        ),
        "SigV4 algorithm": (
            _resign_like(good, **{"AWS4-ECDSA-P256-SHA256": "AWS4-HMAC-SHA256"}),
            "IncompleteSignature",
            "Authorization",
        ),
    }
    for label, (request, code, field) in cases.items():
        err = _error(lambda r=request: signer.verify(r, CREDS, now=AT))  # type: ignore[misc]
        assert (err.code, err.field) == (code, field), (label, err)
    skewed = _error(lambda: signer.verify(good, CREDS, now=AT + dt.timedelta(minutes=20)))
    assert skewed.code == "RequestTimeTooSkewed"
    other_server = _error(lambda: _signer(region_set="eu-west-1").verify(good, CREDS, now=AT))
    assert other_server.code == "SignatureDoesNotMatch" and "region set" in str(other_server)
    s3 = _error(lambda: _signer(s3=True, region_set="eu-west-1").verify(good, CREDS, now=AT))
    assert s3.code == "AuthorizationHeaderMalformed"


def test_verify_errors_query_form() -> None:
    signer = _query_signer(expires=60)
    good = _signed_query(expires=60)
    assert signer.verify(good, CREDS, now=AT).signed_headers == "host"
    expired = _error(lambda: signer.verify(good, CREDS, now=AT + dt.timedelta(seconds=61)))
    assert expired.code == "AccessDenied"
    for name, value, code in [
        ("X-Amz-Region-Set", "*", "SignatureDoesNotMatch"),
        ("X-Amz-Region-Set", "", "AuthorizationQueryParametersError"),
        ("X-Amz-Algorithm", "AWS4-HMAC-SHA256", "AuthorizationQueryParametersError"),
        (
            "X-Amz-Credential",
            "AKIDEXAMPLE/20150830/us-east-1/service/aws4_request",
            "AuthorizationQueryParametersError",
        ),
        ("X-Amz-Signature", "00", "SignatureDoesNotMatch"),
    ]:
        err = _error(
            lambda n=name, v=value: signer.verify(replace_query_param(good, n, v), CREDS, now=AT)  # type: ignore[misc]
        )
        assert err.code == code, (name, value, err)


def test_dispatcher_garbage_is_a_clean_error() -> None:
    lookup = {AK: CREDS}
    for auth in (
        "AWS4-ECDSA-P256-SHA256",
        "AWS4-ECDSA-P256-SHA256 Credential=x",
        "AWS4-ECDSA-P256-SHA256 Credential=AK/20150830/s/aws4_request, SignedHeaders=host, "
        "Signature=00",
    ):
        request = Request("GET", URL, [("X-Amz-Date", "20150830T123600Z"), ("Authorization", auth)])
        err = _error(lambda r=request: signers.verify(r, lookup, now=AT))  # type: ignore[misc]
        assert err.code == "IncompleteSignature", (auth, err)


# -- botocore + awscrt as the oracle --------------------------------------------------------------


def _crt_auth(name: str) -> Any:
    pytest.importorskip("botocore")
    pytest.importorskip("awscrt")
    import botocore.auth  # noqa: F401  (botocore.crt.auth imports it first)
    from botocore.crt import auth

    return getattr(auth, name)


def _botocore_credentials() -> Any:
    from botocore.credentials import Credentials as BotocoreCredentials

    return BotocoreCredentials(AK, SECRET, CREDS_TOKEN.token)


@pytest.mark.parametrize(
    ("auth_name", "service", "region_set", "query"),
    [
        ("CrtSigV4AsymAuth", "service", "us-east-1", False),
        ("CrtSigV4AsymAuth", "ec2", "us-east-1,eu-west-1", False),
        ("CrtS3SigV4AsymAuth", "s3", "*", False),
        ("CrtSigV4AsymQueryAuth", "service", "*", True),
        ("CrtS3SigV4AsymQueryAuth", "s3", "us-west-2", True),
    ],
)
def test_awscrt_signs_we_verify(auth_name: str, service: str, region_set: str, query: bool) -> None:
    auth_class = _crt_auth(auth_name)
    from botocore.awsrequest import AWSRequest

    args = (_botocore_credentials(), service, region_set)
    auth = auth_class(*args, expires=300) if query else auth_class(*args)
    aws = AWSRequest(
        method="GET" if query else "POST",
        url="https://example.amazonaws.com/a/b%20c/?x=1&y=%C3%A9",
        headers={"Content-Type": "text/plain", "X-Custom": "  a   b "},
        data=b"" if query else b"hello",
    )
    auth.add_auth(aws)
    request = Request(aws.method, aws.url, list(aws.headers.items()), aws.body or b"")
    s3 = service == "s3"
    factory = sigv4a.SigV4AQuerySigner if query else sigv4a.SigV4ASigner
    verifier = factory(region_set=region_set.split(",")[0], service=service, s3=s3)
    artifacts = verifier.verify(request, CREDS_TOKEN)  # botocore signs with the current time
    assert artifacts.credential_scope.endswith(f"/{service}/aws4_request")
    found = signers.verify(request, {AK: CREDS_TOKEN})
    assert found.scheme == ("sigv4a-query" if query else "sigv4a") and found.region == region_set
    with pytest.raises(signers.SignatureDoesNotMatch):
        verifier.verify(request.replace(method="DELETE"), CREDS_TOKEN)


def _spki_der(x_hex: str, y_hex: str) -> bytes:
    # SubjectPublicKeyInfo for an uncompressed P-256 point (RFC 5480): a fixed prefix, 04, X, Y.
    prefix = "3059301306072a8648ce3d020106082a8648ce3d030107034200"
    return bytes.fromhex(prefix + "04" + x_hex + y_hex)


@pytest.mark.parametrize("location", ["header", "query"])
def test_we_sign_awscrt_verifies(location: str) -> None:
    pytest.importorskip("awscrt")
    from awscrt.crypto import EC

    key = EC.new_key_from_der_data(_spki_der(*sigv4a.public_key(CREDS)))
    signer = _signer() if location == "header" else _query_signer()
    signed = signer.sign(Request("GET", URL), CREDS, AT)
    digest = hashlib.sha256(signed.artifacts.string_to_sign.encode()).digest()
    assert key.verify(digest, bytes.fromhex(signed.signature))
    assert not key.verify(hashlib.sha256(b"other").digest(), bytes.fromhex(signed.signature))


# -- bad input -------------------------------------------------------------------------------------


def _without_cryptography(monkeypatch: Any) -> None:
    monkeypatch.delitem(sys.modules, "signers._ecdsa", raising=False)
    monkeypatch.delattr(signers, "_ecdsa", raising=False)
    for name in [n for n in sys.modules if n.split(".")[0] == "cryptography"] + ["cryptography"]:
        monkeypatch.setitem(sys.modules, name, None)


def test_missing_cryptography_is_one_clear_line(monkeypatch: Any) -> None:
    _without_cryptography(monkeypatch)
    for build in (
        lambda: sigv4a.SigV4ASigner(region_set="*", service="s"),
        lambda: signers.get_signer("sigv4a-query", region_set="*", service="s"),
        lambda: sigv4a.public_key(CREDS),
        lambda: sigv4a.verify_signature("sts", "00", ("1", "2")),
    ):
        with pytest.raises(signers.MissingDependency) as info:
            build()
        assert str(info.value) == MISSING and info.value.field == "cryptography"
        assert isinstance(info.value, signers.SigningError)
    # the registry still lists the schemes, and the dispatcher answers as AWS would
    assert "sigv4a" in signers.available()
    request = Request(
        "GET",
        URL,
        [
            ("X-Amz-Date", "20150830T123600Z"),
            ("X-Amz-Region-Set", "*"),
            (
                "Authorization",
                "AWS4-ECDSA-P256-SHA256 Credential=AKIDEXAMPLE/20150830/service/aws4_request, "
                "SignedHeaders=host;x-amz-date;x-amz-region-set, Signature=3045",
            ),
        ],
    )
    err = _error(lambda: signers.verify(request, {AK: CREDS}, now=AT))
    assert err.code == "InvalidRequest" and MISSING in str(err)


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"region_set": ""}, "region_set"),
        ({"region_set": []}, "region_set"),
        ({"region_set": "us-east-1,"}, "region_set"),
        ({"region_set": "us east"}, "region_set"),
        ({"region_set": ["us-east-1", 3]}, "region_set"),
        ({"region_set": 5}, "region_set"),
        ({"region": ""}, "region"),
        ({"region_set": "*", "region": "us-east-1"}, "region_set"),
        ({}, "region_set"),
        ({"region_set": "*", "service": None}, "service"),
        ({"region_set": "*", "unsigned_headers": ["X-Amz-Region-Set"]}, "unsigned_headers"),
        ({"region_set": "*", "session_token": "maybe"}, "session_token"),
        ({"region_set": "*", "expires": 0}, "expires"),
        ({"region_set": "*", "bogus": 1}, "bogus"),
    ],
)
def test_bad_options(options: Dict[str, Any], field: str) -> None:
    options.setdefault("service", "s")
    if options["service"] is None:
        del options["service"]
    with pytest.raises(signers.InvalidOption) as info:
        signers.get_signer("sigv4a-query", **options)
    assert info.value.field == field and "\n" not in str(info.value)


def test_region_option_stands_for_the_region_set() -> None:
    assert _signer(region_set=None, region="us-west-2").options.region_set == "us-west-2"
    assert _signer(region_set=("a-1", "b-2")).options.regions == ("a-1", "b-2")


def test_naive_time_and_wrong_types() -> None:
    with pytest.raises(signers.InvalidTime):
        _signer().sign(Request("GET", URL), CREDS, dt.datetime(2015, 8, 30, 12, 36))
    with pytest.raises(signers.InvalidRequest):
        _signer().sign("GET /", CREDS, AT)  # type: ignore[arg-type]
    with pytest.raises(signers.InvalidCredentials):
        _query_signer().sign(Request("GET", URL), ("AK", "SK"), AT)  # type: ignore[arg-type]
    with pytest.raises(signers.InvalidOption):
        sigv4a.verify_signature("sts", "00", ("00", "00"))  # not a point on the curve


@pytest.mark.parametrize(
    ("location", "header", "query"),
    [
        ("header", ("Authorization", "x"), None),
        ("header", ("X-Amz-Date", "20150830T123600Z"), None),
        ("header", ("X-Amz-Region-Set", "*"), None),
        ("header", None, "X-Amz-Signature=00"),
        ("header", None, "x-amz-region-set=*"),
        ("query", None, "X-Amz-Region-Set=*"),
        ("query", None, "X-Amz-Algorithm=AWS4-ECDSA-P256-SHA256"),
        ("query", ("X-Amz-Region-Set", "*"), None),
        ("query", ("Authorization", "x"), None),
    ],
)
def test_already_signed_is_refused(location: str, header: Any, query: Any) -> None:
    url = URL + ("&" + query if query else "")
    request = Request("GET", url, [header] if header else [])
    signer = _signer() if location == "header" else _query_signer()
    with pytest.raises(signers.AlreadySigned) as info:
        signer.sign(request, CREDS, AT)
    assert "already present" in str(info.value)


def test_session_token_already_present_is_refused() -> None:
    with pytest.raises(signers.AlreadySigned):
        _signer().sign(Request("GET", URL, [("X-Amz-Security-Token", "t")]), CREDS_TOKEN, AT)
    with pytest.raises(signers.AlreadySigned):
        _query_signer().sign(Request("GET", URL + "&X-Amz-Security-Token=t"), CREDS_TOKEN, AT)


def test_repr_has_no_secret() -> None:
    signer = _signer()
    assert SECRET not in repr(signer) and "region_set='us-east-1'" in repr(signer)
    assert repr(_ecdsa.private_key(AK, SECRET)).count(SECRET) == 0
