"""Event-stream framing: the published codec vectors, round trips against an independent encoder
and botocore's decoder, streaming sources, truncation, limits and bad input."""

from __future__ import annotations

import datetime as dt
import io
import struct
import uuid
from typing import Any, Dict, Iterator, List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from signers.errors import InvalidEventStream, InvalidTime, SigningError
from signers.eventstream import (
    MAX_HEADERS_SIZE,
    MAX_MESSAGE_SIZE,
    HeaderType,
    HeaderValue,
    Message,
    decode_message,
    encode_headers,
    encode_message,
    iter_messages,
)

from . import _reference as ref
from ._vectors import FramingCase, framing_cases, header_value

CASES = framing_cases()


def _as_python(value: HeaderValue) -> Any:
    return value.value.bytes if value.type is HeaderType.UUID else value.value


def _botocore_messages(data: bytes) -> List[Any]:
    eventstream = pytest.importorskip("botocore.eventstream")
    buffer = eventstream.EventStreamBuffer()
    buffer.add_data(data)
    return list(buffer)


# -- the published vectors ----------------------------------------------------------------------


def test_every_vector_file_is_a_case() -> None:
    assert len(CASES) == 9 + 11
    assert sum(c.decoded is not None for c in CASES) == 5 + 3


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_vector(case: FramingCase) -> None:
    if case.decoded is None:
        with pytest.raises(InvalidEventStream) as caught:
            decode_message(case.encoded)
        # aws-sdk-go names the check that fails; smithy-rs's kinds follow its own check order
        if case.error == "Prelude checksum mismatch":
            assert "prelude CRC mismatch" in str(caught.value)
        elif case.error == "Message checksum mismatch":
            assert "message CRC mismatch" in str(caught.value)
        with pytest.raises(InvalidEventStream):
            list(iter_messages(case.encoded))
        return
    message = decode_message(case.encoded)
    assert encode_message(message) == case.encoded
    assert list(iter_messages(case.encoded)) == [message]
    expected = case.decoded
    if expected:  # the upstream's decoded form: compare every field it gives
        got = [(n, int(v.type), _as_python(v)) for n, v in message.headers]
        want = [(h["name"], h["type"], header_value(h)) for h in expected["headers"]]
        assert got == want
        assert message.payload == header_value({"type": 6, "value": expected["payload"]})
    total, headers_length, prelude_crc = struct.unpack(">III", case.encoded[:12])
    (message_crc,) = struct.unpack(">I", case.encoded[-4:])
    for key, value in (
        ("total_length", total),
        ("headers_length", headers_length),
        ("prelude_crc", prelude_crc),
        ("message_crc", message_crc),
    ):
        if key in expected:
            assert expected[key] & 0xFFFFFFFF == value, key
    # botocore's decoder reads the same headers and payload
    (theirs,) = _botocore_messages(case.encoded)
    assert theirs.headers == {n: _as_python(v) for n, v in message.headers}
    assert theirs.payload == message.payload


def _reseal(data: bytes) -> bytes:
    """The first message of ``data`` with both CRCs recomputed, so only its content is wrong."""
    (total,) = struct.unpack(">I", data[:4])
    prelude = data[:8]
    body = prelude + struct.pack(">I", ref.crc32(prelude)) + data[12 : total - 4]
    return body + struct.pack(">I", ref.crc32(body))


HEADER_DEFECTS = [c for c in CASES if c.id.startswith("smithy-rs/invalid_header_")]


@pytest.mark.parametrize("case", HEADER_DEFECTS, ids=lambda c: c.id)
def test_header_defects_are_refused_even_with_good_crcs(case: FramingCase) -> None:
    resealed = _reseal(case.encoded)
    with pytest.raises(InvalidEventStream, match="header"):
        decode_message(resealed)


def test_header_defect_cases_are_those_smithy_rs_names() -> None:
    assert len(HEADER_DEFECTS) == 5


# -- round trips ----------------------------------------------------------------------------------

_names = st.text(min_size=1, max_size=40).filter(lambda s: len(s.encode("utf-8")) <= 255)


def _ints(low: int, high: int) -> st.SearchStrategy[int]:
    return st.integers(low, high)


