"""parse_multipart: RFC 7578 bodies built by hand and by the standard library's email package."""

from __future__ import annotations

import io
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from typing import List, Optional, Tuple

import pytest

from signers.errors import (
    EntityTooLarge,
    InvalidArgument,
    InvalidOption,
    InvalidRequest,
    MalformedPOSTRequest,
    MaxPostPreDataLengthExceeded,
    PreconditionFailed,
)
from signers.post_policy import parse_multipart

CT = "multipart/form-data; boundary=XyZ"


def body(
    fields: List[Tuple[str, str]],
    content: bytes = b"data",
    *,
    filename: Optional[str] = "a.txt",
    after: List[Tuple[str, str]] = (),  # type: ignore[assignment]
    boundary: str = "XyZ",
) -> bytes:
    out = b""
    for name, value in fields:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    extra = f'; filename="{filename}"' if filename is not None else ""
    out += f'--{boundary}\r\nContent-Disposition: form-data; name="file"{extra}\r\n'.encode()
    out += b"Content-Type: image/png\r\n\r\n" + content + b"\r\n"
    for name, value in after:
        out += f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        out += value.encode() + b"\r\n"
    return out + f"--{boundary}--\r\n".encode()


class Trickle(io.RawIOBase):
    """A stream that hands out at most ``n`` bytes a read (a slow socket)."""

    def __init__(self, data: bytes, n: int) -> None:
        self.data, self.n, self.pos = data, n, 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        chunk = self.data[self.pos : self.pos + min(self.n, size if size > 0 else self.n)]
        self.pos += len(chunk)
        return chunk


def test_fields_and_file() -> None:
    fields, file = parse_multipart(CT, body([("key", "k/${filename}"), ("acl", "private")]))
    assert fields == [("key", "k/${filename}"), ("acl", "private")]
    assert (file.name, file.filename, file.content_type, file.size) == (
        "file",
        "a.txt",
        "image/png",
        4,
    )
    assert file.read() == b"data"
    assert "data" not in repr(file)


@pytest.mark.parametrize("step", [1, 2, 3, 7, 64 * 1024])
def test_any_chunking_gives_the_same_result(step: int) -> None:
    # file content that holds almost-delimiters, CRLFs and dashes across chunk edges
    content = b"\r\n--XyZ"[:-1] + b"\r\n-" * 50 + b"--XY" + bytes(range(256)) * 40
    raw = body([("key", "v\r\nw"), ("x-amz-meta-ü", "é")], content)
    fields, file = parse_multipart(CT, Trickle(raw, step))
    assert fields == [("key", "v\r\nw"), ("x-amz-meta-ü", "é")]
    assert file.read() == content and file.size == len(content)


def test_large_file_is_spooled_and_read_in_chunks() -> None:
    content = bytes(range(256)) * 8192  # 2 MiB
    _, file = parse_multipart(CT, io.BytesIO(body([("key", "k")], content)), spool_bytes=1024)
    assert file.size == len(content)
    assert file.stream.read(10) == content[:10]
    assert file.read() == content


def test_email_package_encoding() -> None:
    """An independent encoder: the standard library's MIME writer (CRLF policy)."""
    from email.policy import HTTP

    message = MIMEMultipart("form-data", boundary="b0undary'()+_,-./:=?")
    for name, value in (("key", "a"), ("Policy", "cG9saWN5")):
        part = MIMEText(value, "plain", "utf-8")
        part.replace_header("Content-Transfer-Encoding", "8bit")
        part.set_payload(value)
        part.add_header("Content-Disposition", "form-data", name=name)
        message.attach(part)
    file_part = MIMEText("hello", "plain")
    file_part.add_header("Content-Disposition", "form-data", name="file", filename="h.txt")
    del file_part["Content-Transfer-Encoding"]
    message.attach(file_part)
    raw = message.as_bytes(policy=HTTP)
    head, _, payload = raw.partition(b"\r\n\r\n")
    content_type = next(
        line.split(b":", 1)[1].strip().decode()
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-type")
    )
    fields, file = parse_multipart(content_type, payload)
    assert fields == [("key", "a"), ("Policy", "cG9saWN5")]
    assert file.read() == b"hello" and file.filename == "h.txt"


def test_preamble_epilogue_padding_and_quoted_boundary() -> None:
    raw = b"preamble text\r\n" + body([("key", "k")]).replace(b"--XyZ\r\n", b"--XyZ  \t\r\n", 1)
    fields, _ = parse_multipart('multipart/form-data; charset=utf-8; boundary="XyZ"', raw + b"epi")
    assert fields == [("key", "k")]
    # type and parameter names are case-insensitive, the boundary is not
    assert parse_multipart("Multipart/Form-Data; BOUNDARY=XyZ", raw)[0] == [("key", "k")]
    with pytest.raises(MalformedPOSTRequest):
        parse_multipart("multipart/form-data; boundary=xyz", raw)


def test_fields_after_the_file_are_ignored() -> None:
    fields, file = parse_multipart(CT, body([("key", "k")], after=[("submit", "Upload")]))
    assert fields == [("key", "k")] and file.read() == b"data"


def test_filename_forms() -> None:
    _, file = parse_multipart(CT, body([], filename=None))
    assert file.filename is None
    _, file = parse_multipart(CT, body([], filename=""))
    assert file.filename == ""
    _, file = parse_multipart(CT, body([], filename="C:\\dir\\a.txt"))
    assert file.filename == "C:\\dir\\a.txt"  # browsers send backslashes unescaped
    raw = body([]).replace(b'filename="a.txt"', b'filename="say \\"hi\\".txt"')
    assert parse_multipart(CT, raw)[1].filename == 'say "hi".txt'


