"""The probe's parts without a network: hand-made signatures (checked against botocore), the
reading of AWS's answers, verdicts, redaction, and the catalogue itself."""

from __future__ import annotations

import datetime as dt
import unittest.mock
from typing import Any, List

import pytest

from conformance.probe import craft
from conformance.probe.catalogue import REASONS, for_service, plan, resolve_schemes
from conformance.probe.judge import judge
from conformance.probe.model import ACCEPT, INSECURE, LENIENT, REFUSE, Answer, Probe
from conformance.probe.wire import Endpoint, Redactor, read_answer
from signers import Credentials

AT = dt.datetime(2026, 1, 2, 23, 59, 50, tzinfo=dt.timezone.utc)
CREDS = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")


# -- craft: the hand-made signatures equal botocore's ------------------------------------------


def _botocore() -> Any:
    return pytest.importorskip("botocore.auth")


def test_header_signature_with_expect_signed_equals_botocore(monkeypatch: Any) -> None:
    auth_module = _botocore()
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import ReadOnlyCredentials

    # botocore never signs Expect; told to, it is the oracle for a client that does
    kept = [h for h in auth_module.SIGNED_HEADERS_BLACKLIST if h != "expect"]
    monkeypatch.setattr(auth_module, "SIGNED_HEADERS_BLACKLIST", kept)
    body = b"hello"
    headers = [("Host", "127.0.0.1:9000"), ("Expect", "100-continue"), ("x-amz-meta-x", " a   b ")]
    crafted = craft.sign(
        "PUT", "/b/a%20b%21.txt", "a=1&a-b=2&a=0", headers, CREDS, AT,
        region="us-east-1", service="s3", payload_hash=craft.sha256_hex(body),
    )  # fmt: skip
    sent = dict((n, v) for n, v in crafted.headers if n != "Authorization")
    request = AWSRequest(
        method="PUT", url="http://127.0.0.1:9000/b/a%20b%21.txt?a=1&a-b=2&a=0", data=body,
        headers=sent,
    )  # fmt: skip
    request.context["timestamp"] = craft.amz_date(AT)
    auth = auth_module.S3SigV4Auth(
        ReadOnlyCredentials(CREDS.access_key, CREDS.secret_key, None), "s3", "us-east-1"
    )
    creq = auth.canonical_request(request)
    assert crafted.canonical_request == creq
    assert crafted.signature == auth.signature(auth.string_to_sign(request, creq), request)


def test_presigned_url_beyond_a_week_equals_botocore() -> None:
    auth_module = _botocore()
    from botocore.awsrequest import AWSRequest
    from botocore.credentials import ReadOnlyCredentials

    crafted = craft.sign(
        "GET", "/b/k.txt", "response-content-type=text%2Fplain", [("Host", "127.0.0.1:9000")],
        CREDS, AT, region="us-east-1", service="s3", placement="query", expires="604801",
    )  # fmt: skip
    url = "http://127.0.0.1:9000/b/k.txt?response-content-type=text%2Fplain"
    request = AWSRequest(method="GET", url=url, headers={})
    auth = auth_module.S3SigV4QueryAuth(
        ReadOnlyCredentials(CREDS.access_key, CREDS.secret_key, None), "s3", "us-east-1",
        expires=604801,
    )  # fmt: skip
    with unittest.mock.patch.object(auth_module.datetime, "datetime") as clock:
        clock.utcnow.return_value = AT.replace(tzinfo=None)
        clock.now.return_value = AT
        auth.add_auth(request)
    assert request.url == url.split("?")[0] + "?" + crafted.query


def test_other_region_and_scope_date_are_in_the_scope() -> None:
    crafted = craft.sign(
        "GET", "/b/k", "", [("Host", "h")], CREDS, AT, region="eu-west-3", service="sqs",
        payload_hash=craft.EMPTY_SHA256, scope_date="20260101", separator=",",
    )  # fmt: skip
    authorization = dict(crafted.headers)["Authorization"]
    assert (
        "Credential=AKIDEXAMPLE/20260101/eu-west-3/sqs/aws4_request,SignedHeaders=" in authorization
    )
    assert crafted.string_to_sign.split("\n")[1] == "20260102T235950Z"


# -- answers -----------------------------------------------------------------------------------


def test_read_s3_error_with_the_servers_artifacts() -> None:
    body = (
        b'<?xml version="1.0"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request '
        b"signature we calculated does not match</Message><StringToSign>AWS4-HMAC-SHA256\n"
        b"20260102T235950Z</StringToSign><CanonicalRequest>GET\n/a&amp;b\n</CanonicalRequest>"
        b"</Error>"
    )
    answer = read_answer(403, "Forbidden", (), body)
    assert answer.code == "SignatureDoesNotMatch"
    assert answer.canonical_request == "GET\n/a&b\n"
    assert answer.string_to_sign == "AWS4-HMAC-SHA256\n20260102T235950Z"


