"""multipart/form-data as S3 reads a browser POST upload (RFC 7578 over RFC 2046 section 5.1).

The body is a run of parts, each introduced by ``--boundary`` at the start of a line (the CRLF
before it belongs to the delimiter) and ended by the next; ``--boundary--`` closes the body;
anything before the first delimiter or after the last is ignored.  A part is header lines, a
blank line, and its content; ``Content-Disposition: form-data; name="..."`` names it.

The parser reads its input in chunks, so a request body can come from a socket: field parts are
kept in memory under a bound (S3 allows 20 KiB of form "preceding the upload file"), the part
named ``file`` is spooled (memory, then a temporary file past ``spool_bytes``), and the fields
after the file are read (to check the body is well formed) and dropped, as S3 ignores them.
Errors are S3's answers as captured (its error table names other codes for some of them):
412 ``PreconditionFailed`` with the Condition "Bucket POST must be of the enclosure-type
multipart/form-data" when the body is not multipart/form-data (LocalStack's recording of S3);
400 ``MalformedPOSTRequest`` for a broken body (repost.aws QUeXkR-SeeSaCFrB_koqLpKA, a
Content-Type without a boundary); ``MaxPostPreDataLengthExceeded`` with
``MaxPostPreDataLengthBytes`` 20480 past the bound (waynehoover/s3_direct_upload#45,
stackoverflow.com/q/65267176); 400 ``InvalidArgument`` "POST requires exactly one file upload
per request." unless there is exactly one file (rowanwins/vue-dropzone#303).
"""

from __future__ import annotations

import io
import tempfile
from typing import IO, Any, BinaryIO, Dict, List, NoReturn, Optional, Tuple, Union

from .errors import (
    EntityTooLarge,
    InvalidArgument,
    InvalidOption,
    InvalidRequest,
    MalformedPOSTRequest,
    MaxPostPreDataLengthExceeded,
    PreconditionFailed,
)

__all__ = ["FilePart", "parse_multipart", "parse_content_type", "MAX_FORM_BYTES"]

#: S3: "The form data and boundaries (excluding the contents of the file) cannot exceed 20KB";
#: its answer names the limit as ``<MaxPostPreDataLengthBytes>20480``.
MAX_FORM_BYTES = 20480
#: S3's largest single upload (5 GB, stated for PUT; POST's own limit is not published).
MAX_FILE_BYTES = 5 * 1024**3
_CHUNK = 64 * 1024
_MAX_HEADER_BLOCK = 8 * 1024
# RFC 2046 bcharsnospace, plus the space allowed inside a boundary
_BCHARS = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'()+_,-./:=? ")
_NOT_MULTIPART = "Bucket POST must be of the enclosure-type multipart/form-data"
_MALFORMED = "The body of your POST request is not well-formed multipart/form-data."


class FilePart:
    """The uploaded file: its form name, ``filename`` parameter (``None`` when absent), part
    Content-Type, size in bytes, and content (:meth:`read`, or :attr:`stream` at offset 0)."""

    __slots__ = ("_stream", "content_type", "filename", "name", "size")
    _stream: IO[bytes]
    name: str
    filename: Optional[str]
    content_type: Optional[str]
    size: int

    def __init__(
        self,
        name: str,
        filename: Optional[str],
        content_type: Optional[str],
        size: int,
        stream: IO[bytes],
    ) -> None:
        setattr_ = object.__setattr__
        setattr_(self, "name", name)
        setattr_(self, "filename", filename)
        setattr_(self, "content_type", content_type)
        setattr_(self, "size", size)
        setattr_(self, "_stream", stream)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("FilePart is immutable")

    @property
    def stream(self) -> IO[bytes]:
        """The content as a binary file, rewound."""
        self._stream.seek(0)
        return self._stream

    def read(self) -> bytes:
        """The whole content (for small files; large ones are better read from :attr:`stream`)."""
        return self.stream.read()

    def __repr__(self) -> str:
        return (
            f"FilePart(name={self.name!r}, filename={self.filename!r}, "
            f"content_type={self.content_type!r}, size={self.size})"
        )


def _malformed(detail: str) -> NoReturn:
    # S3's message, then what exactly is wrong (S3 says no more; a server may drop the detail).
    raise MalformedPOSTRequest(f"{_MALFORMED} ({detail})", field="body")


