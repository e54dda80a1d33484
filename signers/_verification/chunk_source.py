"""Where :class:`~signers._verification.chunked.ChunkedPayload` reads an aws-chunked body from.

Two sources with one interface -- ``line()`` (a chunk header or a trailer line, with its end),
``data(size, number)`` (a chunk's data and the CRLF after it), ``extra()`` (whether anything
follows the body) -- both bounded by the wire length (``Content-Length``) when it is known:

* :class:`FileSource`: a binary file (a server's socket file, a request body stream) read a line
  and a chunk at a time; it never reads past the wire length, so a connection's next request is
  left unread.  Each chunk is one ``read`` (the file's copy), handed out as it is.
* :class:`BytesSource`: the body's bytes, read in place: ``bytes.find`` for a line's end and a
  ``memoryview`` of each chunk's data, so a chunk is hashed where it lies and copied once, when
  it is handed out (after its signature checked).

The malformed-body errors of both are S3's ``IncompleteBody``.
"""

from __future__ import annotations

from typing import Any, Callable, List, Match, Optional, Pattern, Union

from ..errors import IncompleteBody, InvalidOption

__all__ = ["BytesSource", "FileSource", "MAX_LINE", "malformed", "shown", "truncated"]

#: The longest chunk header or trailer line accepted.
MAX_LINE = 8192


class FileSource:
    """A binary file, read a line and a chunk at a time, never past ``wire_length`` (``None``:
    the file ends with the body).  The file is read, never closed."""

    __slots__ = ("_budget", "_read", "_readline")

    def __init__(self, file: Any, wire_length: Optional[int]) -> None:
        self._read: Callable[[int], Any] = file.read
        readline = getattr(file, "readline", None)
        self._readline: Optional[Callable[[int], Any]] = readline if callable(readline) else None
        self._budget = wire_length

    def line(self) -> bytes:
        """A line with its end: at most ``MAX_LINE`` bytes and never past the wire length."""
        budget = self._budget
        limit = MAX_LINE if budget is None or budget > MAX_LINE else budget
        readline = self._readline
        line = readline(limit) if readline is not None else self._byte_line(limit)
        if type(line) is not bytes:
            line = _as_bytes(line)
        if budget is not None:
            self._budget = budget - len(line)
        if line[-1:] != b"\n":
            if len(line) >= MAX_LINE:
                raise malformed(f"a line longer than {MAX_LINE} bytes")
            raise truncated()
        return line

    def line_match(self, pattern: Pattern[bytes]) -> Union[Match[bytes], bytes]:
        """The next line matched by ``pattern`` (which must end with its line's end), else the
        line itself."""
        line = self.line()
        found = pattern.fullmatch(line)
        return line if found is None else found

    def data(self, size: int, number: int) -> bytes:
        """Chunk ``number``'s ``size`` bytes and the CRLF after them."""
        budget = self._budget
        if budget is not None:
            if size + 2 > budget:
                raise truncated()
            self._budget = budget - size - 2
        read = self._read
        data = read(size)
        if type(data) is not bytes or len(data) != size:
            data = self._gather(data, size)
        end = read(2)
        if end != b"\r\n" and self._gather(end, 2) != b"\r\n":
            raise malformed(f"chunk {number} is not followed by CRLF")
        return data

    def extra(self) -> bool:
        """Whether anything follows the body (with a wire length, nothing more is read)."""
        budget = self._budget
        return bool(self._read(1)) if budget is None else budget > 0

    def _byte_line(self, limit: int) -> bytes:
        # (a file without readline: a byte at a time, never past the line's end)
        pieces: List[bytes] = []
        while len(pieces) < limit:
            byte = _as_bytes(self._read(1))
            if not byte:
                break
            pieces.append(byte)
            if byte == b"\n":
                break
        return b"".join(pieces)

    def _gather(self, first: Any, size: int) -> bytes:
        """``size`` bytes from a first read and as many more as it takes (the end: an error)."""
        data = _as_bytes(first)
        if len(data) == size:
            return data
        pieces = [data]
        have = len(data)
        while have < size:
            more = _as_bytes(self._read(size - have))
            if not more:
                raise truncated()
            pieces.append(more)
            have += len(more)
        return b"".join(pieces)


class BytesSource:
    """The body's bytes, read in place, never past ``wire_length`` (``None``: their length)."""

    __slots__ = ("_end", "_position", "_stop", "_view", "_wire")

    def __init__(self, wire: bytes, wire_length: Optional[int]) -> None:
        self._wire = wire
        self._view = memoryview(wire)
        self._position = 0
        self._end = len(wire) if wire_length is None else wire_length
        self._stop = min(len(wire), self._end)  # (a shorter Content-Length hides the rest)

    def line(self) -> bytes:
        """A line with its end: at most ``MAX_LINE`` bytes and never past the wire length."""
        start = self._position
        limit = min(start + MAX_LINE, self._stop)
        end = self._wire.find(b"\n", start, limit) + 1
        if not end:
            if limit - start >= MAX_LINE:
                raise malformed(f"a line longer than {MAX_LINE} bytes")
            raise truncated()
        self._position = end
        return self._wire[start:end]

    def line_match(self, pattern: Pattern[bytes]) -> Union[Match[bytes], bytes]:
        """As :meth:`FileSource.line_match`; ``pattern`` matched where the line lies (it may
        hold no line end but its last)."""
        start = self._position
        found = pattern.match(self._wire, start, self._stop)
        if found is None or found.end() - start > MAX_LINE:
            return self.line()
        self._position = found.end()
        return found

    def data(self, size: int, number: int) -> memoryview:
        """A view of chunk ``number``'s ``size`` bytes, past the CRLF after them."""
        start = self._position
        end = start + size
        if end + 2 > self._stop:
            raise truncated()
        if self._wire[end : end + 2] != b"\r\n":
            raise malformed(f"chunk {number} is not followed by CRLF")
        self._position = end + 2
        return self._view[start:end]

    def extra(self) -> bool:
        """Whether anything follows the body (bytes, or a Content-Length beyond them)."""
        return self._position < self._end


def _as_bytes(data: Any) -> bytes:
    if isinstance(data, bytes):
        return data
    if data is None:  # (a non-blocking raw file with nothing yet: the end)
        return b""
    raise InvalidOption(
        f"body: the file's read() gave {type(data).__name__}, not bytes", field="body"
    )


def shown(data: bytes) -> str:
    """At most 16 bytes of ``data`` for a message (a malformed line may hold a signature, which
    no message may show)."""
    return repr(data[:16] + (b"..." if len(data) > 16 else b""))


def malformed(why: str) -> IncompleteBody:
    return IncompleteBody(
        f"The request body terminated unexpectedly: {why}.", field="body", stage="aws-chunked"
    )


def truncated() -> IncompleteBody:
    return malformed("the aws-chunked body ends before its end (the final chunk, its trailer)")
