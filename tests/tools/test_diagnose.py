"""explain / diff: visible text, server-answer parsing, and each likely cause named."""

from __future__ import annotations

import json

import pytest

import signers
from signers import Artifacts, Request
from signers.diagnose import (
    diff,
    diff_canonical,
    diff_request,
    explain,
    parse_server_error,
    visible,
)
from tests._verify_support import AT, CREDS_TOKEN

MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details."
)


def test_visible_marks_invisible_characters():
    assert visible("a \tb\r\n\n\u00e9\\x\x01 ") == "a \\tb\\r$\n$\n\\u00e9\\\\x\\x01 $"
    assert visible("plain") == "plain$"
    assert visible("raw \udcff byte") == "raw \\xff byte$"


def test_explain_shows_every_stage():
    artifacts = Artifacts(
        canonical_request="GET\n/\n\nhost:x \n\nhost\nabc",
        string_to_sign="AWS4-HMAC-SHA256\n20240517T120000Z\nscope\nhash",
        signature="f" * 64,
        credential_scope="20240517/us-east-1/svc/aws4_request",
        signed_headers="host",
        payload_hash="abc",
    )
    text = explain(artifacts, scheme="sigv4")
    lines = text.split("\n")
    assert "Scheme: sigv4" in lines
    assert "Credential scope: 20240517/us-east-1/svc/aws4_request" in lines
    assert "  4  host:x $" in lines  # the trailing space shows before the end marker
    assert "  5  $" in lines  # the empty line shows
    assert "  2  20240517T120000Z$" in lines
    assert lines[-1] == "Signature: " + "f" * 64
    signed = signers.get_signer("sigv4-query", region="us-east-1", service="svc").sign(
        Request("GET", "https://h.example/p\u00e9"), CREDS_TOKEN, at=AT
    )
    text = explain(signed)
    assert "Added query parameters:" in text and "X-Amz-Signature=" in text
    assert "URL: https://h.example/p\\u00e9" in text
    with pytest.raises(signers.InvalidRequest):
        explain("not artifacts")


# -- the server's answer -----------------------------------------------------------------------

CREQ = (
    "GET\n/a%2520b\nx=1\nhost:example.amazonaws.com\nx-amz-date:20240517T120000Z\n"
    "x-amz-security-token:tok\nx-foo:bar\n\nhost;x-amz-date;x-amz-security-token;x-foo\n"
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
)
STS = (
    "AWS4-HMAC-SHA256\n20240517T120000Z\n20240517/us-east-1/svc/aws4_request\n"
    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)


def _hex(text):
    return " ".join(f"{b:02x}" for b in text.encode())


def _s3_xml(creq, sts, *, with_bytes=True):
    from xml.sax.saxutils import escape

    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>SignatureDoesNotMatch</Code>',
        f"<Message>{escape(MISMATCH)}</Message><AWSAccessKeyId>AKID</AWSAccessKeyId>",
        f"<StringToSign>{escape(sts)}</StringToSign><SignatureProvided>ab</SignatureProvided>",
    ]
    if with_bytes:
        parts.append(f"<StringToSignBytes>{_hex(sts)}</StringToSignBytes>")
    parts.append(f"<CanonicalRequest>{escape(creq)}</CanonicalRequest>")
    if with_bytes:
        parts.append(f"<CanonicalRequestBytes>{_hex(creq)}</CanonicalRequestBytes>")
    parts.append("<RequestId>R</RequestId><HostId>H</HostId></Error>")
    return "".join(parts)


def _coral_message(creq, sts):
    return (
        f"{MISMATCH}\n\nThe Canonical String for this request should have been\n'{creq}'\n\n"
        f"The String-to-Sign should have been\n'{sts}'\n"
    )


def test_parse_s3_xml_prefers_the_bytes():
    # XML text loses a CR (parsers normalize it); the Bytes element keeps it.
    creq = CREQ.replace("x-foo:bar", "x-foo:b\rar")
    parsed = parse_server_error(_s3_xml(creq, STS))
    assert parsed == (creq, STS, "SignatureDoesNotMatch", MISMATCH)
    parsed = parse_server_error(_s3_xml(CREQ, STS, with_bytes=False))
    assert parsed.canonical_request == CREQ and parsed.string_to_sign == STS


