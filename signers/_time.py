"""Time handling: every signer takes its time as an argument, as a timezone-aware datetime.

The formatters below work on the integer fields directly; ``datetime.strftime`` is locale-aware and
several times slower, and signing calls them on every request.
"""

from __future__ import annotations

import datetime as _dt
from time import time as _now
from typing import Any, Callable, Optional, Tuple, TypeVar

from .errors import InvalidTime

_T = TypeVar("_T")

UTC = _dt.timezone.utc
_EPOCH = _dt.datetime(1970, 1, 1, tzinfo=UTC)

_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def resolve_time(at: Optional[_dt.datetime], field: str = "at") -> _dt.datetime:
    """``at`` in UTC without microseconds; ``None`` means now; a naive datetime is an error.

    ``field`` names the argument in the error (by keyword or, on a hot path, by position: a call
    without keywords costs less)."""
    if type(at) is _dt.datetime and at.tzinfo is UTC and not at.microsecond:
        return at  # the common case, already in the form asked for
    if at is None:
        return _dt.datetime.now(UTC).replace(microsecond=0)
    if not isinstance(at, _dt.datetime):
        raise InvalidTime(
            f"{field}: expected a timezone-aware datetime, got {type(at).__name__}",
            field=field,
        )
    if at.tzinfo is None or at.utcoffset() is None:
        raise InvalidTime(
            f"{field}: naive datetime {at.isoformat()!r}; give a timezone "
            "(e.g. tzinfo=timezone.utc)",
            field=field,
        )
    if at.tzinfo is not UTC:
        at = at.astimezone(UTC)
    if at.microsecond:
        at = at.replace(microsecond=0)
    return at


# The last instants formatted, as immutable tuples swapped in whole (so threads never see half an
# update): (the datetime given, (amz date, short date)) and (Unix second, (amz date, short
# date)); the inner pair is the answer itself, returned without building it again.
_last_given: Tuple[object, Tuple[str, str]] = (None, ("", ""))
_last_now: Tuple[int, Tuple[str, str]] = (-1, ("", ""))


def request_time(at: Optional[_dt.datetime], *, field: str = "at") -> Tuple[str, str]:
    """``(amz_date, short_date)`` of ``at`` resolved as :func:`resolve_time` does.

    Signing needs only these two strings.  They are kept for the last instant seen, given or
    ``None`` (now, to the second), so a burst of signatures formats the time once.
    """
    global _last_given, _last_now
    if at is None:
        second = int(_now())
        cached_now = _last_now
        if cached_now[0] == second:
            return cached_now[1]
        stamp = amz_date(_dt.datetime.fromtimestamp(second, UTC))
        _last_now = (second, (stamp, stamp[:8]))
        return stamp, stamp[:8]
    cached = _last_given
    if at is cached[0] or (type(at) is _dt.datetime and at == cached[0]):
        # (an aware datetime is never equal to a naive one, which resolve_time refuses)
        return cached[1]
    stamp = amz_date(resolve_time(at, field=field))
    if type(at) is _dt.datetime:  # (subclasses may redefine equality: never cached)
        _last_given = (at, (stamp, stamp[:8]))
    return stamp, stamp[:8]


# The last HTTP date formatted, swapped in whole: (the datetime given, RFC 1123 date).
_last_http: Tuple[object, str] = (None, "")
# ... and for "now": (amz date, RFC 1123 date)
_last_http_now: Tuple[str, str] = ("", "")


def request_http_date(at: Optional[_dt.datetime], *, field: str = "at") -> str:
    """The RFC 1123 date (``Sun, 30 Aug 2015 12:36:00 GMT``) of ``at`` resolved as
    :func:`resolve_time` does; the last instant given is kept, as :func:`request_time` keeps
    its own."""
    global _last_http, _last_http_now
    if at is None:
        amz = request_time(None, field=field)[0]
        cached_now = _last_http_now
        if cached_now[0] == amz:
            return cached_now[1]
        text = rfc1123(parse_amz_date(amz))
        _last_http_now = (amz, text)
        return text
    cached = _last_http
    if at is cached[0] or (type(at) is _dt.datetime and at == cached[0]):
        return cached[1]
    text = rfc1123(resolve_time(at, field=field))
    if type(at) is _dt.datetime:  # (subclasses may redefine equality: never cached)
        _last_http = (at, text)
    return text


def amz_date(t: _dt.datetime) -> str:
    """``YYYYMMDDTHHMMSSZ`` (the X-Amz-Date form) of a UTC datetime."""
    return "%04d%02d%02dT%02d%02d%02dZ" % (t.year, t.month, t.day, t.hour, t.minute, t.second)


def short_date(t: _dt.datetime) -> str:
    """``YYYYMMDD`` (the credential-scope date) of a UTC datetime."""
    return "%04d%02d%02d" % (t.year, t.month, t.day)


