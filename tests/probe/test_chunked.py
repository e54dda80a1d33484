"""The aws-chunked probes, read back by an independent route: the wire bodies the builders make
are parsed here and their chunk signatures recomputed with the streaming tests' step-by-step
reference (hashlib and hmac only), so each accept probe is shown to be a correct upload and each
refuse probe to break exactly the one thing it names."""

from __future__ import annotations

import base64
import zlib
from typing import Dict, List, Optional, Tuple

import pytest

from conformance.probe.catalogue import CATALOGUES, REASONS, for_service, missing
from conformance.probe.catalogue_chunked import CHUNK_SIZE, PROBES, chunked_body
from conformance.probe.context import Context, ProbeConfig
from conformance.probe.model import Sent
from conformance.probe.wire import Endpoint, Redactor
from signers import Credentials
from tests.streaming import _reference as ref

CREDS = Credentials("AKIDCHUNKPROBE", "chunk/probe+secret/0123456789abcdefghij")
URL = "http://127.0.0.1:9000"
Chunk = Tuple[int, Optional[str], bytes]


def _context() -> Context:
    config = ProbeConfig(url=URL, credentials=CREDS, bucket="bucket")
    return Context(config, Endpoint(URL), Redactor([CREDS.secret_key]), "p/run/", "bucket")


def _built(probe_id: str) -> Tuple[Sent, Context]:
    ctx = _context()
    probe = next(p for p in PROBES if p.id == probe_id)
    return probe.build(ctx), ctx


def _parse(wire: bytes) -> Tuple[List[Chunk], List[Tuple[str, str]], bool]:
    """``(chunks, trailers, ended)`` of an aws-chunked body: each chunk's size, signature and
    data (the final 0-byte chunk included); ``ended`` when the body ends after its trailers."""
    chunks: List[Chunk] = []
    at = 0
    while at < len(wire):
        end = wire.index(b"\r\n", at)
        size_text, _, extension = wire[at:end].partition(b";")
        signature = extension.split(b"=", 1)[1].decode() if extension else None
        size = int(size_text, 16)
        data = wire[end + 2 : end + 2 + size]
        chunks.append((size, signature, data))
        at = end + 2 + size + (2 if size else 0)
        if not size:
            break
    trailers = []
    while at < len(wire):
        end = wire.index(b"\r\n", at)
        line = wire[at:end].decode()
        at = end + 2
        if not line:
            return chunks, trailers, at == len(wire)
        name, _, value = line.partition(":")
        trailers.append((name, value))
    return chunks, trailers, False


def _auth(sent: Sent) -> Dict[str, str]:
    headers = {n.lower(): v for n, v in sent.headers}
    value = headers["authorization"].split(" ", 1)[1]
    parts = dict(piece.strip().split("=", 1) for piece in value.split(","))
    return {
        **headers,
        **{"seed": parts["Signature"], "scope": parts["Credential"].split("/", 1)[1]},
    }


def _chain(sent: Sent, chunks: List[Chunk], seed: Optional[str] = None) -> List[bool]:
    """Whether each chunk's signature is the reference's, chained from ``seed`` (default: the
    request's own signature) through the signatures sent."""
    head = _auth(sent)
    date, region, service, _ = head["scope"].split("/")
    sign = ref.hmac_signer(ref.signing_key(CREDS.secret_key, date, region, service))
    prior, found = seed or head["seed"], []
    for _, signature, data in chunks:
        text = ref.chunk_string(prior, data, head["x-amz-date"], head["scope"],
                                "AWS4-HMAC-SHA256-PAYLOAD")  # fmt: skip
        found.append(sign(text) == signature)
        prior = str(signature)
    return found


def _crc32(data: bytes) -> str:
    return base64.b64encode(zlib.crc32(data).to_bytes(4, "big")).decode()


def test_the_catalogue_has_the_chunked_probes_and_they_need_streaming() -> None:
    assert "catalogue_chunked" in CATALOGUES
    ids = {p.id for p in for_service(True)}
    assert {p.id for p in PROBES} <= ids
    assert not {p.id for p in PROBES} & {p.id for p in for_service(False)}
    no_streaming = frozenset({"s3", "bucket"})
    assert all(missing(p, no_streaming) == REASONS["streaming"] for p in PROBES)


