"""What a worker process of :mod:`signers.parallel` runs, and how results cross the process line.

A worker holds the credentials it was started with (:func:`initialize`, run once per worker by
the executor) and presigns one chunk of keys per task with the signer's own ``presign_many``
(or ``sign`` per URL for a signer that has none): the signing stages are the single-process
ones, untouched.

Results go back in columns (:func:`pack`): a list of signed requests is turned into one column
per field, a field equal in every row is sent once, a text field is sent as one string joined
with NUL (which no URL, path or string to sign can hold), and a tuple field is split into its own
columns.  Text is sent as what varies: a URL is split at its ``?``, a head or tail every value
shares is sent once, and a joined text equal to one already packed (a signature stands in the
query, the artifacts and the added parameters) is the same object, which pickle sends once.
Pickling thousands of small objects one by one costs more than signing them, and the parent
pays about two nanoseconds a byte to receive a result (measured): a 300-byte URL travels as its
key's tail and its signature.  :func:`unpack` rebuilds the rows lazily with ``map``/``zip``
over the columns, so the parent spends no Python-level step per row.  Only the value types
signing returns are rebuilt as tuples (:data:`_TUPLE_KINDS`); anything else travels as a plain
list.

This module is imported in every worker process: it imports nothing beyond the model.
"""

from __future__ import annotations

import datetime as _dt
from itertools import repeat
from operator import contains, itemgetter, methodcaller
from typing import Any, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from ._arguments import resolve_credentials
from ._encoding import uri_encode
from .errors import InvalidRequest, SigningError
from .model import Artifacts, Credentials, Header, Request, SignedRequest

__all__ = [
    "initialize",
    "current_credentials",
    "presign_chunk",
    "sign_chunk",
    "sign_lines",
    "signed_keys",
    "lines_of",
    "collect",
    "SIGNED",
    "URLS",
    "LINES",
    "pack",
    "unpack",
    "encode_key",
]

_tuple_new = tuple.__new__
Refusals = List[Tuple[int, str]]
_REQUEST, _URL = itemgetter(0), itemgetter(1)

# Column kinds: one value for every row; NUL-joined text; a tuple field split into columns; a list;
# texts cut to what varies between a shared head and tail; texts split at their first "?".
_SAME, _JOINED, _TUPLES, _LIST, _AFFIX, _SPLIT = 0, 1, 2, 3, 4, 5
_SEPARATOR = "\0"
# Tuple types rebuilt from their columns: plain tuples and the values signing returns, which are
# tuples with no state of their own (``__slots__ = ()``).
_TUPLE_KINDS = frozenset({tuple, Request, Artifacts, SignedRequest})

#: What a worker signs with: Credentials, or a provider asked once per task (see initialize).
_source: Any = None


def initialize(source: Any) -> None:
    """Run once in each worker: ``source`` is ``(access_key, secret_key, token)`` (the fields of
    the parent's :class:`~signers.Credentials`, which refuse to pickle) or a provider with a
    ``credentials()`` method, asked again for every task so that it can refresh."""
    global _source
    if isinstance(source, tuple):
        _source = Credentials(*source)
    else:
        _source = source


def current_credentials() -> Credentials:
    """The credentials this worker signs with now."""
    source = _source
    if isinstance(source, Credentials):
        return source
    if source is None:
        raise InvalidRequest(
            "credentials: this worker was started without credentials (signers.parallel "
            "starts its workers with them)",
            field="credentials",
        )
    return resolve_credentials(source)


def encode_key(key: object) -> str:
    """A key as ``presign_many`` appends it to the base URL's path: UTF-8, percent-encoded,
    ``/`` kept; anything but ``str`` is refused as ``presign_many`` refuses it."""
    if not isinstance(key, str):
        raise InvalidRequest(f"keys: expected str keys, got {type(key).__name__}", field="keys")
    return uri_encode(key, keep_slash=True)