def test_parse_query_xml_with_namespace_and_message():
    from xml.sax.saxutils import escape

    text = (
        '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender'
        "</Type><Code>SignatureDoesNotMatch</Code><Message>"
        + escape(_coral_message(CREQ, STS))
        + "</Message></Error><RequestId>r</RequestId></ErrorResponse>"
    )
    parsed = parse_server_error(text)
    assert parsed.code == "SignatureDoesNotMatch"
    assert parsed.canonical_request == CREQ and parsed.string_to_sign == STS


def test_parse_json_and_bare_message():
    body = json.dumps(
        {
            "__type": "com.amazon.coral.service#InvalidSignatureException",
            "message": _coral_message(CREQ, STS),
        }
    )
    parsed = parse_server_error(body)
    assert parsed.code == "InvalidSignatureException"
    assert (parsed.canonical_request, parsed.string_to_sign) == (CREQ, STS)
    parsed = parse_server_error(_coral_message(CREQ, STS))
    assert parsed.code is None and parsed.canonical_request == CREQ
    # a canonical request that itself holds a quote survives
    quoted = CREQ.replace("x-foo:bar", "x-foo:it's")
    assert parse_server_error(_coral_message(quoted, STS)).canonical_request == quoted


def test_parse_truncated_and_garbage():
    text = _s3_xml(CREQ, STS, with_bytes=False)
    cut = text[: text.index("<RequestId>")]  # the closing tags are lost in the paste
    parsed = parse_server_error(cut)
    assert parsed.canonical_request == CREQ and parsed.code == "SignatureDoesNotMatch"
    parsed = parse_server_error("<<<not xml")
    assert parsed.canonical_request is None and parsed.string_to_sign is None
    assert parse_server_error("{bad json").canonical_request is None
    assert parse_server_error('{"message": 5}') == (None, None, None, None)


# -- causes ------------------------------------------------------------------------------------


def _report(theirs_creq, theirs_sts=STS, code="SignatureDoesNotMatch"):
    return diff(
        Artifacts(canonical_request=CREQ, string_to_sign=STS, signature="x"),
        _s3_xml(theirs_creq, theirs_sts).replace("SignatureDoesNotMatch", code),
    )


def test_scope_region_and_signing_name():
    report = _report(CREQ, STS.replace("us-east-1", "eu-west-1"))
    assert report.cause_names == ["scope"]
    assert "region: we used 'us-east-1', the server expects 'eu-west-1'" in str(report)
    report = _report(CREQ, STS.replace("/svc/", "/autoscaling-plans/"))
    assert "signing name (service): we used 'svc', the server expects 'autoscaling-plans'" in (
        str(report)
    )
    hunk = report.hunks[0]
    assert (hunk.section, hunk.ours_start, hunk.label) == ("string to sign", 3, "credential scope")


def test_double_vs_single_encoded_path():
    report = _report(CREQ.replace("/a%2520b", "/a%20b"))
    assert report.cause_names == ["path-encoding"]
    assert "we double-encoded the path" in str(report)
    (hunk,) = [h for h in report.hunks if h.section == "canonical request"]
    assert (hunk.ours_start, hunk.ours, hunk.theirs, hunk.label) == (
        2,
        ("/a%2520b",),
        ("/a%20b",),
        "canonical URI",
    )
    ours = CREQ.replace("/a%2520b", "/a%20b")
    report = diff_canonical(ours, CREQ)
    assert report.cause_names == ["path-encoding"] and "encodes it twice" in str(report)
    report = diff_canonical(CREQ.replace("/a%2520b", "/a/./b"), CREQ.replace("/a%2520b", "/a/b"))
    assert report.cause_names == ["path-normalization"]


def test_unsigned_or_extra_header_is_named():
    theirs = CREQ.replace("x-foo:bar\n", "").replace(";x-foo", "")
    report = _report(theirs)
    assert report.cause_names == ["signed-headers"]
    assert "we signed x-foo which the server did not count" in str(report)
    report = diff_canonical(theirs, CREQ)
    assert "the server counts x-foo which we did not sign" in str(report)