_values = st.one_of(
    st.booleans().map(HeaderValue.boolean),
    _ints(-(2**7), 2**7 - 1).map(HeaderValue.byte),
    _ints(-(2**15), 2**15 - 1).map(HeaderValue.short),
    _ints(-(2**31), 2**31 - 1).map(HeaderValue.integer),
    _ints(-(2**63), 2**63 - 1).map(HeaderValue.long),
    st.binary(max_size=300).map(HeaderValue.byte_array),
    st.text(max_size=100).map(HeaderValue.string),
    _ints(-(2**63), 2**63 - 1).map(HeaderValue.timestamp),
    st.binary(min_size=16, max_size=16).map(HeaderValue.uuid),
)
_headers = st.dictionaries(_names, _values, max_size=8).map(lambda d: tuple(d.items()))
_messages = st.builds(Message, _headers, st.binary(max_size=500))


def _reference_bytes(message: Message) -> bytes:
    raw = b"".join(ref.header(n, int(v.type), _as_python(v)) for n, v in message.headers)
    return ref.message(raw, message.payload)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(_messages)
def test_round_trip_matches_the_reference_encoder_and_botocore(message: Message) -> None:
    encoded = encode_message(message)
    assert encoded == _reference_bytes(message)
    assert decode_message(encoded) == message
    (theirs,) = _botocore_messages(encoded)
    assert theirs.headers == {n: _as_python(v) for n, v in message.headers}
    assert theirs.payload == message.payload


class _ShortReads(io.RawIOBase):
    """A binary stream whose read() returns at most ``step`` bytes, as sockets do."""

    def __init__(self, data: bytes, step: int) -> None:
        self._data = data
        self._at = 0
        self._step = step
        self.largest_read = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        self.largest_read = max(self.largest_read, size)
        n = min(size, self._step)
        out = self._data[self._at : self._at + n]
        self._at += len(out)
        return out


@pytest.mark.slow
@settings(max_examples=100, deadline=None)
@given(st.lists(_messages, max_size=5), st.integers(1, 40), st.data())
def test_iter_messages_from_any_source(messages: List[Message], step: int, data: Any) -> None:
    stream = b"".join(encode_message(m) for m in messages)
    assert list(iter_messages(stream)) == messages
    assert list(iter_messages(memoryview(bytearray(stream)))) == messages
    assert list(iter_messages(io.BytesIO(stream))) == messages
    assert list(iter_messages(_ShortReads(stream, step))) == messages
    cuts = sorted(data.draw(st.lists(st.integers(0, len(stream)), max_size=6)))
    chunks = [stream[a:b] for a, b in zip([0, *cuts], [*cuts, len(stream)])]
    assert list(iter_messages(iter(chunks))) == messages


def test_iter_messages_is_lazy() -> None:
    one = encode_message(Message({"n": HeaderValue.integer(1)}, b"x"))
    stream = _ShortReads(one * 3 + b"\x00garbage", 1000)
    messages = iter_messages(stream)
    assert next(messages).payload == b"x"
    assert stream.largest_read <= len(one)  # nothing read beyond the first message
    assert len([next(messages), next(messages)]) == 2
    with pytest.raises(InvalidEventStream, match="message 4: truncated"):
        next(messages)


# -- truncation, limits, corruption ------------------------------------------------------------


def test_every_truncation_is_refused_or_ends_at_a_boundary() -> None:
    first = encode_message(Message({"a": "b"}, b"payload one"))
    second = encode_message(Message((), b"two"))
    stream = first + second
    for cut in range(len(stream)):
        prefix = stream[:cut]
        if cut in (0, len(first)):
            assert len(list(iter_messages(prefix))) == (0 if cut == 0 else 1)
            continue
        number = 1 if cut < len(first) else 2
        with pytest.raises(InvalidEventStream, match=f"message {number}: truncated"):
            list(iter_messages(prefix))
        if cut < len(first):
            with pytest.raises(InvalidEventStream, match="truncated"):
                decode_message(prefix)


def _prelude(total: int, headers_length: int) -> bytes:
    lengths = struct.pack(">II", total, headers_length)
    return lengths + struct.pack(">I", ref.crc32(lengths))


class _NoBodyReads(io.RawIOBase):
    """A stream that fails the test if anything past the prelude is read."""

    def __init__(self, prelude: bytes) -> None:
        self._prelude = prelude
        self._served = False

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        assert not self._served, "read past a prelude that should have been refused"
        self._served = True
        return self._prelude


