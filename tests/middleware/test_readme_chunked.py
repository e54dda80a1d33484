"""The README's "aws-chunked uploads in your HTTP stack" examples run as written: the server under
wsgiref, the httpx client against it, the upload stored as the client streamed it."""

from __future__ import annotations

from typing import Any, Dict

import pytest

from tests._support import python_blocks, readme_section
from tests.middleware.support import wsgiref_server

pytestmark = pytest.mark.slow


def test_the_server_and_client_examples_run() -> None:
    pytest.importorskip("httpx")
    server, client = python_blocks(readme_section("## aws-chunked uploads in your HTTP stack"))
    namespace: Dict[str, Any] = {}
    exec(server, namespace)
    with wsgiref_server(namespace["app"]) as endpoint:
        namespace["endpoint"] = endpoint
        exec(client, namespace)
    response = namespace["response"]
    assert response.status_code == 200
    assert response.request.headers["x-amz-content-sha256"] == "STREAMING-UNSIGNED-PAYLOAD-TRAILER"
    assert response.request.headers["x-amz-trailer"] == "x-amz-checksum-crc32"
    assert namespace["stored"] == {"/bucket/big.bin": b"x" * 200_000}
