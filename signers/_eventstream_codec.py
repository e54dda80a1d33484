"""Event-stream framing (``application/vnd.amazon.eventstream``): messages, typed headers, CRCs.

The binary message format of AWS's streaming APIs (Transcribe streaming, Lex V2, Bedrock, S3
SelectObjectContent, Kinesis SubscribeToShard), as the service guides describe it ("Event stream
encoding"), every integer big-endian:

    message = total length (u32) | headers length (u32) | prelude CRC (u32)
              | headers | payload | message CRC (u32)
    header  = name length (u8) | name (UTF-8) | value type (u8) | value

The total length counts the whole message (16 bytes of overhead plus headers and payload); the
prelude CRC covers the two lengths, the message CRC every byte before it.  Both are CRC-32 as in
gzip (``zlib.crc32``).  Value types: 0 true and 1 false (no bytes), 2 byte (i8), 3 short (i16),
4 integer (i32), 5 long (i64), 6 byte array and 7 string (u16 length, then the bytes; UTF-8 for a
string), 8 timestamp (i64 milliseconds since the Unix epoch), 9 UUID (16 bytes).  A name appears
at most once in a message.

Limits, as AWS's own codecs enforce them: a message is at most 24 MiB (aws-c-event-stream: "the
current service-side max"), its headers at most 128 KiB (the SDK decoders), a header name 1 to
255 bytes, a byte-array or string value at most 32767 bytes (aws-c-event-stream and the Java
codec).  Decoding checks the prelude CRC before trusting a length, and the message CRC before
reading a header.
"""

from __future__ import annotations

import datetime as _dt
import uuid as _uuid
from enum import IntEnum
from struct import Struct
from typing import Any, BinaryIO, Iterable, Iterator, Mapping, NamedTuple, Optional, Tuple, Union
from zlib import crc32

from .errors import InvalidEventStream, InvalidTime

__all__ = [
    "HeaderType",
    "HeaderValue",
    "Header",
    "Message",
    "encode_headers",
    "encode_message",
    "decode_message",
    "iter_messages",
    "MAX_MESSAGE_SIZE",
    "MAX_HEADERS_SIZE",
    "MAX_HEADER_NAME_LENGTH",
    "MAX_HEADER_VALUE_LENGTH",
    "PRELUDE_LENGTH",
    "MESSAGE_OVERHEAD",
]

MAX_MESSAGE_SIZE = 24 * 1024 * 1024
MAX_HEADERS_SIZE = 128 * 1024
MAX_HEADER_NAME_LENGTH = 255
MAX_HEADER_VALUE_LENGTH = 32767
PRELUDE_LENGTH = 12  # two lengths and the prelude CRC
MESSAGE_OVERHEAD = 16  # prelude and message CRC

_U32 = Struct(">I")
_PRELUDE = Struct(">III")
_LENGTHS = Struct(">II")
_U16 = Struct(">H")
_FIXED = {2: Struct(">b"), 3: Struct(">h"), 4: Struct(">i"), 5: Struct(">q"), 8: Struct(">q")}
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=_dt.timezone.utc)
_ONE_MS = _dt.timedelta(milliseconds=1)
_tuple_new = tuple.__new__


class HeaderType(IntEnum):
    """The wire code of a header value's type, with the service guides' names."""

    BOOL_TRUE = 0
    BOOL_FALSE = 1
    BYTE = 2
    SHORT = 3
    INTEGER = 4
    LONG = 5
    BYTE_ARRAY = 6
    STRING = 7
    TIMESTAMP = 8
    UUID = 9


_RANGES = {
    HeaderType.BYTE: (-(2**7), 2**7 - 1),
    HeaderType.SHORT: (-(2**15), 2**15 - 1),
    HeaderType.INTEGER: (-(2**31), 2**31 - 1),
    HeaderType.LONG: (-(2**63), 2**63 - 1),
    HeaderType.TIMESTAMP: (-(2**63), 2**63 - 1),
}
_TYPES = tuple(HeaderType)

HeaderData = Union[bool, int, bytes, str, _uuid.UUID]


def _bad(message: str, field: str = "event stream") -> InvalidEventStream:
    return InvalidEventStream(message, field=field)


class _HeaderValueFields(NamedTuple):
    type: HeaderType
    value: HeaderData


