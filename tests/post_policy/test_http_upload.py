"""A real browser-style upload: requests encodes the form, a local HTTP server verifies it.

The server (http.server on 127.0.0.1, an ephemeral port, stopped by the test) reads the body as
sent on the wire, builds a signers.Request and calls verify_post_request; its answer is S3's
(204 on success, else the error's status and code), so the client's own multipart encoding is
what is proven to verify.
"""

from __future__ import annotations

import datetime as dt
import http.server
import json
import threading
from typing import Any, Dict, Iterator, Tuple

import pytest

requests = pytest.importorskip("requests")

import signers  # noqa: E402
from signers.errors import VerificationError  # noqa: E402
from signers.post_policy import presign_post, verify_post_request  # noqa: E402

from ._reference import AK, SECRET, TOKEN, UTC  # noqa: E402

TIMEOUT = 10
NOW = dt.datetime.now(UTC).replace(microsecond=0)
LOOKUP = {
    AK: signers.Credentials(AK, SECRET),
    "ASIATOKEN": signers.Credentials("ASIATOKEN", SECRET, TOKEN),
}


class _Handler(http.server.BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        host = self.headers.get("Host", "")
        # The bucket is the first path segment (path-style, as for a custom endpoint).
        request = signers.Request(
            "POST", f"http://{host}{self.path}", headers=list(self.headers.items()), body=body
        )
        try:
            verified = verify_post_request(request, LOOKUP, now=NOW, region="eu-west-1")
        except VerificationError as exc:
            answer: Dict[str, Any] = {"code": exc.code, "message": str(exc)}
            status = exc.http_status
        else:
            assert verified.file is not None
            answer = {
                "key": verified.key,
                "bucket": verified.bucket,
                "scheme": verified.scheme,
                "content": verified.file.read().decode("latin-1"),
                "content_type": verified.file.content_type,
            }
            status = 200
        payload = json.dumps(answer).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.timeout = TIMEOUT
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(TIMEOUT)


def _post(
    url: str, fields: Dict[str, str], file: Tuple[str, bytes, str]
) -> Tuple[int, Dict[str, Any]]:
    response = requests.post(url, data=fields, files={"file": file}, timeout=TIMEOUT)
    return response.status_code, response.json()


def _presign(base: str, **options: Any) -> signers.PresignedPost:
    access = options.pop("access_key", AK)
    token = TOKEN if access == "ASIATOKEN" else None
    return presign_post(
        base + "/uploads-bucket",
        signers.Credentials(access, SECRET, token),
        at=NOW,
        region="eu-west-1",
        **options,
    )


@pytest.mark.slow
@pytest.mark.parametrize("version", [4, 2])
@pytest.mark.parametrize("access_key", [AK, "ASIATOKEN"])
def test_requests_upload_verifies(server: str, version: int, access_key: str) -> None:
    post = presign_post(
        server + "/uploads-bucket",
        signers.Credentials(access_key, SECRET, TOKEN if access_key == "ASIATOKEN" else None),
        key="user/ü/${filename}",
        fields={"Content-Type": "image/png", "x-amz-meta-note": 'a "quoted" é'},
        conditions=[
            ["starts-with", "$Content-Type", "image/"],
            {"x-amz-meta-note": 'a "quoted" é'},
            ["content-length-range", 1, 1000],
        ],
        at=NOW,
        version=version,
        region="eu-west-1" if version == 4 else None,
    )
    content = bytes(range(256)) + b"\r\n--boundary-lookalike\r\n"
    status, answer = _post(post.url, post.fields, ("C:\\photos\\cat é.png", content, "image/png"))
    assert status == 200, answer
    assert answer["key"] == "user/ü/cat é.png"
    assert answer["bucket"] == "uploads-bucket"
    assert answer["scheme"] == f"post-v{version}"
    assert answer["content"].encode("latin-1") == content


@pytest.mark.slow
def test_requests_upload_refusals(server: str) -> None:
    post = _presign(server, key="fixed.txt", conditions=[["content-length-range", 1, 5]])
    # too large
    status, answer = _post(post.url, post.fields, ("a.txt", b"123456", "text/plain"))
    assert (status, answer["code"]) == (400, "EntityTooLarge")
    # an extra field the policy does not name
    status, answer = _post(post.url, {**post.fields, "acl": "public-read"}, ("a.txt", b"1", "x"))
    assert (status, answer["code"]) == (403, "AccessDenied")
    assert answer["message"] == "Invalid according to Policy: Extra input fields: acl"
    # another key
    status, answer = _post(post.url, {**post.fields, "key": "other.txt"}, ("a.txt", b"1", "x"))
    assert answer["message"].endswith('["eq", "$key", "fixed.txt"]')
    # another bucket (the URL's)
    status, answer = _post(server + "/other-bucket", post.fields, ("a.txt", b"1", "x"))
    assert (status, answer["code"]) == (403, "AccessDenied")
    # not a form at all
    response = requests.post(post.url, data=post.fields, timeout=TIMEOUT)
    assert (response.status_code, response.json()["code"]) == (412, "PreconditionFailed")


@pytest.mark.slow
def test_no_file_name(server: str) -> None:
    """A file part without a filename: ${filename} stays as it is (S3 kept it literally)."""
    post = _presign(server, key="k/${filename}")
    status, answer = _post(post.url, post.fields, (None, b"x", "text/plain"))  # type: ignore[arg-type]
    assert status == 200, answer
    assert answer["key"] == "k/${filename}"
