"""The proxy in front of s3rver (an S3 emulator in Node.js that checks SigV4 signatures itself):
installed with npm into a temporary folder; skipped, with the reason, where node, npm or the
registry is not available."""

from __future__ import annotations

import contextlib
import hashlib
import os
import queue
import shutil
import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Iterator

import pytest

from tests.proxy.support import LEGACY_KEY, LEGACY_SECRET, proxying
from tests.serve.support import botocore_client

pytestmark = pytest.mark.slow

PATH = {"addressing_style": "path"}
S3RVER_KEY = "S3RVER"  # s3rver's built-in account (key and secret)


@pytest.fixture(scope="module")
def s3rver_binary(tmp_path_factory: pytest.TempPathFactory) -> Path:
    npm = shutil.which("npm")
    if shutil.which("node") is None or npm is None:
        pytest.skip("node or npm is not installed")
    folder = tmp_path_factory.mktemp("s3rver")
    try:
        subprocess.run(
            [
                npm,
                "install",
                "--no-audit",
                "--no-fund",
                "--silent",
                "--prefix",
                str(folder),
                "s3rver@3",
            ],
            check=True,
            capture_output=True,
            timeout=300,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        pytest.skip(f"s3rver could not be installed with npm ({type(exc).__name__})")
    binary = folder / "node_modules" / ".bin" / "s3rver"
    if not binary.exists():
        pytest.skip("npm installed s3rver without its command")
    return binary


@contextlib.contextmanager
def s3rver(binary: Path, data: Path) -> Iterator[str]:
    process = subprocess.Popen(
        [str(binary), "-d", str(data), "-a", "127.0.0.1", "-p", "0", "--no-vhost-buckets"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(
        target=lambda: [lines.put(line) for line in process.stdout or ()], daemon=True
    ).start()
    try:
        while True:
            line = lines.get(timeout=30)
            if "listening on" in line:
                address = line.strip().rpartition(" ")[2]
                break
        yield f"http://{address}"
    finally:
        process.terminate()
        process.wait(10)


def test_legacy_client_through_the_proxy_to_s3rver(s3rver_binary, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3RVER_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3RVER_KEY)
    # s3rver 3.7 stores an aws-chunked body as sent (framing and all): large uploads go to it
    # as UNSIGNED-PAYLOAD.
    with s3rver(s3rver_binary, tmp_path) as upstream, proxying(upstream, streamed="unsigned") as (
        proxy,
        logs,
    ):
        s3 = botocore_client(
            "s3", proxy.url, signature_version="s3", s3=PATH, key=LEGACY_KEY, secret=LEGACY_SECRET
        )
        s3.create_bucket(Bucket="legacy")
        s3.put_object(Bucket="legacy", Key="a b.txt", Body=b"hello")
        assert s3.get_object(Bucket="legacy", Key="a b.txt")["Body"].read() == b"hello"
        assert [o["Key"] for o in s3.list_objects(Bucket="legacy")["Contents"]] == ["a b.txt"]
        body = os.urandom(20 * 1024 * 1024)
        s3.put_object(Bucket="legacy", Key="big", Body=body)
        got = s3.get_object(Bucket="legacy", Key="big")["Body"].read()
        assert hashlib.sha256(got).digest() == hashlib.sha256(body).digest()
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "legacy", "Key": "a b.txt"}, ExpiresIn=300
        )
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == b"hello"
    assert all("upstream s3-v2" in line for line in logs if "upstream" in line)


def test_s3rver_errors_pass_through(s3rver_binary, tmp_path, monkeypatch):
    # s3rver's own answers (errors included) come back unchanged.  (s3rver 3.7 does not refuse
    # a SigV4 signature made with a wrong secret: the strict check in the other tests' chain is
    # serve's.)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", S3RVER_KEY)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", S3RVER_KEY)
    with s3rver(s3rver_binary, tmp_path) as upstream, proxying(upstream) as (proxy, _):
        s3 = botocore_client(
            "s3", proxy.url, signature_version="s3", s3=PATH, key=LEGACY_KEY, secret=LEGACY_SECRET
        )
        from botocore.exceptions import ClientError

        with pytest.raises(ClientError) as info:
            s3.get_object(Bucket="missing-bucket", Key="k")
        assert info.value.response["Error"]["Code"] == "NoSuchBucket"
        assert info.value.response["ResponseMetadata"]["HTTPStatusCode"] == 404
        assert info.value.response["ResponseMetadata"]["HTTPHeaders"]["x-sigbridge-verified"]