def _parameters(text: str, what: str) -> Tuple[str, Dict[str, str]]:
    """``value; name=token; name="quoted"`` -> (value lower-cased, {name lower-cased: value}).

    Inside quotes only ``\\"`` and ``\\\\`` are escapes: browsers send Windows paths with bare
    backslashes in ``filename`` and never escape them (WHATWG HTML percent-encodes ``"`` as %22).
    """
    head, _, rest = text.partition(";")
    params: Dict[str, str] = {}
    i, n = 0, len(rest)
    while i < n:
        while i < n and rest[i] in " \t;":
            i += 1
        if i >= n:
            break
        eq = rest.find("=", i)
        if eq < 0:
            _malformed(f"{what}: parameter {rest[i:].strip()!r} has no value")
        name = rest[i:eq].strip().lower()
        i = eq + 1
        while i < n and rest[i] in " \t":
            i += 1
        if i < n and rest[i] == '"':
            i += 1
            chars: List[str] = []
            while True:
                if i >= n:
                    _malformed(f"{what}: unterminated quoted value of {name!r}")
                c = rest[i]
                if c == "\\" and i + 1 < n and rest[i + 1] in '"\\':
                    chars.append(rest[i + 1])
                    i += 2
                    continue
                if c == '"':
                    i += 1
                    break
                chars.append(c)
                i += 1
            value = "".join(chars)
            while i < n and rest[i] in " \t":
                i += 1
            if i < n and rest[i] != ";":
                _malformed(f"{what}: text after the quoted value of {name!r}")
        else:
            end = rest.find(";", i)
            end = n if end < 0 else end
            value = rest[i:end].strip()
            i = end
        if not name or name in params:
            _malformed(f"{what}: parameter {name!r} is empty or repeated")
        params[name] = value
    return head.strip().lower(), params


def parse_content_type(content_type: str) -> bytes:
    """The boundary of a ``multipart/form-data`` Content-Type, as bytes."""
    kind, params = _parameters(content_type or "", "Content-Type")
    if kind != "multipart/form-data":
        raise PreconditionFailed(
            "At least one of the pre-conditions you specified did not hold",
            field="Content-Type",
            details=[("Condition", _NOT_MULTIPART)],
        )
    boundary = params.get("boundary", "")
    # RFC 2046: 1 to 70 characters from bchars, not ending with a space
    if not 0 < len(boundary) <= 70 or not _BCHARS.issuperset(boundary) or boundary[-1] == " ":
        _malformed(f"Content-Type: boundary {boundary!r} is missing or not a valid boundary")
    return boundary.encode("ascii")


class _Source:
    """Chunks of the body, from bytes or a binary file."""

    def __init__(self, body: Union[bytes, bytearray, memoryview, BinaryIO]) -> None:
        if isinstance(body, (bytes, bytearray, memoryview)):
            self._file: Any = io.BytesIO(bytes(body))
        elif callable(getattr(body, "read", None)):
            self._file = body
        else:
            raise InvalidRequest(
                f"body: expected bytes or a binary file, got {type(body).__name__}", field="body"
            )
        self.eof = False

    def read(self) -> bytes:
        if self.eof:
            return b""
        chunk = self._file.read(_CHUNK)
        if not isinstance(chunk, (bytes, bytearray)):
            raise InvalidRequest(
                f"body: read() returned {type(chunk).__name__}, not bytes", field="body"
            )
        if not chunk:
            self.eof = True
        return bytes(chunk)


