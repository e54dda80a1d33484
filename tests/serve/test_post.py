"""Browser POST uploads through ``sigbridge serve``: forms from ``signers.presign_post`` and from
botocore's ``generate_presigned_post`` (an independent client), encoded by ``requests`` as a
browser would (``files=``), sent to serve on 127.0.0.1; accepted as S3 accepts them, refused with
S3's codes, and with ``upstream`` stored in moto as a PutObject whose bytes are read back."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import xml.etree.ElementTree as ET
from typing import Any, Dict, Optional
from urllib.parse import parse_qsl, urlsplit

import pytest

from signers import Credentials
from signers.credentials import StaticProvider
from signers.post_policy import presign_post
from signers.serve import UpstreamSigning
from tests._support import AK, SECRET, TOKEN
from tests.serve.support import (
    AK2,
    CHAIN_KEY,
    CHAIN_SECRET,
    TIMEOUT,
    account_of,
    botocore_client,
    running,
)

requests = pytest.importorskip("requests")

pytestmark = pytest.mark.slow

REGION = "us-east-1"
CREDS = Credentials(AK, SECRET)


def _post(url: str, fields: Dict[str, str], data: bytes, filename: str = "photo.jpg") -> Any:
    files = {"file": (filename, data, "image/jpeg")}
    return requests.post(url, data=fields, files=files, timeout=TIMEOUT, allow_redirects=False)


def _form(url: str, credentials: Credentials = CREDS, **kw: Any) -> Dict[str, str]:
    kw.setdefault("key", "uploads/${filename}")
    kw.setdefault("region", REGION if kw.get("version", 4) == 4 else None)
    return dict(presign_post(url, credentials, **kw).fields)


def _code(answer: Any) -> Optional[str]:
    return ET.fromstring(answer.content).findtext("Code")


@pytest.mark.parametrize("version", [4, 2])
def test_a_presigned_post_is_accepted_as_s3_accepts_it(version: int) -> None:
    data = os.urandom(70_000)
    with running(region=REGION) as (server, logs):
        fields = _form(server.url + "/photos", version=version)
        answer = _post(server.url + "/photos", fields, data)
        assert answer.status_code == 204 and answer.content == b""
        assert answer.headers["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()
        assert answer.headers["Location"] == server.url + "/photos/uploads/photo.jpg"
        account = account_of(answer.headers)
        assert account["scheme"] == f"post-v{version}" and account["access_key"] == AK
        assert (account["bucket"], account["key"]) == ("photos", "uploads/photo.jpg")
    assert logs == [f"POST '/photos' 204 OK post-v{version}"]


def test_session_credentials_and_success_action_fields() -> None:
    session = Credentials(AK2, SECRET, TOKEN)
    with running(region=REGION) as (server, _):
        url = server.url + "/b"
        conditions = [{"success_action_status": "201"}]
        fields = _form(url, session, key="k.txt", fields=conditions[0], conditions=conditions)
        answer = _post(url, fields, b"created")
        assert answer.status_code == 201
        root = ET.fromstring(answer.content)
        assert root.tag == "PostResponse"
        assert [(c.tag, c.text) for c in root][1:3] == [("Bucket", "b"), ("Key", "k.txt")]
        assert root.findtext("ETag") == '"%s"' % hashlib.md5(b"created").hexdigest()
        redirect = "https://example.com/done?from=form"
        extra = {"success_action_redirect": redirect}
        fields = _form(url, key="r.txt", fields=extra, conditions=[extra])
        answer = _post(url, fields, b"moved")
        assert answer.status_code == 303
        where = urlsplit(answer.headers["Location"])
        assert where.netloc == "example.com" and where.path == "/done"
        query = dict(parse_qsl(where.query))
        assert query["from"] == "form" and (query["bucket"], query["key"]) == ("b", "r.txt")
        assert query["etag"] == '"%s"' % hashlib.md5(b"moved").hexdigest()


def test_botocore_generate_presigned_post_is_accepted() -> None:
    with running(region=REGION) as (server, _):
        s3 = botocore_client("s3", server.url, s3={"addressing_style": "path"})
        post = s3.generate_presigned_post(
            Bucket="shared",
            Key="docs/${filename}",
            Fields={"Content-Type": "text/plain", "x-amz-meta-owner": "ana"},
            Conditions=[
                {"Content-Type": "text/plain"},
                {"x-amz-meta-owner": "ana"},
                ["content-length-range", 1, 1024],
            ],
            ExpiresIn=600,
        )
        answer = _post(post["url"], post["fields"], b"notes", filename="a.txt")
        assert answer.status_code == 204, answer.text
        assert account_of(answer.headers)["key"] == "docs/a.txt"
        too_big = _post(post["url"], post["fields"], b"x" * 1025)
        assert too_big.status_code == 400 and _code(too_big) == "EntityTooLarge"


def test_refusals_carry_s3s_codes() -> None:
    past = dt.datetime.now(dt.timezone.utc) - dt.timedelta(hours=2)
    with running(region=REGION) as (server, logs):
        url = server.url + "/b"
        fields = _form(url, key="fixed.txt", conditions=[["content-length-range", 1, 10]])
        cases = {
            "tampered key": ({**fields, "key": "other.txt"}, b"data", 403, "AccessDenied"),
            "uncovered field": ({**fields, "acl": "public-read"}, b"data", 403, "AccessDenied"),
            "too large": (fields, b"x" * 11, 400, "EntityTooLarge"),
            "too small": (fields, b"", 400, "EntityTooSmall"),
            "expired": (_form(url, at=past, expires=60), b"d", 403, "AccessDenied"),
            "wrong key": (_form(url, Credentials(AK, "wrong")), b"d", 403, "SignatureDoesNotMatch"),
            "unknown key": (
                _form(url, Credentials("AKIDNOBODY", SECRET)),
                b"d",
                403,
                "InvalidAccessKeyId",
            ),
            "policy changed": (
                {**fields, "policy": _form(url, key="x")["policy"]},
                b"data",
                403,
                "SignatureDoesNotMatch",
            ),
            "anonymous": ({"key": "anon.txt"}, b"d", 403, "AccessDenied"),
        }
        for name, (form, data, status, code) in cases.items():
            answer = _post(url, form, data)
            assert (answer.status_code, _code(answer)) == (status, code), name
        expired = _post(url, cases["expired"][0], b"d")
        assert b"Policy expired" in expired.content
        # not a form at all, and a form without a file: S3's answers to both
        plain = requests.post(url, data=b"x", headers={"Content-Type": "multipart/form-data"})
        assert plain.status_code == 400 and _code(plain) == "MalformedPOSTRequest"
        no_file = requests.post(url, files={"key": (None, "k")}, timeout=TIMEOUT)
        assert no_file.status_code == 400 and _code(no_file) == "InvalidArgument"
    assert SECRET not in "".join(logs)


def test_schemes_and_max_upload_bound_post_uploads() -> None:
    with running(region=REGION, schemes=["sigv4"], max_body=500, max_upload=1000) as (server, _):
        url = server.url + "/b"
        assert _post(url, _form(url), b"v4").status_code == 204
        v2 = _post(url, _form(url, version=2), b"v2")
        assert v2.status_code == 400 and _code(v2) == "InvalidRequest"
        big = _post(url, _form(url), b"x" * 1001)
        assert big.status_code == 400 and _code(big) == "EntityTooLarge"
        huge = _post(url, _form(url), b"x" * 200_000)  # refused on its Content-Length
        assert huge.status_code == 400 and _code(huge) == "EntityTooLarge"


# -- forwarded to moto ---------------------------------------------------------------------------


def _signing() -> UpstreamSigning:
    return UpstreamSigning(StaticProvider(Credentials(CHAIN_KEY, CHAIN_SECRET)))


@pytest.mark.parametrize("signed", [True, False])
def test_post_uploads_reach_moto_as_put_object(signed: bool) -> None:
    pytest.importorskip("moto.server")
    from tests.serve.support import moto_server

    small, large = os.urandom(5000), os.urandom(700_000)
    signing = _signing() if signed else None
    with moto_server() as moto, running(
        region=REGION, upstream=moto, upstream_signing=signing, max_body=256 * 1024
    ) as (server, logs):
        direct = botocore_client("s3", moto, key=CHAIN_KEY, secret=CHAIN_SECRET)
        direct.create_bucket(Bucket="inbox", ACL="public-read-write")
        url = server.url + "/inbox"
        extra = {"Content-Type": "application/x-test", "x-amz-meta-owner": "ana"}
        form = _form(url, fields=extra, conditions=[{k: v} for k, v in extra.items()])
        for data, name in ((small, "small.bin"), (large, "large.bin")):
            answer = _post(url, form, data, filename=name)
            assert answer.status_code == 204, answer.text
            assert answer.headers["ETag"] == '"%s"' % hashlib.md5(data).hexdigest()  # moto's
            stored = direct.get_object(Bucket="inbox", Key="uploads/" + name)
            assert stored["Body"].read() == data
            assert stored["ContentType"] == "application/x-test"
            assert stored["Metadata"] == {"owner": "ana"}
        refused = _post(url, {**form, "key": "elsewhere/intruder"}, b"x")
        assert refused.status_code == 403
        listed = direct.list_objects_v2(Bucket="inbox")["Contents"]
        assert sorted(item["Key"] for item in listed) == ["uploads/large.bin", "uploads/small.bin"]
    assert logs.count("POST '/inbox' 204 upstream post-v4") == 2


def test_a_virtual_hosted_post_upload() -> None:
    # The bucket in the Host name (here an S3-style host sent to the loopback address).
    with running(region=REGION) as (server, _):
        host = "photos.s3.example.test"
        fields = _form(f"http://{host}/", key="v.txt", bucket="photos")
        answer = requests.post(
            server.url + "/",
            data=fields,
            files={"file": ("v.txt", b"virtual")},
            headers={"Host": host},
            timeout=TIMEOUT,
        )
        assert answer.status_code == 204, answer.text
        assert answer.headers["Location"] == f"http://{host}/v.txt"
        assert account_of(answer.headers)["bucket"] == "photos"
        other = _form(f"http://{host}/", key="v.txt", bucket="videos")
        wrong = requests.post(
            server.url + "/", data=other, files={"file": ("v.txt", b"x")},
            headers={"Host": host}, timeout=TIMEOUT,
        )  # fmt: skip
        assert wrong.status_code == 403 and _code(wrong) == "AccessDenied"