@pytest.mark.parametrize(
    "content_type",
    ["application/x-www-form-urlencoded", "text/plain", "", "multipart/mixed; boundary=XyZ"],
)
def test_not_multipart_form_data(content_type: str) -> None:
    with pytest.raises(PreconditionFailed) as caught:
        parse_multipart(content_type, body([]))
    assert caught.value.http_status == 412
    assert ("Condition", "Bucket POST must be of the enclosure-type multipart/form-data") in (
        caught.value.details
    )


@pytest.mark.parametrize(
    "content_type",
    [
        "multipart/form-data",
        "multipart/form-data; boundary=",
        "multipart/form-data; boundary=" + "x" * 71,
        'multipart/form-data; boundary="a b "',
        "multipart/form-data; boundary=a{b",
        'multipart/form-data; boundary="unterminated',
    ],
)
def test_bad_boundary(content_type: str) -> None:
    with pytest.raises(MalformedPOSTRequest) as caught:
        parse_multipart(content_type, body([]))
    assert caught.value.http_status == 400
    assert str(caught.value).startswith(
        "The body of your POST request is not well-formed multipart/form-data."
    )


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"no delimiter at all",
        b"--XyZ",
        b"--XyZ\r\n",
        b"--XyZ junk\r\n",
        b'--XyZ\r\nContent-Disposition: form-data; name="key"\r\n\r\nvalue',
        b'--XyZ\r\nContent-Disposition: form-data; name="file"\r\n\r\nvalue\r\n--XY',
        b"--XyZ\r\n\r\nno headers\r\n--XyZ--",
        b'--XyZ\r\nContent-Disposition: attachment; name="key"\r\n\r\nv\r\n--XyZ--',
        b"--XyZ\r\nContent-Disposition: form-data\r\n\r\nv\r\n--XyZ--",
        b'--XyZ\r\nContent-Disposition: form-data; name="a"; name="b"\r\n\r\nv\r\n--XyZ--',
        b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n folded\r\n\r\nv\r\n--XyZ--',
        b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\n\r\n\xff\r\n--XyZ--',
        b'--XyZ\r\nContent-Disposition: form-data; name="a"\r\nContent-Transfer-Encoding: '
        b"base64\r\n\r\nYQ==\r\n--XyZ--",
    ],
)
def test_malformed_bodies(raw: bytes) -> None:
    with pytest.raises(MalformedPOSTRequest) as caught:
        parse_multipart(CT, raw)
    assert "\n" not in str(caught.value)


def test_exactly_one_file() -> None:
    no_file = b'--XyZ\r\nContent-Disposition: form-data; name="key"\r\n\r\nk\r\n--XyZ--\r\n'
    with pytest.raises(InvalidArgument) as caught:
        parse_multipart(CT, no_file)
    assert str(caught.value) == "POST requires exactly one file upload per request."
    assert ("ArgumentValue", "0") in caught.value.details
    two = body([], after=[]).replace(b"--XyZ--", body([])[: -len(b"--XyZ--\r\n")] + b"--XyZ--")
    with pytest.raises(InvalidArgument) as caught:
        parse_multipart(CT, two)
    assert ("ArgumentValue", "2") in caught.value.details


def test_form_size_limit() -> None:
    fields = [("x-amz-meta-a", "v" * 20000)]
    with pytest.raises(MaxPostPreDataLengthExceeded) as caught:
        parse_multipart(CT, body([*fields, ("x-amz-meta-b", "v" * 1000)]))
    assert ("MaxPostPreDataLengthBytes", "20480") in caught.value.details
    assert parse_multipart(CT, body(fields))[0] == fields  # under 20 KiB in all
    with pytest.raises(MaxPostPreDataLengthExceeded):
        parse_multipart(CT, body([("k", "v")]), max_form_bytes=50)
    # a body that never shows a delimiter stops at the limit, not at the end of the stream
    with pytest.raises(MaxPostPreDataLengthExceeded):
        parse_multipart(CT, Trickle(b"x" * 10**6, 4096))


def test_file_size_limit() -> None:
    assert parse_multipart(CT, body([], b"12345"), max_file_bytes=5)[1].size == 5
    with pytest.raises(EntityTooLarge) as caught:
        parse_multipart(CT, body([], b"123456"), max_file_bytes=5)
    assert ("MaxSizeAllowed", "5") in caught.value.details


def test_bad_arguments() -> None:
    with pytest.raises(InvalidRequest):
        parse_multipart(CT, "text body")  # type: ignore[arg-type]
    with pytest.raises(InvalidOption):
        parse_multipart(CT, b"", max_form_bytes=-1)


@pytest.mark.slow
@pytest.mark.timing
def test_parsing_time_grows_linearly_with_the_file() -> None:
    """The time at 10x the size is about 10x, not 100x (no rescans of the whole body)."""
    import time

    def cost(size: int) -> float:
        raw = body([("key", "k")], b"\r\n-" * (size // 3))
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            parse_multipart(CT, Trickle(raw, 4096))
            best = min(best, time.perf_counter() - start)
        return best

    small, large = cost(300_000), cost(3_000_000)
    assert large / small < 30