@pytest.mark.parametrize(
    "probe_id,mode,checksum",
    [
        ("sigv4/chunked-signed", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", None),
        ("sigv4/chunked-signed-trailer", "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER", "crc32"),
        ("sigv4/chunked-unsigned-trailer", "STREAMING-UNSIGNED-PAYLOAD-TRAILER", "crc32"),
    ],
)
def test_accept_probes_are_uploads_as_s3_describes_them(
    probe_id: str, mode: str, checksum: Optional[str]
) -> None:
    sent, _ = _built(probe_id)
    head = _auth(sent)
    chunks, trailers, ended = _parse(sent.body)
    data = chunked_body()
    assert head["x-amz-content-sha256"] == mode and head["content-encoding"] == "aws-chunked"
    assert head["x-amz-decoded-content-length"] == str(len(data))
    assert head["content-length"] == str(len(sent.body)) and ended
    assert b"".join(c[2] for c in chunks) == data
    assert [c[0] for c in chunks] == [CHUNK_SIZE, CHUNK_SIZE, len(data) - 2 * CHUNK_SIZE, 0]
    if mode.startswith("STREAMING-UNSIGNED"):
        assert all(c[1] is None for c in chunks)
    else:
        assert _chain(sent, chunks) == [True] * 4
    sent_trailers = dict(trailers)
    if checksum is not None:
        assert head["x-amz-trailer"] == f"x-amz-checksum-{checksum}"
        assert sent_trailers[f"x-amz-checksum-{checksum}"] == _crc32(data)
    if mode == "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER":
        date, region, service, _ = head["scope"].split("/")
        key = ref.signing_key(CREDS.secret_key, date, region, service)
        signed = [t for t in trailers if t[0] != "x-amz-trailer-signature"]
        text = ref.trailer_string(str(chunks[-1][1]), signed, head["x-amz-date"], head["scope"],
                                  "AWS4-HMAC-SHA256-TRAILER")  # fmt: skip
        assert ref.hmac_signer(key)(text) == sent_trailers["x-amz-trailer-signature"]
    signed_headers = head["authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert "content-length" not in signed_headers


def test_tamper_chunk_breaks_the_second_chunk_only() -> None:
    sent, _ = _built("sigv4/chunked-tamper-chunk")
    chunks, _, ended = _parse(sent.body)
    assert ended and _chain(sent, chunks) == [True, False, True, True]
    data = b"".join(c[2] for c in chunks)
    original = chunked_body()
    assert len(data) == len(original)
    assert [i for i in range(len(data)) if data[i] != original[i]] == [2 * CHUNK_SIZE - 40 + 2]


def test_wrong_checksum_sends_another_crc32() -> None:
    sent, _ = _built("sigv4/chunked-wrong-checksum")
    chunks, trailers, ended = _parse(sent.body)
    assert ended and b"".join(c[2] for c in chunks) == chunked_body()
    assert (
        dict(trailers)["x-amz-checksum-crc32"] == _crc32(b"not the data") != _crc32(chunked_body())
    )


def test_missing_final_chunk_ends_after_the_data() -> None:
    sent, _ = _built("sigv4/chunked-missing-final-chunk")
    chunks, trailers, ended = _parse(sent.body)
    assert [c[0] for c in chunks] == [CHUNK_SIZE, CHUNK_SIZE, len(chunked_body()) - 2 * CHUNK_SIZE]
    assert not ended and trailers == [] and _chain(sent, chunks) == [True, True, True]
    assert _auth(sent)["content-length"] == str(len(sent.body))


def test_wrong_chain_is_valid_only_from_another_seed() -> None:
    sent, _ = _built("sigv4/chunked-wrong-chain")
    chunks, _, ended = _parse(sent.body)
    assert ended and b"".join(c[2] for c in chunks) == chunked_body()
    found = _chain(sent, chunks)
    assert found[0] is False and found[1:] == [True, True, True]  # (a chain of its own)


def test_every_signature_made_is_redacted() -> None:
    for probe in PROBES:
        sent, ctx = _built(probe.id)
        chunks, trailers, _ = _parse(sent.body)
        shown = ctx.redactor(sent.body.decode() + repr(sent.headers))
        for _, signature, _ in chunks:
            assert signature is None or signature not in shown
        assert _auth(sent)["seed"] not in shown
        for name, value in trailers:
            if name == "x-amz-trailer-signature":
                assert value not in shown