class HeaderValue(_HeaderValueFields):
    """A typed header value: ``type`` (:class:`HeaderType`) and ``value``.

    ``value`` is ``True``/``False`` for the boolean types, an ``int`` for byte, short, integer,
    long and timestamp (milliseconds since the epoch), ``bytes`` for a byte array, ``str`` for a
    string and a :class:`uuid.UUID` for a UUID.  The class methods (``string("x")``,
    ``timestamp(at)`` ...) build one of each type; the constructor checks the pair.  A byte
    array's content is never shown by ``repr`` (``:chunk-signature`` is one).
    """

    __slots__ = ()

    def __new__(cls, type: Union[HeaderType, int], value: Any) -> HeaderValue:
        return _tuple_new(cls, _check_value(type, value))

    @classmethod
    def boolean(cls, value: bool) -> HeaderValue:
        if not isinstance(value, bool):
            raise _bad(f"boolean header value must be True or False, got {value!r}")
        return cls(HeaderType.BOOL_TRUE if value else HeaderType.BOOL_FALSE, value)

    # One typed constructor per wire type: alike in shape, but each states its value's type.
    @classmethod
    def byte(cls, value: int) -> HeaderValue:
        return cls(HeaderType.BYTE, value)

    @classmethod
    def short(cls, value: int) -> HeaderValue:
        return cls(HeaderType.SHORT, value)

    @classmethod
    def integer(cls, value: int) -> HeaderValue:
        return cls(HeaderType.INTEGER, value)

    @classmethod
    def long(cls, value: int) -> HeaderValue:
        return cls(HeaderType.LONG, value)

    @classmethod
    def byte_array(cls, value: bytes) -> HeaderValue:
        return cls(HeaderType.BYTE_ARRAY, value)

    @classmethod
    def string(cls, value: str) -> HeaderValue:
        return cls(HeaderType.STRING, value)

    @classmethod
    def timestamp(cls, value: Union[_dt.datetime, int]) -> HeaderValue:
        """A timestamp from an aware datetime (kept to the millisecond) or from milliseconds."""
        if isinstance(value, _dt.datetime):
            return cls(HeaderType.TIMESTAMP, epoch_millis(value))
        return cls(HeaderType.TIMESTAMP, value)

    @classmethod
    def uuid(cls, value: Union[_uuid.UUID, bytes, str]) -> HeaderValue:
        return cls(HeaderType.UUID, value)

    def _replace(self, **changes: Any) -> HeaderValue:
        # (NamedTuple's own _replace would skip the checks of __new__)
        return type(self)(changes.pop("type", self.type), changes.pop("value", self.value))

    @property
    def datetime(self) -> _dt.datetime:
        """A timestamp's instant as an aware UTC datetime."""
        if self.type is not HeaderType.TIMESTAMP:
            raise _bad(f"header value of type {self.type.name} is not a timestamp")
        try:
            return _EPOCH + self.value * _ONE_MS  # type: ignore[operator]
        except OverflowError:
            raise InvalidTime(
                f"timestamp {self.value!r} ms is outside the years 1 to 9999", field="timestamp"
            ) from None

    def __repr__(self) -> str:
        if self.type is HeaderType.BYTE_ARRAY:
            shown = f"<{len(self.value)} bytes>"  # type: ignore[arg-type]
        else:
            shown = repr(self.value)
        return f"HeaderValue({self.type.name}, {shown})"


def epoch_millis(at: _dt.datetime, *, field: str = "at") -> int:
    """Whole milliseconds since the Unix epoch of an aware datetime (naive is an error)."""
    if not isinstance(at, _dt.datetime):
        raise InvalidTime(
            f"{field}: expected a timezone-aware datetime, got {type(at).__name__}", field=field
        )
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidTime(
            f"{field}: naive datetime {at.isoformat()!r}; give a timezone "
            "(e.g. tzinfo=timezone.utc)",
            field=field,
        )
    return (at - _EPOCH) // _ONE_MS


