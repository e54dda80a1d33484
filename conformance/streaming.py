"""aws-chunked cases: the seed request, then each chunk's and the trailer's stages, in order.

A case whose context has ``aws_chunked`` (see ``vectors/README.md``) is signed one of two ways:

* ``"seed": "sign_stream"`` (the default): ``signer.sign_stream(request, credentials, payload,
  at, mode=..., chunk_size=..., checksum=..., trailers=...)``, which builds the seed's headers
  (and its Content-Length) itself; the parts of the body it makes are checked as they come;
* ``"seed": "sign"``: the request is signed as given with ``signer.sign`` (aws-c-auth's tests fix
  the seed's headers themselves), then ``signer.chunk_signer(credentials, seed_signature=...,
  at=...)`` signs the payload's chunks, the final chunk and (``signed-trailer``) the trailers.

The seed's stages are the runner's usual ones; then for chunk *n* (the final 0-byte chunk
included) ``chunk-n-string-to-sign`` and ``chunk-n-signature``, then ``trailer-string-to-sign``,
``trailer-signature``, ``trailers`` (the trailer lines sent), ``wire-length`` and ``wire-sha256``.
For a randomized (SigV4A) signer a string to sign may hold ``${previous-signature}``, replaced by
the signer's own previous signature, and every chunk and trailer signature is verified with the
case's public key (after checking its ``*`` padding to 144 characters) instead of compared.
"""

from __future__ import annotations

import hashlib
from typing import Any, Callable, Iterator, List, Mapping, NamedTuple, Optional, Tuple

from signers import SignedRequest

from .diff import text_diff
from .vectors import Vector

__all__ = ["Part", "sign_case", "check_chain", "payload_of"]

Verdict = Tuple[Optional[str], str, str]
Randomized = Optional[Tuple[Callable[..., bool], Tuple[str, str]]]
_PLACEHOLDER = "${previous-signature}"
_PADDED_LENGTH = 144


class Part(NamedTuple):
    """One signed part of the body: ``chunk``, ``final`` or ``trailer``; ``wire`` when known."""

    kind: str
    string_to_sign: Optional[str]
    signature: Optional[str]
    wire: Optional[bytes]


def payload_of(spec: Mapping[str, Any]) -> bytes:
    """The payload a case describes: ``{"fill": "a", "size": 66560}`` or ``{"text": ...}``."""
    if "text" in spec:
        return str(spec["text"]).encode("utf-8")
    return str(spec["fill"]).encode("latin-1") * int(spec["size"])


def sign_case(signer: Any, vector: Vector) -> Tuple[SignedRequest, Iterator[Part], Any]:
    """``(seed, parts, stream)`` of an aws-chunked case (``stream``: the SignedStream, if any)."""
    spec = vector.stream or {}
    payload = payload_of(spec["payload"])
    trailers = [(name, value) for name, value in spec.get("trailers", [])]
    if spec.get("seed", "sign_stream") == "sign_stream":
        stream = signer.sign_stream(
            vector.request,
            vector.credentials,
            payload,
            vector.time,
            mode=spec["mode"],
            chunk_size=spec["chunk_size"],
            checksum=spec.get("checksum"),
            trailers=trailers,
        )
        parts = (Part(p.kind, p.string_to_sign, p.signature, p.wire) for p in stream.parts())
        return stream.signed, parts, stream
    signed = signer.sign(vector.request, vector.credentials, at=vector.time)
    chained = _chained(signer, vector, signed, payload, spec["chunk_size"], spec, trailers)
    return signed, chained, None


def _chained(
    signer: Any,
    vector: Vector,
    signed: SignedRequest,
    payload: bytes,
    chunk_size: int,
    spec: Mapping[str, Any],
    trailers: List[Tuple[str, str]],
) -> Iterator[Part]:
    chain = signer.chunk_signer(
        vector.credentials, seed_signature=signed.artifacts.signature, at=vector.time
    )
    for start in range(0, len(payload), chunk_size):
        sts, signature = chain.sign_chunk(payload[start : start + chunk_size])
        yield Part("chunk", sts, signature, None)
    sts, signature = chain.sign_chunk(b"")
    yield Part("final", sts, signature, None)
    if spec["mode"] == "signed-trailer":
        sts, signature = chain.sign_trailer(trailers)
        yield Part("trailer", sts, signature, None)


def check_chain(
    vector: Vector,
    signed: SignedRequest,
    parts: Iterator[Part],
    stream: Any,
    randomized: Randomized,
) -> Verdict:
    """Compare the chain's stages in order; the first difference, or ``(None, "", "")``."""
    expected = vector.stream_expected
    previous = signed.artifacts.signature
    if randomized is not None:
        verify, key = randomized
        if not verify(signed.artifacts.string_to_sign, previous, key):
            return "signature", "our seed signature does not verify with the public key", ""
    wire = hashlib.sha256()
    length = count = 0
    try:
        for part in parts:
            if part.wire is not None:
                wire.update(part.wire)
                length += len(part.wire)
            stage = "trailer"
            if part.kind != "trailer":
                count += 1
                stage = f"chunk-{count}"
            verdict = _check_part(stage, part, previous, expected, randomized)
            if verdict[0] is not None:
                return verdict
            previous = part.signature or previous
    except Exception as exc:  # the signer's fault: a failure, not a crash
        text = str(exc).replace("\r", "\\r").replace("\n", "\\n")
        return "chunks", f"{type(exc).__name__}: {text}", ""
    wanted = max(
        (int(name.split("-")[1]) for name in expected if name.startswith("chunk-")), default=0
    )
    if wanted > count:
        return f"chunk-{count + 1}", f"the signer signed {count} chunks; the case has {wanted}", ""
    if stream is not None and "trailers" in expected:
        sent = "".join(f"{name}:{value}\n" for name, value in stream.trailers)
        if sent != expected["trailers"]:
            diff = text_diff(expected["trailers"], sent)
            return "trailers", diff.split("\n", 1)[0], diff
    for stage, actual in (("wire-length", str(length)), ("wire-sha256", wire.hexdigest())):
        if stage in expected and expected[stage].strip() != actual:
            return stage, f"expected {expected[stage].strip()}, got {actual}", ""
    return None, "", ""


def _check_part(
    stage: str,
    part: Part,
    previous: str,
    expected: Mapping[str, str],
    randomized: Randomized,
) -> Verdict:
    sts_expected = expected.get(f"{stage}-string-to-sign")
    if sts_expected is not None:
        if randomized is not None:
            sts_expected = sts_expected.replace(_PLACEHOLDER, previous.rstrip("*"))
        actual = part.string_to_sign
        if actual is None:
            return f"{stage}-string-to-sign", "the signer made no string to sign", ""
        if actual != sts_expected:
            diff = text_diff(sts_expected, actual)
            return f"{stage}-string-to-sign", diff.split("\n", 1)[0], diff
    signature = part.signature
    if randomized is not None and signature is not None:
        verify, key = randomized
        if len(signature) != _PADDED_LENGTH:
            return f"{stage}-signature", f"not padded to {_PADDED_LENGTH} characters", ""
        if not verify(part.string_to_sign, signature.rstrip("*"), key):
            return f"{stage}-signature", "our signature does not verify with the public key", ""
        return None, "", ""
    sig_expected = expected.get(f"{stage}-signature")
    if sig_expected is not None and (signature or "") != sig_expected.strip():
        return f"{stage}-signature", f"expected {sig_expected.strip()}, got {signature}", ""
    return None, "", ""
