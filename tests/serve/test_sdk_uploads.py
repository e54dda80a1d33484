"""boto3's uploads through ``sigbridge serve --upstream`` to moto's server, read back from moto.

``upload_file`` over the multipart threshold (CreateMultipartUpload, UploadPart with a CRC32 of
each part, CompleteMultipartUpload with the parts' checksums) and ``put_object`` with botocore's
default checksum go through serve, which verifies each request and signs it again for moto; the
object read from moto directly must be the bytes sent.
"""

from __future__ import annotations

import os
import urllib.request
from pathlib import Path
from typing import Any, Tuple

import pytest

from signers import Credentials
from signers.credentials import StaticProvider
from signers.serve import UpstreamSigning
from tests._support import AK, SECRET
from tests.serve.support import CHAIN_KEY, CHAIN_SECRET, TIMEOUT, botocore_client, running

pytest.importorskip("moto.server")
boto3 = pytest.importorskip("boto3")
from boto3.s3.transfer import TransferConfig  # noqa: E402
from botocore.config import Config  # noqa: E402

from tests.serve.support import moto_server  # noqa: E402

pytestmark = pytest.mark.slow
MIB = 1024 * 1024


def _client(endpoint: str) -> object:
    config = Config(
        s3={"addressing_style": "path"},
        retries={"max_attempts": 1},
        connect_timeout=TIMEOUT,
        read_timeout=TIMEOUT * 3,
    )
    return boto3.session.Session().client(
        "s3",
        region_name="us-east-1",
        endpoint_url=endpoint,
        aws_access_key_id=AK,
        aws_secret_access_key=SECRET,
        config=config,
    )


def _read_back(client: Any, bucket: str, key: str) -> Tuple[bytes, str]:
    # Straight from moto with a presigned GET, not through the SDK: botocore 1.36+ checks the
    # object's full checksum as moto reports it, and some moto releases report a wrong one for a
    # multipart upload (moto's answer, not what serve forwarded: the bytes are compared here).
    url = client.generate_presigned_url(
        "get_object", Params={"Bucket": bucket, "Key": key}, ExpiresIn=300
    )
    with urllib.request.urlopen(url, timeout=TIMEOUT) as answer:
        return answer.read(), answer.headers["ETag"]


def test_upload_file_multipart_with_crc32_and_put_object_reach_moto(tmp_path: Path) -> None:
    data = os.urandom(11 * MIB + 12345)  # three parts of 5 MiB, the last short
    source = tmp_path / "big.bin"
    source.write_bytes(data)
    signing = UpstreamSigning(StaticProvider(Credentials(CHAIN_KEY, CHAIN_SECRET)))
    with moto_server() as moto, running(upstream=moto, upstream_signing=signing) as (server, logs):
        direct = botocore_client("s3", moto, key=CHAIN_KEY, secret=CHAIN_SECRET)
        direct.create_bucket(Bucket="uploads")
        s3 = _client(server.url)
        parts = []

        def capture(request: object, **kwargs: object) -> None:
            parts.append({k.lower() for k in request.headers})  # type: ignore[attr-defined]

        s3.meta.events.register("before-send.s3.UploadPart", capture)  # type: ignore[attr-defined]
        transfer = TransferConfig(multipart_threshold=5 * MIB, multipart_chunksize=5 * MIB)
        s3.upload_file(  # type: ignore[attr-defined]
            str(source),
            "uploads",
            "dir/big.bin",
            ExtraArgs={"ChecksumAlgorithm": "CRC32"},
            Config=transfer,
        )
        stored, etag = _read_back(direct, "uploads", "dir/big.bin")
        assert stored == data
        assert etag.endswith('-3"')  # moto assembled the three parts
        assert len(parts) == 3 and all("x-amz-checksum-crc32" in part for part in parts)
        small = os.urandom(100_000)
        s3.put_object(Bucket="uploads", Key="small.bin", Body=small)  # type: ignore[attr-defined]
        assert _read_back(direct, "uploads", "small.bin")[0] == small
    operations = [line.rsplit(" ", 3)[1:] for line in logs]
    assert operations.count(["200", "upstream", "sigv4"]) == len(logs)  # every call verified
    assert len(logs) == 1 + 3 + 1 + 1  # create, three parts, complete, put
