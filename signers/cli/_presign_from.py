"""``sigbridge presign ... --from FILE``: one presigned URL per input line, streamed to stdout.

Two forms::

    sigbridge presign GET https://bucket.s3.amazonaws.com --from keys.txt   # one key a line
    sigbridge presign GET --from urls.txt                                   # one URL a line

A key is an object key as stored (UTF-8 text, not percent-encoded): it is encoded and appended to
BASE_URL's path as ``presign_many`` does.  A URL line is presigned as ``sigbridge presign METHOD
URL`` with the same options would: made sendable, its region and signing name inferred from it
unless given.  Every URL is signed at one instant (``--at``, else now, read once).  The URLs
come out one a line in the order of the input lines; a line that cannot be presigned (not UTF-8,
empty, a URL the signer refuses) is left out and reported on stderr as ``line N: why``, and the
exit status is then 2.  ``--jobs N`` signs on N worker processes (:mod:`signers.parallel`);
on a terminal, stderr shows a progress line.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import os
import sys
import time
from collections import deque
from itertools import chain
from typing import IO, Any, Deque, Dict, Iterable, Iterator, List, NamedTuple, Optional, Tuple

from .. import _parallel_worker as _worker
from .._time import resolve_time
from ..errors import InvalidRequest
from ..model import UNSIGNED_PAYLOAD, Body, Credentials, Request
from ._common import (
    EXIT_USAGE,
    UsageError,
    _headers,
    credentials_from_args,
    data_from_args,
    options_from_args,
    request_from_args,
    signer_from_args,
    time_from_args,
)

__all__ = ["run", "LineSigner", "Progress", "read_lines"]

# Bytes of input read at a time; a line is an object key or a URL, so about 10,000 lines.
_BLOCK = 1 << 19
_CACHE_LIMIT = 1024


def run(args: argparse.Namespace) -> int:
    """Presign every line of ``--from`` and write the URLs; 0, or 2 when a line was refused."""
    if args.json or args.explain:
        raise UsageError("sigbridge presign: --from prints URLs only; drop --json and --explain")
    jobs = args.jobs
    source = args.from_file
    if source == "-" and (getattr(args, "data", None) or "") == "@-":
        raise UsageError("sigbridge presign: --from - and -d @- cannot both read stdin")
    at = resolve_time(time_from_args(args))  # one instant for every line
    credentials = credentials_from_args(args)
    handle, total = _open(source)
    try:
        lines = read_lines(handle)
        progress = Progress(sys.stderr, total) if _is_terminal(sys.stderr) else None
        shared = _Run(lines, credentials, at, jobs, progress)
        refused = (_run_urls if args.url is None else _run_keys)(args, shared)
        if progress is not None:
            progress.finish()
    finally:
        if handle is not sys.stdin.buffer:
            handle.close()
    return EXIT_USAGE if refused else 0


def _open(source: str) -> Tuple[IO[bytes], Optional[int]]:
    """The input as bytes, and its size when it is a regular file (for the progress line)."""
    if source == "-":
        return sys.stdin.buffer, None
    try:
        handle = open(source, "rb")  # noqa: SIM115 (closed by run)
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidRequest(f"--from: cannot read {source!r}: {reason}", field="from") from None
    try:
        size: Optional[int] = os.fstat(handle.fileno()).st_size
    except OSError:
        size = None
    return handle, size


def _is_terminal(stream: Any) -> bool:
    isatty = getattr(stream, "isatty", None)
    try:
        return bool(isatty()) if callable(isatty) else False
    except (OSError, ValueError):
        return False


# -- input ----------------------------------------------------------------------------------------


class _Lines:
    """The input's lines in blocks: each block is ``(first line number, lines, bytes read)``;
    a line that is not UTF-8 is ``None`` in its block (reported by line number)."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.read = 0  # bytes read so far (for the progress line)

    def __iter__(self) -> Iterator[Tuple[int, List[Optional[str]]]]:
        number = 1
        while True:
            block = self.handle.readlines(_BLOCK)
            if not block:
                return
            data = b"".join(block)
            self.read += len(data)
            try:
                text: List[Optional[str]] = list(data.decode("utf-8").split("\n"))
                if data.endswith(b"\n"):
                    text.pop()
            except UnicodeDecodeError:
                text = [_decoded(line.rstrip(b"\n")) for line in block]
            if b"\r" in data:  # CRLF line ends
                text = [line[:-1] if line and line.endswith("\r") else line for line in text]
            yield number, text
            number += len(text)


