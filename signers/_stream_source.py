"""The data of an aws-chunked body, cut into chunks of one size, in O(chunk size) memory.

A body is bytes (or any contiguous buffer), a binary file object, or an iterable of byte pieces
of any sizes.  Every chunk but the last has exactly ``chunk_size`` bytes: S3 refuses a short chunk
that is not the last, so short reads and small pieces are gathered, and large pieces are cut
without copying them first.
"""

from __future__ import annotations

import io
from typing import Any, Iterable, Iterator, List, Optional, Tuple, Union

from .errors import InvalidRequest

__all__ = ["chunks_of"]

Chunk = Union[bytes, memoryview]


def chunks_of(
    body: Any, chunk_size: int
) -> Tuple[Iterator[Chunk], Optional[int], Optional[memoryview]]:
    """``(chunks, length, whole)``: the chunks of ``body``, its length when known (bytes, or a
    seekable file), and the whole body as a byte view when it is a buffer (else ``None``)."""
    if isinstance(body, str):
        raise InvalidRequest("body: text; give bytes (encode it)", field="body")
    if isinstance(body, (bytes, bytearray, memoryview)):
        view = memoryview(body)
        if not view.c_contiguous:
            raise InvalidRequest("body: a buffer that is not contiguous", field="body")
        view = view.cast("B")
        size = len(view)
        return (view[i : i + chunk_size] for i in range(0, size, chunk_size)), size, view
    read = getattr(body, "read", None)
    if callable(read):
        if isinstance(body, io.TextIOBase):
            raise InvalidRequest("body: a text file; open it in binary mode ('rb')", field="body")
        return _file_chunks(read, chunk_size), _remaining(body), None
    try:
        pieces = iter(body)
    except TypeError:
        raise InvalidRequest(
            "body: expected bytes, a binary file object or an iterable of bytes, got "
            f"{type(body).__name__}",
            field="body",
        ) from None
    return _gathered(pieces, chunk_size), None, None


def _remaining(body: Any) -> Optional[int]:
    """The bytes left in a seekable file, else ``None``."""
    try:
        if not body.seekable():
            return None
        here = body.tell()
        end = body.seek(0, io.SEEK_END)
        body.seek(here)
    except (AttributeError, OSError, ValueError):
        return None
    return max(0, int(end) - int(here))


def _file_chunks(read: Any, chunk_size: int) -> Iterator[bytes]:
    while True:
        data = _checked(read(chunk_size))
        if not data:
            return
        if len(data) < chunk_size:
            # A short read (a pipe, a socket): gather up to a full chunk or the end.
            parts: List[bytes] = [data]
            have = len(data)
            while have < chunk_size:
                more = _checked(read(chunk_size - have))
                if not more:
                    break
                parts.append(more)
                have += len(more)
            yield b"".join(parts)
            if have < chunk_size:
                return
            continue
        yield data


def _checked(data: object) -> bytes:
    if isinstance(data, bytes):
        return data
    if data is None:  # a non-blocking raw file with nothing yet: treated as the end
        return b""
    raise InvalidRequest(
        f"body: the file's read() gave {type(data).__name__}, not bytes (open it in binary mode)",
        field="body",
    )


def _gathered(pieces: Iterable[Any], chunk_size: int) -> Iterator[Chunk]:
    # Small pieces are gathered into a buffer of one chunk (filled in place, handed out whole and
    # then replaced, never copied); whole chunks inside a large piece are handed out as views.
    buffer = bytearray(chunk_size)
    filled = 0
    for piece in pieces:
        if not isinstance(piece, (bytes, bytearray, memoryview)):
            raise InvalidRequest(
                f"body: the iterable gave {type(piece).__name__}, not bytes", field="body"
            )
        view = memoryview(piece).cast("B")
        if filled:
            take = min(chunk_size - filled, len(view))
            buffer[filled : filled + take] = view[:take]
            filled += take
            view = view[take:]
            if filled < chunk_size:
                continue
            yield memoryview(buffer)
            del buffer  # (the chunk handed out is gone before the next buffer is made)
            buffer, filled = bytearray(chunk_size), 0
        while len(view) >= chunk_size:
            yield view[:chunk_size]
            view = view[chunk_size:]
        if len(view):
            buffer[: len(view)] = view
            filled = len(view)
    if filled:
        yield memoryview(buffer)[:filled]