def signed_keys(
    signer: Any,
    method: str,
    base_url: str,
    headers: Tuple[Header, ...],
    at: _dt.datetime,
    keys: Sequence[str],
    credentials: Credentials,
) -> Iterator[SignedRequest]:
    """The signer's ``presign_many`` over ``keys``; a signer without one signs each URL alone,
    as ``presign_many`` defines its results."""
    many = getattr(signer, "presign_many", None)
    if many is not None:
        results: Iterator[SignedRequest] = many(
            method, base_url, keys, credentials, at, headers=headers
        )
        return results
    prefix = base_url if base_url.endswith("/") else base_url + "/"
    return (
        signer.sign(Request(method, prefix + encode_key(key), headers), credentials, at)
        for key in keys
    )


#: What a task sends back: the signed requests, their URLs, or their URLs as text, one a line.
SIGNED, URLS, LINES = "signed", "urls", "lines"


def presign_chunk(
    signer: Any,
    method: str,
    base_url: str,
    headers: Tuple[Header, ...],
    at: _dt.datetime,
    form: str,
    keys: Sequence[str],
) -> Tuple[Any, Optional[SigningError]]:
    """One task: presign ``keys`` with this worker's credentials.  Returns the results in the
    ``form`` asked for (:data:`SIGNED` and :data:`URLS` packed in columns, :data:`LINES` as one
    text) and the error that stopped the chunk at a key, if one did: the results before that key
    are kept, as the single-process iterator yields them."""
    return collect(
        signed_keys(signer, method, base_url, headers, at, keys, current_credentials()), form
    )


def collect(results: Iterable[SignedRequest], form: str) -> Tuple[Any, Optional[SigningError]]:
    """``results`` in the ``form`` of :func:`presign_chunk`, up to the first error (returned)."""
    done: List[Any] = []
    error: Optional[SigningError] = None
    try:
        if form == SIGNED:
            done.extend(results)
        else:
            done.extend(map(_URL, map(_REQUEST, results)))  # (signed.request.url, in C)
    except SigningError as exc:
        error = exc
    if form == LINES:  # (the parent writes it as it comes: joining from columns costs it more)
        return lines_of(done), error
    return pack(done), error


def lines_of(urls: List[str]) -> str:
    """``urls`` as text, each followed by a newline."""
    return "\n".join(urls) + "\n" if urls else ""


def sign_chunk(line_signer: Any, at: _dt.datetime, lines: Sequence[str]) -> Tuple[str, Refusals]:
    """One task of whole URLs, with this worker's credentials (see :func:`sign_lines`)."""
    return sign_lines(line_signer, at, lines, current_credentials())


def sign_lines(
    line_signer: Any, at: _dt.datetime, lines: Sequence[str], credentials: Credentials
) -> Tuple[str, Refusals]:
    """``line_signer.url(text, credentials, at)`` for each line: the URLs as text, one a line,
    and ``(index, message)`` for each line refused (left out of the text)."""
    urls: List[str] = []
    refused: Refusals = []
    for index, text in enumerate(lines):
        try:
            urls.append(line_signer.url(text, credentials, at))
        except SigningError as exc:
            refused.append((index, str(exc)))
    return lines_of(urls), refused


# -- columns --------------------------------------------------------------------------------------


def pack(rows: List[Any]) -> Tuple[int, Any]:
    """``(len(rows), column)``: the rows in the column form :func:`unpack` reads."""
    return len(rows), _column(rows, {}) if rows else (_LIST, rows)


def unpack(packed: Tuple[int, Any]) -> Iterator[Any]:
    """The rows :func:`pack` was given, equal to them, rebuilt lazily."""
    count, column = packed
    return _rows(column, count)