def _decoded(line: bytes) -> Optional[str]:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return None


def read_lines(handle: IO[bytes]) -> _Lines:
    """The lines of ``handle`` in blocks (see :class:`_Lines`)."""
    return _Lines(handle)


def _why(line: Optional[str], what: str) -> Optional[str]:
    """Why ``line`` cannot be presigned before it reaches a signer, or ``None``."""
    if line is None:
        return "not UTF-8 text"
    if not line:
        return f"empty line (expected {what})"
    return None


class _Report:
    """Refused lines, one line each on stderr (clearing the progress line first)."""

    def __init__(self, progress: Optional[Progress]) -> None:
        self.progress = progress
        self.count = 0

    def __call__(self, number: int, message: str) -> None:
        self.count += 1
        if self.progress is not None:
            self.progress.clear()
        sys.stderr.write(f"sigbridge: error: line {number}: {message}\n")


class _Run(NamedTuple):
    """What every line of one ``--from`` run shares: the lines, one set of credentials, one
    instant, the number of processes and the progress line (on a terminal)."""

    lines: _Lines
    credentials: Credentials
    at: _dt.datetime
    jobs: int
    progress: Optional[Progress]


# -- keys under a base URL ------------------------------------------------------------------------


def _run_keys(args: argparse.Namespace, run: _Run) -> int:
    if getattr(args, "data", None) is not None or getattr(args, "unsigned_payload", False):
        raise UsageError(
            "sigbridge presign: with BASE_URL and --from, every URL is presigned with an empty "
            "body; drop -d and --unsigned-payload (or give full URLs, one a line)"
        )
    base = request_from_args(args)
    signer = signer_from_args(args, base)
    if getattr(args, "endpoint_url", None):
        from ._resolve import retarget

        base = retarget(base, args.endpoint_url)
    report = _Report(run.progress)
    keys = chain.from_iterable(_good_keys(run.lines, report))
    batch = (signer, base.method, base.url, base.headers, run.at)
    if run.jobs == 1:  # the URLs of each chunk of keys as text, signed in this process
        from ..parallel import DEFAULT_CHUNK_SIZE
        from ..parallel import _chunks as chunks_of

        texts: Iterator[str] = (
            _worker.lines_of([s.url for s in _worker.signed_keys(*batch, chunk, run.credentials)])
            for chunk in chunks_of(keys, DEFAULT_CHUNK_SIZE)
        )
        _write(texts, run.lines, run.progress)
        return report.count
    from ..parallel import PresignPool

    with PresignPool(run.credentials, jobs=run.jobs) as pool:
        texts = pool.url_lines(signer, base.method, base.url, keys, run.at, headers=base.headers)
        _write(texts, run.lines, run.progress)
    return report.count


def _good_keys(lines: _Lines, report: _Report) -> Iterator[List[str]]:
    for number, block in lines:
        if None in block or "" in block:
            good = []
            for offset, line in enumerate(block):
                why = _why(line, "an object key")
                if why is None:
                    good.append(line)
                else:
                    report(number + offset, why)
            yield good  # type: ignore[misc]
        else:
            yield block  # type: ignore[misc]


def _write(texts: Iterable[str], lines: _Lines, progress: Optional[Progress]) -> None:
    write = sys.stdout.write
    for text in texts:
        write(text)
        if progress is not None:
            progress.advance(text.count("\n"), lines.read)
    sys.stdout.flush()


# -- whole URLs -----------------------------------------------------------------------------------