def test_payload_hash():
    theirs = CREQ.rsplit("\n", 1)[0] + "\nUNSIGNED-PAYLOAD"
    report = _report(theirs)
    assert report.cause_names == ["payload-hash"]
    assert "UNSIGNED-PAYLOAD on one side" in str(report)
    (hunk,) = [h for h in report.hunks if h.section == "canonical request"]
    assert hunk.label == "payload hash" and hunk.ours_start == len(CREQ.split("\n"))


def test_clock_skew():
    report = _report(CREQ.replace("T120000Z", "T120500Z"), STS.replace("T120000Z", "T120500Z"))
    assert report.cause_names == ["clock-skew"]
    report = diff(
        Artifacts(canonical_request=None, string_to_sign=STS, signature="x"),
        _s3_xml(CREQ, STS.replace("T120000Z", "T120500Z")),
    )
    assert report.cause_names == ["clock-skew"]


def test_token_placement():
    theirs = CREQ.replace("x-amz-security-token:tok\n", "").replace(";x-amz-security-token", "")
    report = _report(theirs)
    assert report.cause_names[0] == "session-token" and "signed-headers" in report.cause_names
    ours_query = "GET\n/\nX-Amz-Date=1&X-Amz-Security-Token=t\nhost:h\n\nhost\nUNSIGNED-PAYLOAD"
    theirs_query = ours_query.replace("&X-Amz-Security-Token=t", "")
    report = diff_canonical(ours_query, theirs_query)
    assert report.cause_names == ["session-token"]
    assert "X-Amz-Security-Token is in our canonical query only" in str(report)


def test_method_host_query_and_header_value():
    report = diff_canonical(CREQ, "PUT" + CREQ[3:])
    assert report.cause_names == ["method"]
    report = diff_canonical(CREQ, CREQ.replace("host:example.amazonaws.com", "host:localhost:80"))
    assert report.cause_names == ["host"]
    report = diff_canonical(CREQ, CREQ.replace("\nx=1\n", "\nx=2&y=3\n"))
    assert report.cause_names == ["query"]
    assert "only the server saw y" in str(report) and "values differ for x" in str(report)
    report = diff_canonical(CREQ, CREQ.replace("x-foo:bar", "x-foo:bar baz"))
    assert report.cause_names == ["header-value"]


def test_same_artifacts_means_the_secret_differs():
    report = _report(CREQ)
    assert report.equal and report.cause_names == ["secret"]
    assert str(report).startswith("Server answered: SignatureDoesNotMatch\nNo difference")


def test_no_artifacts_in_answer():
    report = diff(CREQ, '{"__type": "UnrecognizedClientException", "message": "bad token"}')
    assert report.cause_names == ["no-artifacts"] and "UnrecognizedClientException" in str(report)


def test_diff_against_our_own_verifier_answer():
    # End to end: the verifier's SignatureDoesNotMatch artifacts explain a tampered request.
    signer = signers.get_signer("sigv4", region="us-east-1", service="svc")
    signed = signer.sign(
        Request("GET", "https://example.amazonaws.com/a", [("X-Foo", "1")]), CREDS_TOKEN, at=AT
    )
    tampered = signed.request.replace(
        headers=[(n, "2" if n == "X-Foo" else v) for n, v in signed.request.headers]
    )
    with pytest.raises(signers.SignatureDoesNotMatch) as info:
        signer.verify(tampered, CREDS_TOKEN, now=AT)
    server = _s3_xml(info.value.canonical_request, info.value.string_to_sign)
    report = diff(signed, server)
    assert report.cause_names == ["header-value"] and "'x-foo'" in str(report)
    again = diff_request(
        server, signed.request.replace(headers=[("X-Foo", "1")]), signer, CREDS_TOKEN, AT
    )
    assert again.cause_names == ["header-value"]


# -- the legacy schemes (no canonical request: the string to sign is compared) ------------------


def _legacy_mismatch(scheme, signed_request, tampered, creds=CREDS_TOKEN, **options):
    """The verifier's SignatureDoesNotMatch for ``tampered``, as S3's XML answer."""
    signer = signers.get_signer(scheme, **options)
    with pytest.raises(signers.SignatureDoesNotMatch) as info:
        signer.verify(tampered, creds, now=AT)
    assert info.value.canonical_request is None
    return (
        "<Error><Code>SignatureDoesNotMatch</Code><Message>m</Message>"
        f"<StringToSign>{info.value.string_to_sign}</StringToSign></Error>"
    )


