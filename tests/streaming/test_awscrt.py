"""awscrt (aws-c-auth, AWS's own signer) as a test-time oracle for the seed of an aws-chunked
request: it signs the same head with the same STREAMING-* declaration; SigV4's signature must be
ours byte for byte, SigV4A's (randomized) must verify with sigbridge's verifier, and a chain of
sigbridge's chunks built on awscrt's seed must read back.

awscrt's Python binding signs whole requests only (``AwsSignatureType``: headers or query
parameters); aws-c-auth's chunk and trailer signing (``AWS_ST_HTTP_REQUEST_CHUNK``,
``..._TRAILING_HEADERS``) is not exposed to Python, so the chain is held against aws-c-auth's
published values instead (``vectors/v4-chunked``, ``vectors/v4a-chunked``).
"""

from __future__ import annotations

from typing import Any, List, Tuple

import pytest

import signers
from signers import UNSIGNED_PAYLOAD, Request
from signers.streaming import declaration

from ._support import AT, CREDS, KEYS, MODES, URL, payload, read_all, signer

auth: Any = pytest.importorskip("awscrt.auth")
http: Any = pytest.importorskip("awscrt.http")

_ADDED = ("x-amz-date", "authorization", "x-amz-content-sha256", "x-amz-region-set")


def _crt_sign(headers: List[Tuple[str, str]], declared: str, ecdsa: bool) -> Any:
    provider = auth.AwsCredentialsProvider.new_static(CREDS.access_key, CREDS.secret_key)
    config = auth.AwsSigningConfig(
        algorithm=auth.AwsSigningAlgorithm.V4_ASYMMETRIC if ecdsa else auth.AwsSigningAlgorithm.V4,
        signature_type=auth.AwsSignatureType.HTTP_REQUEST_HEADERS,
        credentials_provider=provider,
        region="us-east-1",
        service="s3",
        date=AT,
        use_double_uri_encode=False,
        should_normalize_uri_path=False,
        signed_body_value=declared,
        signed_body_header_type=auth.AwsSignedBodyHeaderType.X_AMZ_CONTENT_SHA_256,
    )
    request = http.HttpRequest(
        "PUT",
        "/examplebucket/chunkObject.txt",
        http.HttpHeaders([("Host", "s3.amazonaws.com"), *headers]),
    )
    return auth.aws_sign_request(request, config).result()


def _head(stream: Any) -> List[Tuple[str, str]]:
    return [(n, v) for n, v in stream.request.headers if n.lower() not in _ADDED]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [0, 70_000])
def test_awscrt_signs_our_seed_alike(mode: str, size: int) -> None:
    stream = signer().sign_stream(
        Request("PUT", URL, {"x-amz-storage-class": "STANDARD"}), CREDS, payload(size), AT,
        mode=mode, checksum=None if mode == "signed" else "CRC32C",
    )  # fmt: skip
    signed = _crt_sign(_head(stream), stream.declaration, ecdsa=False)
    theirs = str(signed.headers.get("Authorization"))
    assert theirs == stream.request.header("authorization")


@pytest.mark.parametrize("mode", MODES)
def test_awscrt_sigv4a_seed_verifies_and_carries_our_chain(mode: str) -> None:
    pytest.importorskip("cryptography")
    data = payload(70_000)
    ours = signer(ecdsa=True).sign_stream(
        Request("PUT", URL), CREDS, data, AT, mode=mode, checksum="SHA256"
    )
    signed = _crt_sign(_head(ours), declaration(mode, ecdsa=True), ecdsa=True)
    headers = [(str(n), str(v)) for n, v in signed.headers]
    seed_request = Request("PUT", URL, headers, UNSIGNED_PAYLOAD)
    result = signers.verify(seed_request, KEYS, now=AT)
    assert result.scheme == "sigv4a" and result.payload_checked is False
    # Our chunks chained on awscrt's seed: the whole body verifies.
    seed = str(signed.headers.get("Authorization")).rsplit("Signature=", 1)[1]
    chain = signer(ecdsa=True).chunk_signer(CREDS, seed_signature=seed, at=AT)
    wire = b""
    for part in ours.parts():  # (same chunk boundaries and trailers; the signatures redone)
        if part.signature is None:
            wire += part.wire
            continue
        if part.kind == "trailer":
            new = chain.sign_trailer(ours.trailers).signature
        else:
            new = chain.sign_chunk(_data_of(part)).signature
        wire += part.wire.replace(part.signature.encode(), new.encode(), 1)
    got, error = read_all(signers.verify(seed_request.replace(body=wire), KEYS, now=AT).payload)
    assert error is None and got == data


def _data_of(part: Any) -> bytes:
    """A chunk's data, from its wire bytes (after the header line)."""
    return part.wire.partition(b"\r\n")[2][: part.size]


def test_awscrt_python_exposes_no_chunk_signing() -> None:
    names = {t.name for t in auth.AwsSignatureType}
    assert names == {"HTTP_REQUEST_HEADERS", "HTTP_REQUEST_QUERY_PARAMS"}, (
        "awscrt now exposes more signature types: compare its chunk signatures with ours here"
    )