@pytest.mark.parametrize(
    "total, headers_length, words",
    [
        (MAX_MESSAGE_SIZE + 1, 0, "over the"),
        (2**32 - 1, 0, "over the"),
        (15, 0, "below the 16-byte minimum"),
        (100, 85, "does not fit"),
        (MAX_HEADERS_SIZE + 17, MAX_HEADERS_SIZE + 1, "headers length"),
    ],
)
def test_bad_preludes_are_refused_before_the_body_is_read(
    total: int, headers_length: int, words: str
) -> None:
    with pytest.raises(InvalidEventStream, match=words):
        list(iter_messages(_NoBodyReads(_prelude(total, headers_length))))


def test_max_message_size_is_an_option() -> None:
    encoded = encode_message(Message((), b"x" * 100))
    assert len(list(iter_messages(encoded, max_message_size=116))) == 1
    with pytest.raises(InvalidEventStream, match="over the 115-byte limit"):
        list(iter_messages(encoded, max_message_size=115))
    with pytest.raises(InvalidEventStream, match="over the 115-byte limit"):
        encode_message(Message((), b"x" * 100), max_message_size=115)


def test_each_byte_flip_is_caught() -> None:
    encoded = encode_message(Message({"k": "v", "n": HeaderValue.long(7)}, b"payload"))
    for at in range(len(encoded)):
        for bit in (0x01, 0x80):
            damaged = bytearray(encoded)
            damaged[at] ^= bit
            with pytest.raises(InvalidEventStream):
                decode_message(bytes(damaged))


def test_trailing_bytes_after_one_message() -> None:
    encoded = encode_message(Message((), b"x"))
    with pytest.raises(InvalidEventStream, match="1 bytes after the message"):
        decode_message(encoded + b"\x00")


@pytest.mark.parametrize(
    "headers, words",
    [
        (ref.header("a", 7, "x") + ref.header("a", 7, "y"), "appears twice"),
        (ref.header("a", 7, b"\xff\xfe"), "not valid UTF-8"),
        (b"\x02\xc3\x28" + b"\x00", "name at byte 1 is not valid UTF-8"),
        (b"\x00", "name length 0"),
        (b"\x01a\x0a", "unknown value type 10"),
        (b"\x01a\x05\x00\x00", "LONG value runs past"),
        (b"\x01a\x09" + b"\x00" * 15, "UUID value runs past"),
        (b"\x01a\x06\x00", "length runs past"),
        (b"\x01a\x06\x80\x00" + b"\x00" * 32768, "length 32768 is out of range"),
    ],
)
def test_malformed_headers_are_refused(headers: bytes, words: str) -> None:
    with pytest.raises(InvalidEventStream, match=words):
        decode_message(ref.message(headers, b""))


# -- building values and messages -----------------------------------------------------------------


@pytest.mark.parametrize(
    "build, words",
    [
        (lambda: HeaderValue.byte(128), "outside -128 to 127"),
        (lambda: HeaderValue.short(-(2**15) - 1), "outside"),
        (lambda: HeaderValue.integer(2**31), "outside"),
        (lambda: HeaderValue.long(2**63), "outside"),
        (lambda: HeaderValue.integer(True), "must be an int"),
        (lambda: HeaderValue.string(b"x"), "must be str"),
        (lambda: HeaderValue.string("\ud800"), "UTF-8"),
        (lambda: HeaderValue.string("é" * 16384), "over the 32767-byte limit"),
        (lambda: HeaderValue.byte_array(b"x" * 32768), "over the 32767-byte limit"),
        (lambda: HeaderValue.byte_array("x"), "must be bytes"),
        (lambda: HeaderValue.uuid(b"short"), "16 bytes"),
        (lambda: HeaderValue(HeaderType.BOOL_TRUE, False), "is True"),
        (lambda: HeaderValue(10, 1), "not one of 0 to 9"),
        (lambda: Message({"": "x"}), "names are 1 to 255 bytes"),
        (lambda: Message({"n" * 256: "x"}), "names are 1 to 255 bytes"),
        (lambda: Message([("a", "x"), ("a", "y")]), "appears twice"),
        (lambda: Message({"a": 5}), "an int could be"),
        (lambda: Message({"a": 1.5}), "cannot encode a float"),
        (lambda: Message({"a": "x"}, "payload"), "payload must be bytes"),
        (lambda: Message("abc"), "got a string"),
        (lambda: encode_headers({f"h{i}": b"x" * 32000 for i in range(5)}), "over the 131072"),
        (lambda: iter_messages("text"), "got str"),
    ],
)
def test_bad_values_are_refused_with_one_line(build: Any, words: str) -> None:
    with pytest.raises(InvalidEventStream, match=words) as caught:
        build()
    assert "\n" not in str(caught.value)