class _Parser:
    def __init__(
        self, source: _Source, boundary: bytes, max_form: int, max_file: int, spool: int
    ) -> None:
        self.source = source
        self.buf = bytearray()
        self.delimiter = b"--" + boundary
        self.marker = b"\r\n" + self.delimiter
        self.max_form, self.max_file, self.spool = max_form, max_file, spool
        self.form_bytes = 0  # everything but the file's content
        self.fields: List[Tuple[str, str]] = []
        self.files: List[FilePart] = []

    def more(self) -> bool:
        chunk = self.source.read()
        self.buf += chunk
        return bool(chunk)

    def count(self, n: int) -> None:
        self.form_bytes += n
        if self.form_bytes > self.max_form:
            raise MaxPostPreDataLengthExceeded(
                "Your POST request fields preceeding the upload file was too large.",
                field="body",
                details=[("MaxPostPreDataLengthBytes", str(self.max_form))],
            )

    def skip_preamble(self) -> None:
        while True:
            if self.buf.startswith(self.delimiter):
                at = 0
            else:
                at = self.buf.find(self.marker)
                at = at + 2 if at >= 0 else -1
            if at >= 0:
                self.count(at + len(self.delimiter))
                del self.buf[: at + len(self.delimiter)]
                return
            if len(self.buf) > self.max_form:
                self.count(len(self.buf))
            if not self.more():
                _malformed("no boundary delimiter line")

    def after_delimiter(self) -> bool:
        """Past a delimiter: ``True`` when a part follows, ``False`` at the close delimiter."""
        while len(self.buf) < 2 and self.more():
            pass
        if self.buf[:2] == b"--":
            return False
        while True:
            stripped = self.buf.lstrip(b" \t")  # RFC 2046 transport padding
            if len(stripped) >= 2 or not self.more():
                break
        padding = len(self.buf) - len(stripped)
        if stripped[:2] != b"\r\n":
            _malformed("a boundary delimiter is not followed by CRLF")
        self.count(padding + 2)
        del self.buf[: padding + 2]
        return True

    def headers(self) -> Dict[str, str]:
        while True:
            if self.buf.startswith(b"\r\n"):
                end, block = 0, b""
                break
            end = self.buf.find(b"\r\n\r\n")
            if end >= 0:
                block = bytes(self.buf[:end])
                break
            if len(self.buf) > _MAX_HEADER_BLOCK:
                _malformed(f"part headers longer than {_MAX_HEADER_BLOCK} bytes")
            if not self.more():
                _malformed("the body ends inside part headers")
        size = end + 2 if not block else end + 4
        self.count(size)
        del self.buf[:size]
        try:
            text = block.decode("utf-8")
        except UnicodeDecodeError:
            _malformed("part headers are not UTF-8")
        found: Dict[str, str] = {}
        for line in text.split("\r\n") if text else []:
            name, colon, value = line.partition(":")
            if not colon or not name or name != name.strip() or line[:1] in " \t":
                _malformed(f"bad part header line {line!r}")
            key = name.lower()
            if key in found:
                _malformed(f"part header {name!r} repeated")
            found[key] = value.strip()
        return found

    def field_content(self) -> bytes:
        while True:
            at = self.buf.find(self.marker)
            if at >= 0:
                content = bytes(self.buf[:at])
                self.count(at + len(self.marker))
                del self.buf[: at + len(self.marker)]
                return content
            if self.form_bytes + len(self.buf) > self.max_form + len(self.marker):
                self.count(len(self.buf))
            if not self.more():
                _malformed("the body ends inside a part (no closing boundary)")

    def file_content(self) -> Tuple[IO[bytes], int]:
        spooled: IO[bytes] = tempfile.SpooledTemporaryFile(max_size=self.spool)  # noqa: SIM115
        size = 0
        keep = len(self.marker) - 1
        while True:
            at = self.buf.find(self.marker)
            ready = at if at >= 0 else max(0, len(self.buf) - keep)
            size += ready
            if size > self.max_file:
                spooled.close()
                raise EntityTooLarge(
                    "Your proposed upload exceeds the maximum allowed size",
                    field="file",
                    details=[("ProposedSize", str(size)), ("MaxSizeAllowed", str(self.max_file))],
                )
            spooled.write(bytes(self.buf[:ready]))
            if at >= 0:
                self.count(len(self.marker))
                del self.buf[: at + len(self.marker)]
                spooled.seek(0)
                return spooled, size
            del self.buf[:ready]
            if not self.more():
                spooled.close()
                _malformed("the body ends inside the file part (no closing boundary)")

    def part(self) -> None:
        headers = self.headers()
        disposition = headers.get("content-disposition")
        if disposition is None:
            _malformed("a part has no Content-Disposition")
        kind, params = _parameters(disposition, "Content-Disposition")
        name = params.get("name")
        if kind != "form-data" or name is None:
            _malformed(f"a part is not form-data with a name: {disposition!r}")
        encoding = headers.get("content-transfer-encoding", "binary").lower()
        if encoding not in ("binary", "8bit", "7bit"):
            _malformed(f"part {name!r}: Content-Transfer-Encoding {encoding!r} is not supported")
        if name.lower() == "file":
            stream, size = self.file_content()
            self.files.append(
                FilePart(name, params.get("filename"), headers.get("content-type"), size, stream)
            )
            self.form_bytes = 0  # the (ignored) fields after the file get a budget of their own
            return
        content = self.field_content()
        if self.files:
            return  # S3: "Any fields below it are ignored."
        try:
            self.fields.append((name, content.decode("utf-8")))
        except UnicodeDecodeError:
            _malformed(f"field {name!r} is not UTF-8 (the form must be UTF-8 encoded)")


def parse_multipart(
    content_type: str,
    body: Union[bytes, bytearray, memoryview, BinaryIO],
    *,
    max_form_bytes: int = MAX_FORM_BYTES,
    max_file_bytes: int = MAX_FILE_BYTES,
    spool_bytes: int = 1024 * 1024,
) -> Tuple[List[Tuple[str, str]], FilePart]:
    """Parse a browser POST upload: ``(fields before the file, the file)``.

    ``content_type`` is the request's Content-Type header; ``body`` the bytes or a binary file
    (read in 64 KiB chunks up to the closing delimiter).  ``fields`` are ``(name, value)`` pairs
    in order, names as sent.  Raises :class:`~signers.errors.VerificationError` subclasses with
    S3's codes (see the module docstring); ``max_form_bytes`` bounds everything but the file's
    content, ``max_file_bytes`` the file (``EntityTooLarge`` past it).
    """
    for option, value in (
        ("max_form_bytes", max_form_bytes),
        ("max_file_bytes", max_file_bytes),
        ("spool_bytes", spool_bytes),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidOption(
                f"{option}: expected a non-negative int, got {value!r}", field=option
            )
    boundary = parse_content_type(content_type)
    parser = _Parser(_Source(body), boundary, max_form_bytes, max_file_bytes, spool_bytes)
    parser.skip_preamble()
    while parser.after_delimiter():
        parser.part()
    if len(parser.files) != 1:
        for extra in parser.files:
            extra._stream.close()
        # S3 answers this (not its table's IncorrectNumberOfFilesInPostRequest) for no file.
        raise InvalidArgument(
            "POST requires exactly one file upload per request.",
            field="file",
            details=[("ArgumentName", "file"), ("ArgumentValue", str(len(parser.files)))],
        )
    return parser.fields, parser.files[0]