def _s3_signed(headers=(), url="https://b.s3.amazonaws.com/k?acl", **options):
    return signers.get_signer("s3-v2", **options).sign(
        Request("PUT", url, list(headers), b"x"), CREDS_TOKEN, at=AT
    )


def _swap(request, name, value):
    return request.replace(
        headers=[(n, value if n.lower() == name else v) for n, v in request.headers]
    )


def test_legacy_s3_lines_are_named():
    signed = _s3_signed([("Content-Type", "text/plain"), ("x-amz-meta-a", "1")])
    answer = _legacy_mismatch("s3-v2", signed, _swap(signed.request, "content-type", "text/html"))
    report = diff(signed, answer)
    assert [(h.ours_start, h.label) for h in report.hunks] == [(3, "Content-Type")]
    assert report.cause_names == ["header-value"]
    answer = _legacy_mismatch("s3-v2", signed, _swap(signed.request, "x-amz-meta-a", "2"))
    report = diff(signed, answer)
    assert [h.label for h in report.hunks] == ["x-amz-* header"]
    assert report.cause_names == ["signed-headers"] and "values differ for x-amz-meta-a" in str(
        report
    )
    answer = _legacy_mismatch(
        "s3-v2", signed, _swap(signed.request, "date", "Fri, 17 May 2024 12:01:00 GMT")
    )
    assert diff(signed, answer).cause_names == ["clock-skew"]
    moved = signed.request.replace(url=signed.request.url.replace("?acl", "?policy"))
    report = diff(signed, _legacy_mismatch("s3-v2", signed, moved))
    assert [h.label for h in report.hunks] == ["canonical resource"]
    assert report.cause_names == ["query"]


def test_legacy_s3_addressing_and_token():
    signed = _s3_signed()
    # the server counts the bucket from the Host, we signed path-style
    path_style = _s3_signed(addressing="path")
    answer = _legacy_mismatch("s3-v2", path_style, path_style.request)
    report = diff(path_style, answer)
    assert report.cause_names == ["host"] and "virtual-hosted vs path-style" in str(report)
    # the server never saw the token header
    dropped = signed.request.replace(
        headers=[h for h in signed.request.headers if h[0] != "x-amz-security-token"]
    )
    answer = _legacy_mismatch(
        "s3-v2", signed, dropped, creds=signers.Credentials(CREDS_TOKEN.access_key, "s")
    )
    assert diff(signed, answer).cause_names == ["session-token"]


def test_legacy_sigv2_lines_are_named():
    signer = signers.get_signer("sigv2")
    request = Request("GET", "https://sqs.us-east-1.amazonaws.com/?Action=ListQueues&Prefix=a")
    signed = signer.sign(request, CREDS_TOKEN, at=AT)

    def answer_for(tampered, creds=CREDS_TOKEN):
        with pytest.raises(signers.SignatureDoesNotMatch) as info:
            signer.verify(tampered, creds, now=AT)
        # the query protocol's message form, as sigbridge serve answers
        return (
            "<ErrorResponse><Error><Code>SignatureDoesNotMatch</Code><Message>m\n\n"
            f"The String-to-Sign should have been\n'{info.value.string_to_sign}'\n"
            "</Message></Error></ErrorResponse>"
        )

    url = signed.request.url
    report = diff(
        signed, answer_for(signed.request.replace(url=url.replace("Prefix=a", "Prefix=b")))
    )
    assert [h.label for h in report.hunks] == ["canonical query string"]
    assert report.cause_names == ["query"] and "values differ for Prefix" in str(report)
    other_host = signed.request.replace(url=url.replace("us-east-1", "eu-west-1"))
    report = diff(signed, answer_for(other_host))
    assert [h.label for h in report.hunks] == ["host"] and report.cause_names == ["host"]
    later = signed.request.replace(url=url.replace("T12%3A00%3A00Z", "T12%3A05%3A00Z"))
    assert diff(signed, answer_for(later)).cause_names == ["clock-skew"]
    wrong_secret = signers.Credentials(CREDS_TOKEN.access_key, "other", CREDS_TOKEN.token)
    report = diff(signed, answer_for(signed.request, wrong_secret))
    assert report.equal and report.cause_names == ["secret"]