def test_read_query_and_json_errors() -> None:
    query = read_answer(
        403, "", (),
        b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code><Message>"
        b"The security token included in the request is invalid.</Message></Error>"
        b"</ErrorResponse>",
    )  # fmt: skip
    assert query.code == "InvalidClientTokenId"
    coral = (
        "The request signature we calculated does not match.\n\nThe Canonical String for this "
        "request should have been\n'POST\n/\n\nhost:h\n'\n\nThe String-to-Sign should have "
        "been\n'AWS4-HMAC-SHA256\nX'\n"
    )
    body = ('{"__type": "com.amazon.coral.service#InvalidSignatureException", "message": %s}'
            % __import__("json").dumps(coral)).encode()  # fmt: skip
    answer = read_answer(400, "", (), body)
    assert answer.code == "InvalidSignatureException"
    assert answer.canonical_request == "POST\n/\n\nhost:h\n"
    assert answer.string_to_sign == "AWS4-HMAC-SHA256\nX"
    headed = read_answer(403, "", (("x-amzn-ErrorType", "AccessDeniedException:http://x"),), b"")
    assert headed.code == "AccessDeniedException"


# -- verdicts ----------------------------------------------------------------------------------


def _probe(kind: str, **kw: Any) -> Probe:
    return Probe("sigv4/x", kind, "x", lambda ctx: None, "https://x", **kw)  # type: ignore[arg-type,return-value]


def _answer(status: int, code: Any = None) -> Answer:
    return Answer(status, "", (), b"", code)


@pytest.mark.parametrize(
    ("status", "code", "verdict"),
    [(200, None, "pass"), (206, None, "pass"), (404, "NoSuchKey", "pass"), (409, None, "pass"),
     (403, "SignatureDoesNotMatch", "incompatible"), (400, "InvalidArgument", "incompatible"),
     (401, None, "incompatible"), (500, None, "error"), (301, None, "error")],
)  # fmt: skip
def test_accept_probe_verdicts(status: int, code: Any, verdict: str) -> None:
    assert judge(_probe(ACCEPT), _answer(status, code))[0] == verdict


@pytest.mark.parametrize(
    ("status", "code", "if_accepted", "verdict"),
    [(403, "SignatureDoesNotMatch", INSECURE, "pass"), (400, "SignatureDoesNotMatch", INSECURE,
      "code-differs"), (403, "AccessDenied", INSECURE, "code-differs"), (401, None, INSECURE,
      "code-differs"), (200, None, INSECURE, "insecure"), (404, "NoSuchKey", INSECURE,
      "insecure"), (200, None, LENIENT, "lenient"), (503, "SlowDown", INSECURE, "error")],
)  # fmt: skip
def test_refuse_probe_verdicts(status: int, code: Any, if_accepted: str, verdict: str) -> None:
    probe = _probe(REFUSE, codes=("SignatureDoesNotMatch",), status=403, if_accepted=if_accepted)
    assert judge(probe, _answer(status, code))[0] == verdict


# -- redaction ---------------------------------------------------------------------------------


def test_redactor_hides_secrets_and_signature_carrying_values() -> None:
    redact = Redactor(["my/secret+key", "tok/en+="])
    redact.add("a" * 64)
    text = redact(
        "Authorization: AWS4-HMAC-SHA256 Credential=AK/20260102/r/s/aws4_request, "
        "SignedHeaders=host, Signature=" + "b" * 64 + "\n"
        "GET /k?X-Amz-Signature=" + "a" * 64 + "&X-Amz-Security-Token=tok%2Fen%2B%3D HTTP/1.1\n"
        "Authorization: AWS AKID:frJIUN8DYpKDtOLCwo//yllqDzg=\n"
        "<SignatureProvided>abc</SignatureProvided> my/secret+key x-amz-security-token: tok/en+="
    )
    for secret in ("b" * 64, "a" * 64, "tok%2Fen%2B%3D", "frJIUN8DYpKDtOLCwo", "abc<", "my/secret",
                   "tok/en"):  # fmt: skip
        assert secret not in text
    assert "SignedHeaders=host" in text and "Credential=AK/20260102" in text


def test_endpoint_host_header() -> None:
    assert Endpoint("http://127.0.0.1:9000").host_header == "127.0.0.1:9000"
    assert Endpoint("https://s3.example.com:443/").host_header == "s3.example.com"
    assert Endpoint("http://[::1]:80").host_header == "[::1]"
    assert Endpoint("https://s3.example.com").default_port


# -- the catalogue -----------------------------------------------------------------------------