def _check_value(type_: object, value: object) -> Tuple[HeaderType, HeaderData]:
    if isinstance(type_, bool) or not isinstance(type_, int) or not 0 <= type_ <= 9:
        raise _bad(f"header value type {type_!r} is not one of 0 to 9 ({', '.join(_NAMES)})")
    kind = _TYPES[type_]
    if kind is HeaderType.BOOL_TRUE or kind is HeaderType.BOOL_FALSE:
        if value is not (kind is HeaderType.BOOL_TRUE):
            raise _bad(
                f"a {kind.name} header value is {kind is HeaderType.BOOL_TRUE}, not {value!r}"
            )
        return kind, value
    limits = _RANGES.get(kind)
    if limits is not None:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _bad(f"a {kind.name} header value must be an int, got {type(value).__name__}")
        if not limits[0] <= value <= limits[1]:
            raise _bad(f"{kind.name} header value {value} is outside {limits[0]} to {limits[1]}")
        return kind, int(value)
    if kind is HeaderType.BYTE_ARRAY:
        if not isinstance(value, (bytes, bytearray, memoryview)):
            raise _bad(f"a BYTE_ARRAY header value must be bytes, got {type(value).__name__}")
        data = bytes(value)
        if len(data) > MAX_HEADER_VALUE_LENGTH:
            raise _bad(
                f"BYTE_ARRAY header value of {len(data)} bytes is over the "
                f"{MAX_HEADER_VALUE_LENGTH}-byte limit"
            )
        return kind, data
    if kind is HeaderType.STRING:
        if not isinstance(value, str):
            raise _bad(f"a STRING header value must be str, got {type(value).__name__}")
        try:
            size = len(value.encode("utf-8"))
        except UnicodeEncodeError:
            raise _bad("STRING header value is not encodable as UTF-8 (lone surrogate)") from None
        if size > MAX_HEADER_VALUE_LENGTH:
            raise _bad(
                f"STRING header value of {size} UTF-8 bytes is over the "
                f"{MAX_HEADER_VALUE_LENGTH}-byte limit"
            )
        return kind, str(value)
    # UUID
    if isinstance(value, _uuid.UUID):
        return kind, value
    try:
        if isinstance(value, (bytes, bytearray)):
            return kind, _uuid.UUID(bytes=bytes(value))
        if isinstance(value, str):
            return kind, _uuid.UUID(value)
    except ValueError:
        raise _bad(f"UUID header value {value!r} is not 16 bytes or a UUID string") from None
    raise _bad(f"a UUID header value must be a uuid.UUID, got {type(value).__name__}")


_NAMES = tuple(f"{t.value} {t.name}" for t in HeaderType)

Header = Tuple[str, HeaderValue]
HeadersInput = Union[Mapping[str, Any], Iterable[Tuple[str, Any]]]