def _column(values: Sequence[Any], texts: Dict[str, str]) -> Tuple[int, Any]:
    # ``texts``: the joined texts of this pack so far, so that a text equal to an earlier one is
    # the same object (pickle then sends it once: a signature stands in three fields)
    first = values[0]
    count = len(values)
    kind = type(first)
    if kind in _TUPLE_KINDS and (kind is not tuple or values.count(first) != count):
        # (the signing values compare in Python: split them into columns without comparing)
        if set(map(type, values)) == {kind} and set(map(len, values)) == {len(first)}:
            return _TUPLES, (kind, [_column(field, texts) for field in zip(*values)])
        return _LIST, list(values)
    if values.count(first) == count:  # (identity first: the fixed fields cost a pointer check)
        return _SAME, first
    if kind is str:
        try:
            return _text_column(values, texts)
        except TypeError:  # not every value is text
            pass
    return _LIST, list(values)


def _text_column(values: Sequence[str], texts: Dict[str, str]) -> Tuple[int, Any]:
    """A column of distinct texts, smallest first: split at the first ``?`` when every value
    has one (a URL: its path and its query vary apart), cut to what varies when the values share
    a head or a tail, joined with NUL when no value holds one."""
    if all(map(contains, values, repeat("?"))):
        left, _, right = zip(*map(methodcaller("partition", "?"), values))
        return _SPLIT, (_column(left, texts), _column(right, texts))
    head, tail = _shared_ends(values)
    if head or tail:
        cut = itemgetter(slice(len(head), -len(tail) if tail else None))
        return _AFFIX, (head, tail, _column(list(map(cut, values)), texts))
    if any(map(contains, values, repeat(_SEPARATOR))):
        return _LIST, list(values)
    joined = _SEPARATOR.join(values)
    return _JOINED, texts.setdefault(joined, joined)


def _shared_ends(values: Sequence[str]) -> Tuple[str, str]:
    """The longest head and tail every value has (not overlapping in the shortest one)."""
    low, high = min(values), max(values)  # (the head all values share is these two's)
    size = 0
    for size, (a, b) in enumerate(zip(low, high)):  # noqa: B007
        if a != b:
            break
    else:
        size = len(low) if len(low) <= len(high) else len(high)
    head = low[:size]
    shortest = min(map(len, values)) - size
    # the tail: the first value's, shortened until every value ends with it (checked in C
    # first: a tail is usually shared whole, or not at all)
    tail = values[0][len(values[0]) - shortest :] if shortest > 0 else ""
    if tail and not all(map(str.endswith, values, repeat(tail))):
        for value in values:
            while tail and not value.endswith(tail):
                tail = tail[1:]
            if not tail:
                break
    return head, tail


def _rows(column: Tuple[int, Any], count: int) -> Iterator[Any]:
    how, value = column
    if how == _SAME:
        return repeat(value, count)
    if how == _JOINED:
        return iter(value.split(_SEPARATOR))
    if how == _TUPLES:
        kind, fields = value
        return map(_tuple_new, repeat(kind), zip(*[_rows(f, count) for f in fields]))
    if how in (_AFFIX, _SPLIT):
        return map("".join, zip(*_pieces(column, count)))
    rows: Iterable[Any] = value
    return iter(rows)


def _pieces(column: Tuple[int, Any], count: int) -> List[Iterator[str]]:
    """A text column as the iterators of its rows' pieces, in order: the rows are the pieces
    joined (constants next to each other merged)."""
    parts: List[Any] = []  # text: the same in every row; else an iterator of one piece per row

    def add(column: Tuple[int, Any]) -> None:
        how, value = column
        if how == _AFFIX:
            parts.append(value[0])
            add(value[2])
            parts.append(value[1])
        elif how == _SPLIT:
            add(value[0])
            parts.append("?")
            add(value[1])
        elif how == _SAME:
            parts.append(value)
        else:
            parts.append(_rows(column, count))

    add(column)
    merged: List[Any] = []
    for part in parts:
        if type(part) is str and merged and type(merged[-1]) is str:
            merged[-1] += part
        elif part != "":
            merged.append(part)
    return [repeat(part, count) if type(part) is str else part for part in merged]