@pytest.mark.parametrize("s3", [True, False], ids=["s3", "query-api"])
def test_catalogue_rows_are_complete(s3: bool) -> None:
    probes = for_service(s3)
    ids = [p.id for p in probes]
    assert len(ids) == len(set(ids))
    for probe in probes:
        assert probe.kind in (ACCEPT, REFUSE) and probe.summary and callable(probe.build)
        assert probe.source.startswith("https://"), probe.id
        assert probe.requires <= set(REASONS), probe.id
        if probe.kind == REFUSE:
            assert probe.codes and probe.status in (400, 403), probe.id
            assert probe.if_accepted in (INSECURE, LENIENT), probe.id


#: The refusals and pitfalls issue #14 lists, each with the probes that cover it.
COVERED = {
    "method": ["sigv4/tamper-method"],
    "path": ["sigv4/tamper-path", "s3-v2/tamper-path"],
    "query": ["sigv4/tamper-query"],
    "a signed header": ["sigv4/tamper-signed-header", "s3-v2/tamper-amz-header"],
    "body with a signed payload hash": ["sigv4/tamper-body"],
    "wrong key": ["sigv4/wrong-secret@bucket", "sigv4/wrong-secret@service"],
    "unknown key": ["sigv4/unknown-key@bucket", "sigv4/unknown-key@service"],
    "anonymous": ["anonymous/list-objects@bucket", "anonymous/list-buckets@service"],
    "expired presign": ["sigv4-query/expired", "s3-v2-query/expired"],
    "skewed time": ["sigv4/skewed-past", "sigv4/skewed-future", "s3-v2/skewed"],
    "X-Amz-Expires out of range": ["sigv4-query/expires-too-large"],
    "unsigned x-amz-* header": ["sigv4/unsigned-amz-header"],
    "scope for another region or service": ["sigv4/scope-other-region",
                                            "sigv4/scope-other-service"],
    "header and query auth": ["sigv4/header-and-query-auth"],
    "Expect: 100-continue": ["sigv4/expect-100-continue"],
    "hop-by-hop headers": ["sigv4/hop-by-hop-headers"],
    "default port in Host": ["sigv4/host-default-port"],
    "+ vs %20": ["sigv4/plus-in-key", "sigv4/space-in-key", "sigv4/space-in-query"],
    "single encoding, no normalization": ["sigv4/dot-segments-in-key",
                                          "sigv4/double-slash-in-key"],
    "reserved characters": ["sigv4/reserved-chars-in-key", "sigv4/reserved-chars-raw-in-key",
                            "sigv4/reserved-chars-in-query"],
    "literal percent sequences": ["sigv4/percent-literal-in-key",
                                  "sigv4/percent-space-literal-in-key"],
    "NFC and NFD": ["sigv4/non-ascii-key-nfc", "sigv4/non-ascii-key-nfd"],
    "metadata values": ["sigv4/non-ascii-metadata", "sigv4/metadata-whitespace"],
    "repeated headers": ["sigv4/repeated-header", "sigv4/comma-joined-header"],
    "repeated query names": ["sigv4/repeated-query-names"],
    "Authorization spacing": ["sigv4/authorization-no-spaces"],
    "signed Range": ["sigv4/signed-range"],
    "Content-Type at presign time": ["sigv4-query/content-type"],
    "x-amz-checksum-*": ["sigv4/checksum-header"],
    "SigV2 sub-resources": ["s3-v2/sub-resource", "s3-v2/response-override"],
    "signed before midnight": ["sigv4-query/signed-before-midnight"],
    "POST policies": ["post-v4/upload", "post-v4/tampered-policy"],
    "SigV4A": ["sigv4a/get-object", "sigv4a/tamper-path"],
}  # fmt: skip


def test_every_listed_behaviour_has_its_probes() -> None:
    ids = {p.id for p in for_service(True)}
    missing: List[str] = [i for wanted in COVERED.values() for i in wanted if i not in ids]
    assert missing == []
    query = {p.id for p in for_service(False)}
    assert {"sigv2/get", "sigv2/post", "sigv2/tamper-query", "sigv4-query/get"} <= query


def test_plan_selects_and_explains_skips() -> None:
    probes = for_service(True)
    chosen = plan(probes, frozenset({"s3", "bucket"}), cases=["sigv4/tamper-*", "wrong-token"])
    ids = {p.id: why for p, why in chosen}
    assert "sigv4/tamper-body" in ids and "sigv4-query/tamper-path" not in ids
    assert ids["sigv4/wrong-token"] == REASONS["session-token"]
    assert all(why is None for pid, why in ids.items() if pid != "sigv4/wrong-token")
    with pytest.raises(ValueError, match="matches no probe"):
        plan(probes, frozenset(), cases=["nothing-like-this"])
    assert resolve_schemes(["v4", "s3-v2-query"], probes) == ("sigv4", "s3-v2-query")
