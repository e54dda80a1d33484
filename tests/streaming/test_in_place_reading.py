"""A bytes wire body is read in place (views of the body, no file around it); a file is read a
line and a chunk at a time.  Both must hand out the same bytes and stop with the same error for
any body: valid, with one byte changed, cut short, lengthened, or with a Content-Length that
disagrees with the bytes given.  The file reader, itself checked against the step-by-step
reference by the other tests of this folder, is the oracle here; the bytes given back are also
compared with the signed payload."""

from __future__ import annotations

from typing import Any, Optional, Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signers import Request, SigningError
from tests._support import examples

from . import _reference as ref
from ._support import (
    MODES,
    SMALL_DATA,
    OnlyRead,
    crafted,
    one_changed_byte,
    payload,
    signed_stream,
    small_stream,
    verified,
    wire_file,
)

DATA = SMALL_DATA
Outcome = Tuple[bytes, Optional[Tuple[str, str, str]]]


def _stream(mode: str) -> Tuple[Request, bytes]:
    return small_stream(mode, "CRC32")


def _outcome(request: Request, body: Any, size: int) -> Outcome:
    """The bytes handed out and the error (class, code, message) the reading stopped with."""
    got = []
    try:
        reader = verified(request, body).payload
        while True:
            piece = reader.read(size)
            if not piece:
                return b"".join(got), None
            assert type(piece) is bytes
            got.append(piece)
    except SigningError as exc:
        return b"".join(got), (type(exc).__name__, getattr(exc, "code", ""), str(exc))


def _same_both_ways(request: Request, wire: bytes, size: int = 5000) -> Outcome:
    in_place = _outcome(request, wire, size)
    assert in_place == _outcome(request, wire_file(wire), size)
    assert in_place == _outcome(request, OnlyRead(wire, step=1000), size)
    return in_place


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("size", [1, 4096, 8192, 65536])
def test_a_valid_body_gives_the_payload(mode: str, size: int) -> None:
    request, wire = _stream(mode)
    assert _same_both_ways(request, wire, size) == (DATA, None)


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=examples(60), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_changed_byte_gives_the_same_outcome(mode: str, data: st.DataObject) -> None:
    request, wire = _stream(mode)
    got, error = _same_both_ways(request, one_changed_byte(data, wire)[1])
    if mode != "unsigned-trailer":  # (there, no chunk is signed: only the end is checked)
        assert DATA.startswith(got) or error is None


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=examples(40), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_cut_or_lengthened_body_gives_the_same_outcome(mode: str, data: st.DataObject) -> None:
    request, wire = _stream(mode)
    cut = data.draw(st.integers(0, len(wire)), label="cut")
    extra = data.draw(st.binary(max_size=40), label="extra")
    changed = wire[:cut] + extra
    got, error = _same_both_ways(request, changed)
    if changed.startswith(wire):  # (what follows Content-Length is the next request's: unread)
        assert (got, error) == (DATA, None)
    else:
        assert error is not None
        assert DATA.startswith(got) or mode == "unsigned-trailer"


@pytest.mark.parametrize("delta", [-3, -2, -1, 1, 2, 100])
def test_a_content_length_that_disagrees_with_the_bytes(delta: int) -> None:
    # (Content-Length left unsigned, so the seed still verifies once it is changed)
    request, wire = signed_stream(DATA, chunk_size=8192, unsigned_headers=["content-length"])
    length = str(len(wire) + delta)
    headers = [(n, length if n.lower() == "content-length" else v) for n, v in request.headers]
    changed = request.replace(headers=headers)
    body = wire + b"NEXT" if delta > 0 else wire
    in_place = _outcome(changed, body, 5000)
    assert in_place == _outcome(changed, wire_file(body), 5000)
    assert in_place[1] is not None and in_place[1][1] == "IncompleteBody"


def test_a_line_too_long_and_a_short_middle_chunk() -> None:
    chunks = ref.cut(payload(20_000), [8192, 100, 8192])
    request, wire = crafted(chunks)
    got, error = _same_both_ways(request, wire)
    assert error is not None and error[1] == "InvalidChunkSizeError"
    request, wire = crafted(ref.cut(payload(9000), [9000]))
    long_header = wire.replace(b";chunk-signature=", b";" + b"x" * 9000 + b";chunk-signature=", 1)
    got, error = _same_both_ways(request, long_header)
    assert error is not None and "longer than" in error[2] and got == b""
    # (a header of the signed shape, but over the line limit: its signature 9000 hex digits)
    long_signature = wire.replace(b";chunk-signature=", b";chunk-signature=" + b"a" * 9000, 1)
    got, error = _same_both_ways(request, long_signature)
    assert error is not None and "longer than" in error[2] and got == b""


def test_readinto_hands_out_the_payload_in_place() -> None:
    request, wire = _stream("signed-trailer")
    reader = verified(request, wire).payload
    out = bytearray(len(DATA))
    view = memoryview(out)
    total = 0
    for size in [1, 10, 8191, 8192, 3, 9000, 100_000]:
        total += reader.readinto(view[total : total + size])
    while True:
        n = reader.readinto(view[total:] if total < len(out) else bytearray(1))
        if not n:
            break
        total += n
    assert total == len(DATA) and bytes(out) == DATA and reader.complete
