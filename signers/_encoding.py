"""Percent-encoding, query and header canonicalization, dot-segment removal.

All of it is pure string work shared by every scheme.  Encoding follows RFC 3986: the unreserved
characters ``A-Z a-z 0-9 - _ . ~`` stay as they are, every other byte of the UTF-8 form becomes
``%XX`` with upper-case hex.  Strings that are already safe take a fast path (one C-level
``bytes.translate`` call) and come back unchanged.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see signers/__init__)
if TYPE_CHECKING:
    from typing import AbstractSet, Dict, Iterable, List, Mapping, Optional, Sequence, Tuple

    Pair = Tuple[str, str]

_UNRESERVED = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~"
_UNRESERVED_SLASH = _UNRESERVED + b"/"
_QUERY_SAFE = _UNRESERVED + b"=&"

# byte -> its encoded form, one table per "safe" set
_ENCODE_TABLE = tuple(chr(b) if b in _UNRESERVED else "%%%02X" % b for b in range(256))
_ENCODE_TABLE_SLASH = tuple(chr(b) if b in _UNRESERVED_SLASH else "%%%02X" % b for b in range(256))

_HEX = {}
for _i in range(256):
    for _hi in {"%x" % (_i >> 4), "%X" % (_i >> 4)}:
        for _lo in {"%x" % (_i & 15), "%X" % (_i & 15)}:
            _HEX[_hi + _lo] = _i
del _i, _hi, _lo
# the two hex digits of an escape of an ASCII byte (either case) -> the character
_ASCII_ESCAPES = {digits: chr(code) for digits, code in _HEX.items() if code < 0x80}
# the two hex digits of every escape uri_encode writes (upper case, bytes not unreserved)
_CANONICAL_ESCAPES = frozenset("%02X" % b for b in range(256) if b not in _UNRESERVED)
_UNRESERVED_PERCENT = _UNRESERVED + b"%"
_UNRESERVED_PERCENT_EQUALS = _UNRESERVED + b"%="
_QUERY_SAFE_PERCENT = _QUERY_SAFE + b"%"


def uri_encode(value: str, *, keep_slash: bool = False) -> str:
    """Percent-encode ``value`` per RFC 3986 (UTF-8, upper-case hex); ``/`` kept if asked."""
    if value.isalnum() and value.isascii():  # access keys, dates, most names: nothing to do
        return value
    raw = value.encode("utf-8", "surrogateescape")
    safe = _UNRESERVED_SLASH if keep_slash else _UNRESERVED
    if not raw.translate(None, safe):
        return value
    table = _ENCODE_TABLE_SLASH if keep_slash else _ENCODE_TABLE
    return "".join([table[b] for b in raw])


def uri_encode_bytes(raw: bytes, *, keep_slash: bool = False) -> str:
    """Percent-encode raw bytes (used after percent-decoding, so invalid UTF-8 survives)."""
    safe = _UNRESERVED_SLASH if keep_slash else _UNRESERVED
    if not raw.translate(None, safe):
        return raw.decode("ascii")
    table = _ENCODE_TABLE_SLASH if keep_slash else _ENCODE_TABLE
    return "".join([table[b] for b in raw])


def percent_decode(value: str) -> bytes:
    """Decode ``%XX`` escapes into bytes.  ``+`` stays ``+``; a malformed escape stays literal."""
    raw = value.encode("utf-8", "surrogateescape")
    if b"%" not in raw:
        return raw
    parts = raw.split(b"%")
    out = bytearray(parts[0])
    for part in parts[1:]:
        code = _HEX.get(part[:2].decode("latin-1")) if len(part) >= 2 else None
        if code is None:
            out += b"%"
            out += part
        else:
            out.append(code)
            out += part[2:]
    return bytes(out)


def percent_decode_str(value: str) -> str:
    """:func:`percent_decode` read as UTF-8 (invalid bytes kept as surrogate escapes)."""
    if "%" not in value:
        return value
    if value.isascii():
        # ASCII text whose escapes are all of ASCII bytes decodes character for character
        parts = value.split("%")
        out = [parts[0]]
        for part in parts[1:]:
            char = _ASCII_ESCAPES.get(part[:2])
            if char is None:  # a byte above 0x7F (UTF-8 to decode) or a malformed escape
                break
            out.append(char)
            out.append(part[2:])
        else:
            return "".join(out)
    return percent_decode(value).decode("utf-8", "surrogateescape")


def is_canonical(text: str) -> bool:
    """Whether ``text`` is in the form :func:`uri_encode` writes: unreserved characters and
    upper-case ``%XX`` escapes of other bytes only.  Such text is its own canonical encoding
    (decoding and encoding it again gives it back), so canonicalization may keep it as is."""
    if not text.isascii() or text.encode("ascii").translate(None, _UNRESERVED_PERCENT):
        return False
    return "%" not in text or _escapes_canonical(text)


def _escapes_canonical(text: str) -> bool:
    """Whether every ``%`` of ``text`` starts an upper-case ``%XX`` escape."""
    escapes = _CANONICAL_ESCAPES
    # (a plain loop: cheaper than all() over a generator, on the signing and verifying paths)
    for part in text.split("%")[1:]:  # noqa: SIM110
        if part[:2] not in escapes:
            return False
    return True


def bad_escape(text: str) -> Optional[str]:
    """The first ``%`` escape of ``text`` that is not ``%`` and two hex digits (``%zz``, a
    trailing ``%``), or ``None``."""
    for part in text.split("%")[1:]:
        if part[:2] not in _HEX:
            return "%" + part[:2]
    return None


def split_query(query: str) -> List[Pair]:
    """Split a raw query string into ``(name, value)`` pairs, as sent: no decoding, order kept.

    Empty pieces (``a=1&&b=2``) are dropped; a piece without ``=`` has the empty value.
    """
    if not query:
        return []
    pairs = []
    for piece in query.split("&"):
        if piece:
            name, _, value = piece.partition("=")
            pairs.append((name, value))
    return pairs


def canonical_query(pairs: Iterable[Pair]) -> str:
    """The SigV4 canonical query string of raw (still percent-encoded) pairs.

    Each name and value is decoded and re-encoded per RFC 3986, so ``%e1`` and ``%E1`` and an
    unencoded ``ሴ`` all canonicalize alike; then pairs sort by encoded name, then encoded value
    (repeated names are kept).
    """
    encoded = canonical_query_pairs(pairs)
    encoded.sort()
    return "&".join([n + "=" + v for n, v in encoded])


def is_canonical_piece(piece: str) -> bool:
    """Whether a query piece ``name=value`` (or a bare ``name``) has a name and a value that are
    both :func:`is_canonical`: one check for the two."""
    if (
        not piece.isascii()
        or piece.encode("ascii").translate(None, _UNRESERVED_PERCENT_EQUALS)
        or piece.count("=") > 1
    ):
        return False
    return "%" not in piece or _escapes_canonical(piece)


def is_canonical_query(query: str) -> bool:
    """Whether every name and value of a raw query is :func:`is_canonical` (provided no value
    holds a second ``=``, which the caller checks where it splits the pieces)."""
    if not query.isascii() or query.encode("ascii").translate(None, _QUERY_SAFE_PERCENT):
        return False
    if "%" in query:  # (_escapes_canonical written out: a call fewer a query, measured)
        escapes = _CANONICAL_ESCAPES
        for part in query.split("%")[1:]:
            if part[:2] not in escapes:
                return False
    return True


def canonical_query_pairs_of(query: str) -> List[Pair]:
    """:func:`canonical_query_pairs` of a raw query string (not yet sorted).

    A query made only of unreserved characters, ``=`` and ``&`` and canonical escapes (see
    :func:`is_canonical`), with at most one ``=`` per piece, is already canonical: a C-level check
    replaces the per-name and per-value encoding.
    """
    if is_canonical_query(query):
        pairs = []
        for piece in query.split("&"):
            if piece:
                name, _, value = piece.partition("=")
                if "=" in value:  # encoded as %3D: take the general path
                    return canonical_query_pairs(split_query(query))
                pairs.append((name, value))
        return pairs
    return canonical_query_pairs(split_query(query))


def canonical_query_of(query: str) -> str:
    """:func:`canonical_query` of a raw query string."""
    pairs = canonical_query_pairs_of(query)
    pairs.sort()
    return "&".join([n + "=" + v for n, v in pairs])


def canonical_query_pairs(pairs: Iterable[Pair]) -> List[Pair]:
    """Each pair's name and value decoded and re-encoded per RFC 3986 (not yet sorted).

    The output of :func:`uri_encode` is its own canonical form, so a signer may add pairs it
    encoded itself to this list before sorting it.
    """
    return [(_canonical_component(name), _canonical_component(value)) for name, value in pairs]


def _canonical_component(text: str) -> str:
    if "%" not in text:
        return uri_encode(text)
    if is_canonical(text):
        return text
    return uri_encode_bytes(percent_decode(text))


def canonical_query_from_decoded(pairs: Iterable[Pair]) -> str:
    """Canonical query of pairs that are not yet encoded (the parameters a signer adds)."""
    encoded = sorted((uri_encode(n), uri_encode(v)) for n, v in pairs)
    return "&".join([n + "=" + v for n, v in encoded])


def remove_dot_segments(path: str) -> str:
    """Normalize a path as AWS does for every service but S3.

    ``.`` and empty segments go, ``..`` removes the segment before it, and a trailing slash is kept
    only when the path as sent ends in one: ``/a/b/..`` -> ``/a``, ``/a/b/../`` -> ``/a/``,
    ``//x//`` -> ``/x/``; the empty path is ``/``.
    """
    if not path or path == "/":
        return "/"
    if "/." not in path and "//" not in path and path[0] == "/":
        return path
    stack: List[str] = []
    for segment in path.split("/"):
        if segment == "" or segment == ".":
            continue
        if segment == "..":
            if stack:
                stack.pop()
        else:
            stack.append(segment)
    if not stack:
        return "/"
    result = "/" + "/".join(stack)
    if path.endswith("/"):
        result += "/"
    return result


def canonical_path(path: str, normalize: bool, double_encode: bool) -> str:
    """The canonical URI of a path as sent on the wire.

    ``double_encode`` (every service but S3) encodes the wire path once more, so ``%20`` becomes
    ``%2520``.  Single encoding (S3) decodes each segment and encodes it again, which leaves a
    correctly encoded path as it is, fixes lower-case hex and encodes what the caller left raw;
    an encoded ``%2F`` inside a segment stays ``%2F``.
    """
    if path == "/":
        return path
    if (
        path[:1] == "/"
        and path.isascii()
        and not path.encode("ascii").translate(None, _UNRESERVED_SLASH)
        and (not normalize or ("//" not in path and "/." not in path))
    ):
        return path  # only unreserved characters and "/", nothing to normalize: canonical as is
    if not path:
        path = "/"
    if normalize:
        path = remove_dot_segments(path)
    if double_encode:
        return uri_encode(path, keep_slash=True)
    if "%" not in path:
        return uri_encode(path, keep_slash=True)
    return "/".join([uri_encode_bytes(percent_decode(s)) for s in path.split("/")])


#: The characters SigV4 trims from header values and collapses inside them.
HEADER_BLANKS = " \t\x0b\x0c"
_BLANKS_TO_SPACE = {ord(c): " " for c in HEADER_BLANKS}


def trim_header_value(value: str) -> str:
    """Trim a header value and collapse inner runs of whitespace to one space (SigV4 rule).

    Whitespace is what AWS's own signer (aws-c-auth) takes for it: space, tab, vertical tab and
    form feed; any other character (U+00A0, U+3000, U+0085, U+001C-1F ...) is data and signed.
    :func:`merge_headers` applies it to every value; every SigV4 path trims through it.
    """
    if "  " in value or "\t" in value or "\x0b" in value or "\x0c" in value:
        return _collapse(value)
    return value.strip(HEADER_BLANKS)


def _collapse(value: str) -> str:
    # trimmed, each inner run of blanks one space
    return " ".join(filter(None, value.translate(_BLANKS_TO_SPACE).split(" ")))


def merge_headers(
    headers: Iterable[Pair],
    exclude: AbstractSet[str] = frozenset(),
    stop: AbstractSet[str] = frozenset(),
    skip: Optional[AbstractSet[str]] = None,
) -> Optional[Dict[str, str]]:
    """The headers to sign as ``{lower-case name: value}``: each value trimmed and its inner runs
    of whitespace collapsed to one space, repeated names joined with ``,`` in the order sent.

    ``exclude`` holds lower-case names left out; a name in ``stop`` makes the result ``None`` (a
    signer's one-pass path then hands the request to its general path).  ``skip`` is
    ``exclude | stop`` when the caller keeps it (the signers' options do), made here otherwise:
    one lookup for the usual name, in neither set (measured).
    """
    if skip is None:
        skip = exclude | stop if stop else exclude
    merged: Dict[str, str] = {}
    repeated: Optional[Dict[str, List[str]]] = None  # (joined once at the end: linear)
    for name, value in headers:
        key = name.lower()
        if key in skip:
            if key in stop:
                return None
            continue
        value = trim_header_value(value)
        if key not in merged:
            merged[key] = value
        elif repeated is None:
            repeated = {key: [merged[key], value]}
        elif key in repeated:
            repeated[key].append(value)
        else:
            repeated[key] = [merged[key], value]
    if repeated is not None:
        for key, values in repeated.items():
            merged[key] = ",".join(values)
    return merged


def header_block(merged: Mapping[str, str]) -> Tuple[str, str]:
    """``(canonical headers, signed headers)`` of merged headers: ``name:value\\n`` lines and the
    names joined with ``;``, sorted by name."""
    names = sorted(merged)
    # (a plain loop: fewer instructions than map/zip or a comprehension for the usual handful
    # of headers, measured on 3.11)
    lines: List[str] = []
    for name in names:
        lines.append(f"{name}:{merged[name]}\n")
    return "".join(lines), ";".join(names)


def canonical_headers(
    headers: Sequence[Pair], exclude: AbstractSet[str] = frozenset()
) -> Tuple[str, str]:
    """Return ``(canonical_headers, signed_headers)`` for the SigV4 canonical request.

    Names are lower-cased; values trimmed; repeated names joined with ``,`` in the order sent;
    entries sorted by name.  ``exclude`` holds lower-case names that are not signed.
    """
    return header_block(merge_headers(headers, exclude) or {})
