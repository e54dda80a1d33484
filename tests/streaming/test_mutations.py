"""One changed byte anywhere in a valid aws-chunked body: the reader either refuses it with a
VerificationError, handing out only chunks that checked (signed modes), or -- where the byte
does not matter (the case of a trailer name) -- gives back exactly the payload that was signed.
Nothing but a SigningError ever leaves the library."""

from __future__ import annotations

from typing import Tuple

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signers import Request, SigningError

from . import _reference as ref
from ._support import MODES, SMALL_DATA, one_changed_byte, read_all, small_stream, verified

# heavy: botocore/hypothesis runs or whole-suite scans, left out of the quick loop
pytestmark = pytest.mark.slow

DATA = SMALL_DATA
CHUNKS = ref.cut(DATA, [8192])
PREFIXES = {b"".join(CHUNKS[:n]) for n in range(len(CHUNKS) + 1)}


def _stream(mode: str) -> Tuple[Request, bytes]:
    return small_stream(mode, "CRC32C")


@pytest.mark.parametrize("mode", MODES)
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_changed_byte(mode: str, data: st.DataObject) -> None:
    request, wire = _stream(mode)
    at, mutated = one_changed_byte(data, wire)
    try:
        got, error = read_all(verified(request, mutated).payload, 5000)
    except SigningError:
        return  # (refused when verified: fine)
    if error is None:
        assert got == DATA, f"a changed byte at {at} gave other data without an error"
        return
    if mode != "unsigned-trailer":
        assert got in PREFIXES, f"bytes of a chunk that did not check were handed out (at {at})"