def _as_header_value(name: str, value: object) -> HeaderValue:
    # Plain Python values whose type is unambiguous; an int could be any of five types.
    if isinstance(value, HeaderValue):
        return value
    if isinstance(value, bool):
        return HeaderValue.boolean(value)
    if isinstance(value, str):
        return HeaderValue.string(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return HeaderValue.byte_array(bytes(value))
    if isinstance(value, _uuid.UUID):
        return HeaderValue.uuid(value)
    if isinstance(value, _dt.datetime):
        return HeaderValue.timestamp(value)
    if isinstance(value, int):
        raise _bad(
            f"header {name!r}: an int could be BYTE, SHORT, INTEGER, LONG or TIMESTAMP; "
            "give HeaderValue.integer(...) or another typed value",
            field=f"header {name!r}",
        )
    raise _bad(
        f"header {name!r}: cannot encode a {type(value).__name__}; give a HeaderValue",
        field=f"header {name!r}",
    )


def _check_name(name: object) -> str:
    if not isinstance(name, str):
        raise _bad(f"header name must be str, got {type(name).__name__}")
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        raise _bad(f"header name {name!r} is not encodable as UTF-8") from None
    if not 1 <= size <= MAX_HEADER_NAME_LENGTH:
        raise _bad(
            f"header name {name[:40]!r} is {size} UTF-8 bytes; names are 1 to "
            f"{MAX_HEADER_NAME_LENGTH} bytes",
            field="header name",
        )
    return name


def _normalize_headers(headers: HeadersInput) -> Tuple[Header, ...]:
    given: Any = headers
    if isinstance(given, (str, bytes)):
        raise _bad("headers: expected (name, value) pairs or a mapping, got a string")
    items: Iterable[Any] = given.items() if isinstance(given, Mapping) else given
    out = []
    seen = set()
    for item in items:
        try:
            name, value = item
        except (TypeError, ValueError):
            raise _bad(f"headers: {item!r} is not a (name, value) pair") from None
        name = _check_name(name)
        if name in seen:
            raise _bad(f"header {name!r} appears twice; a name appears at most once")
        seen.add(name)
        out.append((name, _as_header_value(name, value)))
    return tuple(out)


class _MessageFields(NamedTuple):
    headers: Tuple[Header, ...]
    payload: bytes


class Message(_MessageFields):
    """One event-stream message: ``headers`` as ordered ``(name, HeaderValue)`` pairs (each name
    once) and ``payload`` bytes.  Immutable.

    ``headers`` accepts a mapping or pairs; a value may be a :class:`HeaderValue` or a plain
    ``str`` (STRING), ``bytes`` (BYTE_ARRAY), ``bool``, :class:`uuid.UUID` or aware datetime
    (TIMESTAMP); an ``int`` must be typed explicitly.  ``repr`` hides ``:chunk-signature``.
    """

    __slots__ = ()

    def __new__(cls, headers: HeadersInput = (), payload: Union[bytes, bytearray] = b"") -> Message:
        if not isinstance(payload, (bytes, bytearray, memoryview)):
            raise _bad(f"payload must be bytes, got {type(payload).__name__}", field="payload")
        return _tuple_new(cls, (_normalize_headers(headers), bytes(payload)))

    def _replace(self, **changes: Any) -> Message:
        # (NamedTuple's own _replace would skip the checks of __new__)
        return type(self)(
            changes.pop("headers", self.headers), changes.pop("payload", self.payload)
        )

    def header(self, name: str) -> Optional[HeaderValue]:
        """The value of header ``name`` (names are case-sensitive), or ``None``."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def __repr__(self) -> str:
        shown = ", ".join(
            f"({name!r}, <redacted>)" if name == ":chunk-signature" else f"({name!r}, {value!r})"
            for name, value in self.headers
        )
        return f"Message(headers=[{shown}], payload=<{len(self.payload)} bytes>)"


# -- encoding ------------------------------------------------------------------------------------


def _encode_header(name: str, value: HeaderValue, out: bytearray) -> None:
    raw_name = name.encode("utf-8")
    out.append(len(raw_name))
    out += raw_name
    kind = value[0]
    data: Any = value[1]
    out.append(kind)
    fixed = _FIXED.get(kind)
    if fixed is not None:
        out += fixed.pack(data)
    elif kind is HeaderType.BYTE_ARRAY or kind is HeaderType.STRING:
        raw = data.encode("utf-8") if kind is HeaderType.STRING else data
        out += _U16.pack(len(raw))
        out += raw
    elif kind is HeaderType.UUID:
        out += data.bytes


def encode_headers(headers: HeadersInput) -> bytes:
    """The headers section: each header as name length, name, type and value."""
    out = bytearray()
    for name, value in _normalize_headers(headers):
        _encode_header(name, value, out)
    if len(out) > MAX_HEADERS_SIZE:
        raise _bad(f"headers of {len(out)} bytes are over the {MAX_HEADERS_SIZE}-byte limit")
    return bytes(out)


def encode_message(message: Message, *, max_message_size: int = MAX_MESSAGE_SIZE) -> bytes:
    """The wire bytes of ``message``: prelude, prelude CRC, headers, payload, message CRC."""
    if not isinstance(message, Message):
        raise _bad(f"expected an event-stream Message, got {type(message).__name__}")
    headers = encode_headers(message.headers)
    payload = message.payload
    total = MESSAGE_OVERHEAD + len(headers) + len(payload)
    if total > max_message_size:
        raise _bad(f"message of {total} bytes is over the {max_message_size}-byte limit")
    lengths = _LENGTHS.pack(total, len(headers))
    head = lengths + _U32.pack(crc32(lengths))
    running = crc32(payload, crc32(headers, crc32(head)))
    return b"".join((head, headers, payload, _U32.pack(running)))


# -- decoding ------------------------------------------------------------------------------------


def _check_prelude(prelude: bytes, max_message_size: int) -> Tuple[int, int]:
    total, headers_length, prelude_crc = _PRELUDE.unpack(prelude)
    computed = crc32(prelude[:8])
    if computed != prelude_crc:
        raise _bad(
            f"prelude CRC mismatch: the message says 0x{prelude_crc:08x}, "
            f"the lengths give 0x{computed:08x}"
        )
    if total < MESSAGE_OVERHEAD:
        raise _bad(f"total length {total} is below the {MESSAGE_OVERHEAD}-byte minimum")
    if total > max_message_size:
        raise _bad(f"message of {total} bytes is over the {max_message_size}-byte limit")
    if headers_length > total - MESSAGE_OVERHEAD:
        raise _bad(f"headers length {headers_length} does not fit a message of {total} bytes")
    if headers_length > MAX_HEADERS_SIZE:
        raise _bad(f"headers length {headers_length} is over the {MAX_HEADERS_SIZE}-byte limit")
    return total, headers_length


def _decode_headers(data: bytes, start: int, end: int) -> Tuple[Header, ...]:
    headers = []
    seen = set()
    at = start
    while at < end:
        name_length = data[at]
        at += 1
        if name_length == 0 or at + name_length + 1 > end:
            raise _bad(f"header name length {name_length} at byte {at - 1} is out of range")
        try:
            name = data[at : at + name_length].decode("utf-8")
        except UnicodeDecodeError:
            raise _bad(f"header name at byte {at} is not valid UTF-8") from None
        at += name_length
        code = data[at]
        at += 1
        if code > 9:
            raise _bad(f"header {name!r}: unknown value type {code}")
        kind = _TYPES[code]
        fixed = _FIXED.get(code)
        if kind is HeaderType.BOOL_TRUE or kind is HeaderType.BOOL_FALSE:
            value: HeaderData = kind is HeaderType.BOOL_TRUE
        elif fixed is not None:
            if at + fixed.size > end:
                raise _bad(f"header {name!r}: {kind.name} value runs past the headers")
            value = fixed.unpack_from(data, at)[0]
            at += fixed.size
        elif kind is HeaderType.UUID:
            if at + 16 > end:
                raise _bad(f"header {name!r}: UUID value runs past the headers")
            value = _uuid.UUID(bytes=bytes(data[at : at + 16]))
            at += 16
        else:
            if at + 2 > end:
                raise _bad(f"header {name!r}: {kind.name} length runs past the headers")
            size = _U16.unpack_from(data, at)[0]
            at += 2
            if size > MAX_HEADER_VALUE_LENGTH or at + size > end:
                raise _bad(f"header {name!r}: {kind.name} value length {size} is out of range")
            raw = bytes(data[at : at + size])
            at += size
            if kind is HeaderType.STRING:
                try:
                    value = raw.decode("utf-8")
                except UnicodeDecodeError:
                    raise _bad(f"header {name!r}: STRING value is not valid UTF-8") from None
            else:
                value = raw
        if name in seen:
            raise _bad(f"header {name!r} appears twice; a name appears at most once")
        seen.add(name)
        headers.append((name, _tuple_new(HeaderValue, (kind, value))))
    return tuple(headers)


def _decode_body(prelude: bytes, rest: bytes, headers_length: int) -> Message:
    # ``rest`` is everything after the prelude: headers, payload, message CRC.
    stated = _U32.unpack_from(rest, len(rest) - 4)[0]
    computed = crc32(rest[:-4], crc32(prelude))
    if computed != stated:
        raise _bad(
            f"message CRC mismatch: the message says 0x{stated:08x}, its bytes give "
            f"0x{computed:08x}"
        )
    headers = _decode_headers(rest, 0, headers_length)
    return _tuple_new(Message, (headers, bytes(rest[headers_length:-4])))


def _framing_error(exc: InvalidEventStream, where: str) -> InvalidEventStream:
    return InvalidEventStream(f"{where}: {exc.message}", field="event stream")


def decode_message(
    data: Union[bytes, bytearray, memoryview], *, max_message_size: int = MAX_MESSAGE_SIZE
) -> Message:
    """Decode exactly one message, checking both CRCs; anything more or less is an error."""
    data = bytes(data)
    try:
        if len(data) < PRELUDE_LENGTH:
            raise _bad(
                f"truncated: {len(data)} bytes, fewer than the {PRELUDE_LENGTH}-byte prelude"
            )
        total, headers_length = _check_prelude(data[:PRELUDE_LENGTH], max_message_size)
        if len(data) < total:
            raise _bad(f"truncated: the message is {total} bytes, got {len(data)}")
        if len(data) > total:
            raise _bad(f"{len(data) - total} bytes after the message; decode one at a time")
        return _decode_body(data[:PRELUDE_LENGTH], data[PRELUDE_LENGTH:], headers_length)
    except InvalidEventStream as exc:
        raise _framing_error(exc, "event stream message") from None


# -- streaming -----------------------------------------------------------------------------------

Source = Union[bytes, bytearray, memoryview, BinaryIO, Iterable[bytes]]


class _Reader:
    """``read(n)``: n bytes, or fewer only at the end, from bytes, a binary file object (its
    ``read`` may return short counts, as sockets and raw files do) or an iterable of chunks."""

    __slots__ = ("_at", "_buffer", "_chunks", "_read", "_view")

    def __init__(self, source: Source) -> None:
        self._view: Optional[memoryview] = None
        self._read: Any = None
        self._chunks: Optional[Iterator[bytes]] = None
        self._buffer = bytearray()
        self._at = 0
        given: Any = source
        if isinstance(given, (bytes, bytearray, memoryview)):
            self._view = memoryview(given).cast("B")
        elif callable(getattr(given, "read", None)):
            self._read = given.read
        elif isinstance(given, str):
            raise _bad("source: expected bytes or a binary stream, got str", field="source")
        else:
            try:
                self._chunks = iter(given)
            except TypeError:
                raise _bad(
                    "source: expected bytes, a binary file object or an iterable of bytes, "
                    f"got {type(source).__name__}",
                    field="source",
                ) from None

    def read(self, size: int) -> bytes:
        view = self._view
        if view is not None:
            start = self._at
            self._at = min(start + size, len(view))
            return bytes(view[start : self._at])
        buffer = self._buffer
        while len(buffer) < size:
            # A file's read() returns b"" only at the end; an iterable may yield empty chunks
            # (HTTP clients do) and ends when exhausted.
            if self._read is not None:
                chunk: Any = self._read(size - len(buffer))
                if not chunk:
                    break
            else:
                chunk = next(self._chunks, None)  # type: ignore[arg-type]
                if chunk is None:
                    break
            if not isinstance(chunk, (bytes, bytearray, memoryview)):
                raise _bad(
                    f"source: read a {type(chunk).__name__}; open the stream in binary mode",
                    field="source",
                )
            buffer += chunk
        out = bytes(buffer[:size])
        del buffer[:size]
        return out


def _next_message(reader: _Reader, number: int, max_message_size: int) -> Optional[Message]:
    prelude = reader.read(PRELUDE_LENGTH)
    if not prelude:
        return None
    try:
        if len(prelude) < PRELUDE_LENGTH:
            raise _bad(f"truncated: the stream ends {len(prelude)} bytes into a prelude")
        total, headers_length = _check_prelude(prelude, max_message_size)
        rest = reader.read(total - PRELUDE_LENGTH)
        if len(rest) < total - PRELUDE_LENGTH:
            raise _bad(
                f"truncated: the message is {total} bytes, the stream ends after "
                f"{PRELUDE_LENGTH + len(rest)}"
            )
        return _decode_body(prelude, rest, headers_length)
    except InvalidEventStream as exc:
        raise _framing_error(exc, f"event stream message {number}") from None


def iter_messages(source: Source, *, max_message_size: int = MAX_MESSAGE_SIZE) -> Iterator[Message]:
    """Decode the messages of ``source`` one by one, each CRC-checked before it is yielded.

    ``source`` is bytes, a binary file object or an iterable of byte chunks; memory stays in
    the order of one message.  A stream that ends inside a message, an oversized or corrupt
    message raise :class:`~signers.errors.InvalidEventStream` naming the message (from 1).
    """
    # (a plain function around the generator, so that a bad source is refused at the call)
    reader = source if isinstance(source, _Reader) else _Reader(source)
    return _messages(reader, max_message_size)


def _messages(reader: _Reader, max_message_size: int) -> Iterator[Message]:
    number = 0
    while True:
        number += 1
        message = _next_message(reader, number, max_message_size)
        if message is None:
            return
        yield message