class LineSigner:
    """Presigns one URL line as ``sigbridge presign METHOD URL`` with the command's options
    would.  It pickles (for the worker processes) as the command's signing arguments -- never
    credentials -- and keeps, in each process, the signers it built per inferred scope."""

    _FIELDS = (
        "method", "header", "scheme", "service", "region", "s3", "expires", "option",
        "endpoint_url", "profile",
    )  # fmt: skip

    def __init__(self, args: argparse.Namespace) -> None:
        self.fields = {name: getattr(args, name, None) for name in self._FIELDS}
        data = data_from_args(args)
        self.body: Body = UNSIGNED_PAYLOAD if getattr(args, "unsigned_payload", False) else data
        self._setup()

    def _setup(self) -> None:
        self.namespace = argparse.Namespace(**self.fields)
        self.method = str(self.fields["method"])
        self.headers = _headers(self.fields["header"] or [])
        self.signers: Dict[Any, Any] = {}

    def __getstate__(self) -> Dict[str, Any]:
        return {"fields": self.fields, "body": self.body}

    def __setstate__(self, state: Dict[str, Any]) -> None:
        self.fields, self.body = state["fields"], state["body"]
        self._setup()

    def url(self, text: str, credentials: Credentials, at: _dt.datetime) -> str:
        """The presigned URL for the URL ``text``."""
        from .._sendable import sendable

        request = sendable(Request(self.method, text, self.headers, self.body))
        signer = self._signer(request)
        endpoint = self.fields["endpoint_url"]
        if endpoint:
            from ._resolve import retarget

            request = retarget(request, endpoint)
        url: str = signer.sign(request, credentials, at).url
        return url

    def _signer(self, request: Request) -> Any:
        # The scope is inferred from the host, the query and an RPC path (signers.services):
        # requests that agree on those get the same signer.
        path = request.path if request.path.startswith("/service/") else ""
        key = (request.host, path, request.query)
        found = self.signers.get(key)
        if found is None:
            from ..registry import get_signer

            options = options_from_args(self.namespace, request)
            scheme = self.fields["scheme"] or "sigv4-query"
            if len(self.signers) >= _CACHE_LIMIT:
                self.signers.clear()
            found = self.signers[key] = get_signer(scheme, **options)
        return found


def _run_urls(args: argparse.Namespace, run: _Run) -> int:
    signer = LineSigner(args)
    report = _Report(run.progress)
    numbers: Deque[List[int]] = deque()
    chunks = _url_chunks(run.lines, report, numbers)
    if run.jobs == 1:
        results: Iterator[Any] = (
            _worker.sign_lines(signer, run.at, c, run.credentials) for c in chunks
        )
        _write_signed(results, numbers, report, run.lines, run.progress)
        return report.count
    from ..parallel import PresignPool

    with PresignPool(run.credentials, jobs=run.jobs) as pool:
        results = pool.ordered(_worker.sign_chunk, (signer, run.at), chunks)
        _write_signed(results, numbers, report, run.lines, run.progress)
    return report.count


def _url_chunks(lines: _Lines, report: _Report, numbers: Deque[List[int]]) -> Iterator[List[str]]:
    # The lines to sign, a block at a time; their line numbers are queued in ``numbers``, in
    # the order the chunks go out (the results come back in that order).
    for first, block in lines:
        good: List[str] = []
        where: List[int] = []
        for offset, line in enumerate(block):
            why = _why(line, "a URL")
            if why is None:
                good.append(line)  # type: ignore[arg-type]
                where.append(first + offset)
            else:
                report(first + offset, why)
        if good:
            numbers.append(where)
            yield good


def _write_signed(
    results: Iterable[Tuple[str, List[Tuple[int, str]]]],
    numbers: Deque[List[int]],
    report: _Report,
    lines: _Lines,
    progress: Optional[Progress],
) -> None:
    write = sys.stdout.write
    for text, refused in results:
        where = numbers.popleft()
        write(text)
        for index, message in refused:
            report(where[index], message)
        if progress is not None:
            progress.advance(text.count("\n"), lines.read)
    sys.stdout.flush()


# -- progress -------------------------------------------------------------------------------------


class Progress:
    """One line on a terminal, redrawn at most ten times a second: URLs written, their rate,
    and (for a file of known size) the share of the input read."""

    def __init__(self, stream: Any, total: Optional[int], *, clock: Any = time.monotonic) -> None:
        self.stream, self.total, self.clock = stream, total or None, clock
        self.done = 0
        self.read = 0
        self.start = self.clock()
        self.drawn = 0.0
        self.width = 0

    def advance(self, count: int, read: int) -> None:
        self.done += count
        self.read = read
        now = self.clock()
        if now - self.drawn >= 0.1:
            self.drawn = now
            self._draw(now)

    def _draw(self, now: float) -> None:
        elapsed = max(now - self.start, 1e-9)
        text = f"{self.done:,} URLs, {self.done / elapsed:,.0f}/s"
        if self.total:
            share = min(self.read / self.total, 1.0)
            filled = int(share * 30)
            text = f"[{'#' * filled}{'.' * (30 - filled)}] {share:4.0%} {text}"
        self.stream.write("\r" + text.ljust(self.width))
        self.stream.flush()
        self.width = len(text)

    def clear(self) -> None:
        """Blank the line (before another message is written)."""
        if self.width:
            self.stream.write("\r" + " " * self.width + "\r")
            self.width = 0
            self.drawn = 0.0

    def finish(self) -> None:
        """Draw the final state and end the line."""
        self._draw(self.clock())
        self.stream.write("\n")
        self.stream.flush()