def iso8601(t: _dt.datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ`` (SigV2's Timestamp) of a UTC datetime."""
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (t.year, t.month, t.day, t.hour, t.minute, t.second)


def rfc1123(t: _dt.datetime) -> str:
    """``Sun, 06 Nov 1994 08:49:37 GMT`` (the HTTP Date header) of a UTC datetime."""
    return "%s, %02d %s %04d %02d:%02d:%02d GMT" % (
        _WEEKDAYS[t.weekday()],
        t.day,
        _MONTHS[t.month - 1],
        t.year,
        t.hour,
        t.minute,
        t.second,
    )


def epoch_seconds(t: _dt.datetime) -> int:
    """Whole seconds since the Unix epoch of an aware datetime."""
    return int((t - _EPOCH).total_seconds())


def parse_amz_date(value: str, *, field: str = "x-amz-date") -> _dt.datetime:
    """Parse ``YYYYMMDDTHHMMSSZ``; anything else raises :class:`InvalidTime` naming ``field``."""
    digits = value[:8] + value[9:15]
    if (
        len(value) != 16
        or value[8] != "T"
        or value[15] != "Z"
        or not digits.isdigit()
        or not value.isascii()
    ):
        raise InvalidTime(f"{field}: {value!r} is not of the form YYYYMMDDTHHMMSSZ", field=field)
    try:
        return _utc_instant(digits)
    except ValueError:
        raise InvalidTime(f"{field}: {value!r} is not a valid date and time", field=field) from None


def _utc_instant(digits: str) -> _dt.datetime:
    """The UTC instant of 14 ASCII digits ``YYYYMMDDHHMMSS``; ``ValueError`` if there is none."""
    return _dt.datetime(
        int(digits[0:4]),
        int(digits[4:6]),
        int(digits[6:8]),
        int(digits[8:10]),
        int(digits[10:12]),
        int(digits[12:14]),
        tzinfo=UTC,
    )


# The last amz date parsed, swapped in whole: (text, instant).
_last_parsed: Tuple[str, Optional[_dt.datetime]] = ("", None)


def amz_instant(value: str) -> Optional[_dt.datetime]:
    """:func:`parse_amz_date` of ``value``, or ``None`` where it would raise.

    Verification reads the same X-Amz-Date on every request of a burst: the last one parsed is
    kept (the instant is an immutable datetime).
    """
    global _last_parsed
    cached = _last_parsed
    exact = type(value) is str  # (a subclass may redefine equality: never cached)
    if exact and cached[0] == value:
        return cached[1]
    try:
        parsed = parse_amz_date(value)
    except InvalidTime:
        return None
    if exact:
        _last_parsed = (value, parsed)
    return parsed


_MONTH_DIGITS = {name: "%02d" % number for number, name in enumerate(_MONTHS, 1)}
# The last HTTP date parsed, swapped in whole: (text, instant).
_last_http_parsed: Tuple[str, Optional[_dt.datetime]] = ("", None)


def http_date_instant(value: str) -> Optional[_dt.datetime]:
    """The instant of an HTTP date in the form HTTP/1.1 prefers (RFC 7231's IMF-fixdate,
    ``Sun, 06 Nov 1994 08:49:37 GMT``, as :func:`rfc1123` writes it), in UTC; ``None`` for any
    other text (the caller then reads it with ``email.utils``, which also takes the obsolete
    forms and gives the same instant for this one).  The last one parsed is kept."""
    global _last_http_parsed
    cached = _last_http_parsed
    exact = type(value) is str  # (a subclass may redefine equality: never cached)
    if exact and cached[0] == value:
        return cached[1]
    if (
        len(value) != 29
        or value[3:5] != ", "
        or value[:3] not in _WEEKDAYS
        or value[25:] != " GMT"
        or value[7] != " "
        or value[11] != " "
        or value[16] != " "
        or value[19] != ":"
        or value[22] != ":"
    ):
        return None
    month = _MONTH_DIGITS.get(value[8:11])
    if month is None:
        return None
    digits = value[12:16] + month + value[5:7] + value[17:19] + value[20:22] + value[23:25]
    if not (digits.isdigit() and digits.isascii()):
        return None
    try:
        parsed = _utc_instant(digits)
    except ValueError:
        return None
    if exact:
        _last_http_parsed = (value, parsed)
    return parsed


def parse_iso8601(value: str, *, field: str = "time") -> _dt.datetime:
    """Parse an ISO 8601 time with an offset or ``Z`` (also ``YYYYMMDDTHHMMSSZ``) into aware UTC."""
    text = value.strip()
    if len(text) == 16 and text[8:9] == "T" and text.endswith("Z") and text[:8].isdigit():
        return parse_amz_date(text, field=field)
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        parsed = _dt.datetime.fromisoformat(text)
    except ValueError:
        raise InvalidTime(
            f"{field}: {value!r} is not an ISO 8601 time (e.g. 2015-08-30T12:36:00Z)", field=field
        ) from None
    if parsed.tzinfo is None:
        raise InvalidTime(
            f"{field}: {value!r} has no timezone; add Z or an offset such as +00:00", field=field
        )
    return resolve_time(parsed, field=field)


def keep_last(convert: Callable[[str], _T]) -> Callable[[str], _T]:
    """``convert`` (a pure function of a time's text), keeping the last result: a burst of
    requests signed or verified in the same second converts the same text again and again.

    The entry is an immutable pair swapped in whole, so threads never see half an update; a
    ``str`` subclass (which may redefine equality) is converted and never kept.
    """
    last: Tuple[Any, Any] = (None, None)

    def converted(text: str) -> _T:
        nonlocal last
        kept = last
        if type(text) is str and kept[0] == text:
            return kept[1]  # type: ignore[no-any-return]
        value = convert(text)
        if type(text) is str:
            last = (text, value)
        return value

    converted.__doc__ = convert.__doc__
    return converted


def plus_seconds(t: _dt.datetime, seconds: float) -> _dt.datetime:
    """``t`` plus ``seconds``, or the last instant a ``datetime`` holds when that is beyond it
    (a request dated 9999-12-31 with an expiry has no later datetime)."""
    try:
        return t + _dt.timedelta(seconds=seconds)
    except OverflowError:
        return _dt.datetime.max.replace(tzinfo=t.tzinfo)