def test_timestamps_take_aware_datetimes_to_the_millisecond() -> None:
    at = dt.datetime(2019, 1, 27, 22, 37, 54, 123999, tzinfo=dt.timezone.utc)
    value = HeaderValue.timestamp(at)
    assert value.value == 1548628674123
    assert value.datetime == at.replace(microsecond=123000)
    east = at.astimezone(dt.timezone(dt.timedelta(hours=5)))
    assert HeaderValue.timestamp(east) == value
    with pytest.raises(InvalidTime, match="naive datetime"):
        HeaderValue.timestamp(dt.datetime(2019, 1, 27))
    with pytest.raises(InvalidTime, match="naive datetime"):
        Message({":date": dt.datetime(2019, 1, 27)})
    with pytest.raises(SigningError, match="not a timestamp"):
        _ = HeaderValue.integer(1).datetime
    with pytest.raises(InvalidTime, match="outside the years"):
        _ = HeaderValue.timestamp(2**62).datetime


def test_plain_values_take_their_obvious_type() -> None:
    some = uuid.UUID("b79bc914-de21-4e13-b8b2-bc47e85b7f0b")
    at = dt.datetime(2020, 1, 1, tzinfo=dt.timezone.utc)
    message = Message({"s": "x", "b": b"y", "t": True, "f": False, "u": some, "d": at})
    kinds = [v.type for _, v in message.headers]
    assert kinds == [
        HeaderType.STRING,
        HeaderType.BYTE_ARRAY,
        HeaderType.BOOL_TRUE,
        HeaderType.BOOL_FALSE,
        HeaderType.UUID,
        HeaderType.TIMESTAMP,
    ]
    assert message.header("u") == HeaderValue.uuid(str(some))
    assert message.header("missing") is None


def test_values_are_immutable_and_reprs_hide_byte_arrays() -> None:
    secret = bytes(range(32))
    message = Message([(":chunk-signature", secret), ("k", HeaderValue.byte_array(secret))], b"p")
    with pytest.raises(AttributeError):
        message.payload = b"q"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        message.headers[0][1].value = b""  # type: ignore[misc]
    shown = repr(message)
    assert secret.hex() not in shown and repr(secret) not in shown
    assert "<redacted>" in shown and "<32 bytes>" in shown and "<1 bytes>" in shown


def test_go_sign_encoder_inner_message() -> None:
    # aws-sdk-go private/protocol/eventstream/eventstreamapi/signer_test.go gives this inner
    # message's encoding (base64) in its "sign message" case.
    import base64

    expected = base64.b64decode(
        "AAAAMgAAABs0pv1jC2hlYWRlcl9uYW1lBwAMaGVhZGVyIHZhbHVlcGF5bG9hZH4tKFg="
    )
    assert encode_message(Message({"header_name": "header value"}, b"payload")) == expected


def _chunks(data: bytes, size: int) -> Iterator[bytes]:
    for at in range(0, len(data), size):
        yield data[at : at + size]


def test_text_mode_streams_are_refused() -> None:
    with pytest.raises(InvalidEventStream, match="binary mode"):
        list(iter_messages(io.StringIO("abc")))
    with pytest.raises(InvalidEventStream, match="expected bytes, a binary file object"):
        list(iter_messages(42))  # type: ignore[arg-type]


def test_large_message_streams_in_chunks() -> None:
    payload = bytes(range(256)) * 4096  # 1 MiB
    encoded = encode_message(Message({"k": "v"}, payload))
    (message,) = iter_messages(_chunks(encoded, 4096))
    assert message.payload == payload


def _pairs(message: Message) -> Tuple[Tuple[str, int], ...]:
    return tuple((n, int(v.type)) for n, v in message.headers)


def test_header_order_is_kept() -> None:
    names: Dict[str, str] = {c: c for c in "zyxabc"}
    message = decode_message(encode_message(Message(names)))
    assert [n for n, _ in _pairs(message)] == list("zyxabc")
