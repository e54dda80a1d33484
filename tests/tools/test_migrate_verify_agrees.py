"""``migrate --verify`` and ``signers.verify`` (what ``sigbridge serve`` runs) give one verdict.

Legacy requests (SigV2 by URL and by form, S3's header and presigned forms) are signed by the
step-by-step reference in ``tests/reference/legacy_reference.py`` -- valid ones, and ones mutated
before or after signing (``Timestamp`` and ``Expires`` together, a parameter sent twice, another
signature version or method, a parameter or header changed after signing, another secret, an
unexpected session token), checked at times around their own.  Whatever ``signers.verify``
refuses, migration must not call verified, and what it accepts migration must call verified;
when only the time is refused, migration says so (``verified`` is ``False``) and its note names
the server's answer.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Callable, Dict, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import signers
from signers import Credentials, MigrationError, Request
from signers.cli import main as sigbridge
from tests.reference import legacy_reference as ref

# heavy: botocore/hypothesis runs or whole-suite scans, left out of the quick loop
pytestmark = pytest.mark.slow

UTC = dt.timezone.utc
AK = "AKIDEXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLE/token"
SIGNED_AT = dt.datetime(2024, 5, 1, 12, 0, 0, tzinfo=UTC)
# the answers that depend on the server's clock (SigV2's InvalidParameterValue: an Expires further
# ahead than the lifetime a server accepts, verify(max_lifetime=...))
TIME_CODES = {"RequestExpired", "RequestTimeTooSkewed", "AccessDenied", "InvalidParameterValue"}


def _iso(when: dt.datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _context(token: Optional[str]) -> Dict[str, Any]:
    creds: Dict[str, Any] = {"access_key_id": AK, "secret_access_key": SECRET}
    if token:
        creds["token"] = token
    return {"credentials": creds, "timestamp": _iso(SIGNED_AT)}


def _request(raw: bytes) -> Request:
    return Request.from_raw(raw, scheme="https")


# -- the legacy requests -----------------------------------------------------------------------

Build = Callable[[Optional[str]], Request]


def _sigv2_get(extra: str = "", **options: Any) -> Build:
    def build(token: Optional[str]) -> Request:
        target = "/?Action=DescribeRegions&Version=2013-10-15" + extra
        parsed = ref.ParsedRequest("GET", target, [("Host", "ec2.amazonaws.com")], b"")
        return _request(ref.sigv2(parsed, _context(token), options)["signed-request"])

    return build


def _sigv2_form(extra: str = "", **options: Any) -> Build:
    def build(token: Optional[str]) -> Request:
        body = ("Action=ListQueues&Version=2012-11-05" + extra).encode()
        headers = [
            ("Host", "sqs.us-east-1.amazonaws.com"),
            ("Content-Type", ref.FORM),
            ("Content-Length", str(len(body))),
        ]
        parsed = ref.ParsedRequest("POST", "/", headers, body)
        return _request(ref.sigv2(parsed, _context(token), options)["signed-request"])

    return build


def _s3_header(headers: Tuple[Tuple[str, str], ...] = ()) -> Build:
    def build(token: Optional[str]) -> Request:
        sent = [("Host", "johnsmith.s3.amazonaws.com"), ("Content-Type", "text/plain"), *headers]
        parsed = ref.ParsedRequest("PUT", "/photos/a.txt", sent, b"hello")
        signed = ref.s3_header(parsed, _context(token), {})["signed-request"]
        return _request(signed)

    return build


def _s3_query(seconds: int = 600) -> Build:
    def build(token: Optional[str]) -> Request:
        parsed = ref.ParsedRequest(
            "GET", "/photos/a.txt?versionId=3", [("Host", "johnsmith.s3.amazonaws.com")], b""
        )
        signed = ref.s3_query(parsed, _context(token), {"expires": seconds})["signed-request"]
        return _request(signed)

    return build


BOTH_TIMES = f"&Timestamp={_iso(SIGNED_AT)}&Expires={_iso(SIGNED_AT + dt.timedelta(hours=1))}"

VALID: Dict[str, Build] = {
    "sigv2-timestamp": _sigv2_get(),
    "sigv2-expires": _sigv2_get(expires=900),
    "sigv2-form": _sigv2_form(),
    "s3-header": _s3_header(),
    "s3-header-x-amz-date": _s3_header((("x-amz-date", "Wed, 01 May 2024 12:00:00 GMT"),)),
    "s3-query": _s3_query(),
}
# Signed as they stand (the reference signs whatever parameters the request carries).
SIGNED_BAD: Dict[str, Build] = {
    "sigv2-timestamp-and-expires": _sigv2_get(BOTH_TIMES),
    "sigv2-form-timestamp-and-expires": _sigv2_form(BOTH_TIMES),
    "sigv2-repeated-version": _sigv2_get("&SignatureVersion=2"),
}
# Whatever verification decides of these (a lifetime bound may come), migration decides alike.
EDGES: Dict[str, Build] = {
    "sigv2-expires-in-2099": _sigv2_get("&Expires=2099-01-01T00:00:00Z"),
    "s3-query-a-year": _s3_query(365 * 86400),
}
ALL: Dict[str, Build] = {**VALID, **SIGNED_BAD, **EDGES}


def _replace_query(request: Request, old: str, new: str) -> Request:
    return request.replace(url=request.url.replace(old, new))


def _add_header(request: Request, name: str, value: str) -> Request:
    return request.replace(headers=[*request.headers, (name, value)])


# Changes made after signing (name -> (applies to, change)).
MUTATIONS: Dict[str, Callable[[Request], Request]] = {
    "none": lambda r: r,
    "query-changed": lambda r: _replace_query(r, "Version=", "Version=1"),
    "version-1": lambda r: _replace_query(r, "SignatureVersion=2", "SignatureVersion=1"),
    "method-md5": lambda r: _replace_query(r, "HmacSHA256", "HmacMD5"),
    "path-changed": lambda r: _replace_query(r, "/photos/a.txt", "/photos/b.txt"),
    "amz-header-added": lambda r: _add_header(r, "x-amz-meta-a", "1"),
    "signature-dropped": lambda r: _replace_query(r, "Signature=", "Sig="),
    "method-changed": lambda r: r.replace(method="DELETE"),
}

OFFSETS = [-400 * 86400, -3600, -1000, -60, 0, 60, 599, 601, 1000, 3600, 365 * 86400]


def _migrate_verdict(request: Request, credentials: Credentials, at: dt.datetime) -> str:
    try:
        result = signers.migrate(request, credentials, verify=True, at=at)
    except MigrationError as exc:
        return f"refused {exc.code}"
    except signers.SigningError as exc:
        return f"error {type(exc).__name__}"
    return {True: "verified", False: "time"}[result.account.verified]  # type: ignore[index]


def _verify_verdict(request: Request, credentials: Credentials, at: dt.datetime) -> str:
    try:
        signers.verify(request, {credentials.access_key: credentials}, now=at)
    except signers.VerificationError as exc:
        return f"refused {exc.code}"
    except signers.SigningError as exc:
        return f"error {type(exc).__name__}"
    return "verified"


def _agree(
    request: Request, token: Optional[str], given_credentials: Credentials, at: dt.datetime
) -> None:
    ours = _migrate_verdict(request, given_credentials, at)
    # The server holds the credentials migration signs with: the session token the request was
    # signed with joins credentials that carry none (it moves there in migration).
    server_credentials = given_credentials
    if given_credentials.token is None and token is not None:
        server_credentials = Credentials(AK, given_credentials.secret_key, token)
    theirs = _verify_verdict(request, server_credentials, at)
    assert (ours == "verified") == (theirs == "verified"), (ours, theirs)
    if ours == "time":
        assert theirs.split()[-1] in TIME_CODES, theirs
    if theirs.startswith("refused") and theirs.split()[-1] not in TIME_CODES:
        # the same answer, unless migration refused the request before verification did
        assert ours == theirs or ours in ("refused None", "error MigrationError"), (ours, theirs)


@settings(
    max_examples=500,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    derandomize=True,
)
@given(
    case=st.sampled_from(sorted(ALL)),
    mutation=st.sampled_from(sorted(MUTATIONS)),
    offset=st.sampled_from(OFFSETS),
    token=st.sampled_from([None, TOKEN]),
    credentials=st.sampled_from(["right", "right+token", "other-secret", "other-token"]),
)
def test_migrate_verify_agrees_with_verify(
    case: str, mutation: str, offset: int, token: Optional[str], credentials: str
) -> None:
    request = MUTATIONS[mutation](ALL[case](token))
    given_credentials = {
        "right": Credentials(AK, SECRET),
        "right+token": Credentials(AK, SECRET, TOKEN),
        "other-secret": Credentials(AK, "not-the-secret"),
        "other-token": Credentials(AK, SECRET, "another-token"),
    }[credentials]
    _agree(request, token, given_credentials, SIGNED_AT + dt.timedelta(seconds=offset))


@pytest.mark.parametrize("case", sorted(SIGNED_BAD))
def test_what_verify_refuses_is_not_verified(case: str) -> None:
    request = SIGNED_BAD[case](None)
    with pytest.raises(signers.VerificationError) as refused:
        signers.verify(request, {AK: Credentials(AK, SECRET)}, now=SIGNED_AT)
    with pytest.raises(MigrationError) as caught:
        signers.migrate(request, Credentials(AK, SECRET), verify=True, at=SIGNED_AT)
    assert caught.value.code == refused.value.code
    assert str(refused.value.message) in str(caught.value)


@pytest.mark.parametrize("case", sorted(VALID))
def test_valid_requests_verify_at_their_time_and_not_an_hour_later(case: str) -> None:
    request = VALID[case](None)
    result = signers.migrate(request, Credentials(AK, SECRET), verify=True, at=SIGNED_AT)
    assert result.account.verified is True
    later = SIGNED_AT + dt.timedelta(hours=1, seconds=1)
    result = signers.migrate(request, Credentials(AK, SECRET), verify=True, at=later)
    assert result.account.verified is False
    assert any(
        "the old signature matches, but a server would refuse" in n for n in result.account.notes
    )
    assert "NOT verified" in "\n".join(result.account.lines())


def test_cli_timestamp_and_expires_is_refused_like_serve(capsys: Any, monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    request = SIGNED_BAD["sigv2-timestamp-and-expires"](None)
    code = sigbridge(["migrate", request.url, "--verify", "--at", _iso(SIGNED_AT)])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "InvalidParameterCombination" in err and "verified" not in err.replace(
        "not verified", ""
    )
    assert err.count("\n") == 1
