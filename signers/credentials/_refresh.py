"""Credential providers and the refresh rule for temporary credentials.

A provider has one method, ``credentials() -> Credentials``: the credentials to sign with now.
Temporary credentials carry an expiry, and the refresh rule is botocore's:

* more than 15 minutes left (the *advisory* window): use them as they are;
* 15 to 10 minutes left: one caller fetches new ones while the others keep signing with the
  current ones; if that fetch fails, the current ones stay (they are still valid);
* under 10 minutes left (the *mandatory* window) or none yet: every caller waits for the fetch,
  and a failure is raised.

One lock makes sure only one fetch runs at a time.  Time comes from an injectable ``clock``
returning an aware datetime, so tests move time instead of patching it.
"""

from __future__ import annotations

import datetime as _dt
import logging
import threading
from typing import (
    Callable,
    List,
    NamedTuple,
    Optional,
    Sequence,
    Tuple,
)

from .._arguments import CredentialProvider, resolve_credentials
from .._time import parse_iso8601
from ..errors import (
    CredentialsError,
    CredentialsNotFound,
    InvalidCredentials,
    InvalidTime,
    SigningError,
)
from ..model import Credentials

__all__ = [
    "ADVISORY_REFRESH",
    "MANDATORY_REFRESH",
    "Clock",
    "ChainProvider",
    "CredentialProvider",
    "Fetched",
    "RefreshingProvider",
    "StaticProvider",
    "aware_now",
    "make_credentials",
    "parse_expiry",
    "resolve",
    "utc_now",
]

_log = logging.getLogger("signers.credentials")

#: Seconds before expiry at which a refresh is attempted without blocking (botocore's 15 min).
ADVISORY_REFRESH = 15 * 60
#: Seconds before expiry under which every caller waits for new credentials (botocore's 10 min).
MANDATORY_REFRESH = 10 * 60

Clock = Callable[[], _dt.datetime]


def utc_now() -> _dt.datetime:
    """The default clock."""
    return _dt.datetime.now(_dt.timezone.utc)


class Fetched(NamedTuple):
    """Credentials as a source delivered them, with their expiry (``None``: they do not expire)."""

    credentials: Credentials
    expiry: Optional[_dt.datetime]


def parse_expiry(value: object, *, source: str) -> _dt.datetime:
    """An expiry as the services write it (``2024-05-01T12:00:00Z``, with or without a fraction
    of any length, ``Z`` or an offset) as an aware datetime; an error names ``source``."""
    if isinstance(value, _dt.datetime):
        if value.tzinfo is None:
            raise CredentialsError(f"{source}: expiry {value!r} has no timezone", source=source)
        return value
    if not isinstance(value, str):
        raise CredentialsError(
            f"{source}: expiry is {type(value).__name__}, not a time", source=source
        )
    text = value.strip()
    head, dot, rest = text.partition(".")
    if dot:
        # Python 3.8-3.10 take only 3 or 6 digits of fraction: keep microseconds.
        digits = len(rest) - len(rest.lstrip("0123456789"))
        text = head + "." + (rest[:digits] + "000000")[:6] + rest[digits:]
    try:
        return parse_iso8601(text, field="expiration")
    except InvalidTime:
        # The value is not shown: it came from a source whose output is not echoed.
        raise CredentialsError(
            f"{source}: the expiry is not an ISO 8601 time", source=source
        ) from None


def make_credentials(
    access_key: object, secret_key: object, token: object = None, *, source: str
) -> Credentials:
    """:class:`Credentials` from values a source delivered; a bad value is an error naming the
    source and the field (never the value)."""
    for field, value in (("access key", access_key), ("secret key", secret_key)):
        if not isinstance(value, str) or not value:
            raise CredentialsError(f"{source}: the {field} is missing or empty", source=source)
    if token is not None and not isinstance(token, str):
        raise CredentialsError(f"{source}: the session token is not a string", source=source)
    try:
        return Credentials(access_key, secret_key, token)  # type: ignore[arg-type]
    except InvalidCredentials as exc:
        raise CredentialsError(f"{source}: {exc}", source=source) from None


def aware_now(clock: Clock) -> _dt.datetime:
    now = clock()
    if not isinstance(now, _dt.datetime) or now.tzinfo is None:
        raise InvalidTime("clock: must return a timezone-aware datetime", field="clock")
    return now


class StaticProvider:
    """Always the same credentials."""

    __slots__ = ("_credentials",)
    method = "static"

    def __init__(self, credentials: Credentials) -> None:
        if not isinstance(credentials, Credentials):
            raise InvalidCredentials(
                f"StaticProvider takes Credentials, got {type(credentials).__name__}",
                field="credentials",
            )
        self._credentials = credentials

    def credentials(self) -> Credentials:
        return self._credentials

    def __repr__(self) -> str:
        return f"StaticProvider({self._credentials!r})"


FetchFunction = Callable[[], Optional[Tuple[Credentials, Optional[_dt.datetime]]]]


class RefreshingProvider:
    """Credentials from a source, fetched again as they near expiry (see the module docstring).

    Give a ``fetch`` function returning ``(credentials, expiry or None)``, or ``None`` when the
    source holds nothing; or subclass and override :meth:`_fetch`.  ``source`` names the source
    in messages.  :meth:`load` is what a chain calls: ``None`` when this source has nothing.
    """

    #: botocore's name for this kind of source (``env``, ``assume-role``, ``iam-role`` ...).
    method = "custom"

    def __init__(
        self,
        fetch: Optional[FetchFunction] = None,
        *,
        source: Optional[str] = None,
        clock: Optional[Clock] = None,
        advisory_refresh: float = ADVISORY_REFRESH,
        mandatory_refresh: float = MANDATORY_REFRESH,
    ) -> None:
        if not 0 <= mandatory_refresh <= advisory_refresh:
            raise CredentialsError(
                "refresh windows: need 0 <= mandatory_refresh <= advisory_refresh, got "
                f"{mandatory_refresh} and {advisory_refresh}"
            )
        self._fetch_function = fetch
        self._source = source
        self.clock: Clock = utc_now if clock is None else clock
        self._advisory = advisory_refresh
        self._mandatory = mandatory_refresh
        self._lock = threading.Lock()
        self._current: Optional[Fetched] = None
        #: The error of the last failed advisory refresh (kept only for inspection), or None.
        self.last_error: Optional[BaseException] = None

    # -- what a source implements --------------------------------------------------------------

    @property
    def source(self) -> str:
        """The source as messages name it."""
        return self._source or type(self).__name__

    def _fetch(self) -> Optional[Fetched]:
        """Fetch fresh credentials; ``None`` when the source holds none."""
        if self._fetch_function is None:
            raise NotImplementedError(f"{type(self).__name__} must override _fetch()")
        got = self._fetch_function()
        if got is None:
            return None
        credentials, expiry = got
        if not isinstance(credentials, Credentials):
            raise CredentialsError(
                f"{self.source}: fetch returned {type(credentials).__name__}, not Credentials",
                source=self.source,
            )
        return Fetched(
            credentials, None if expiry is None else parse_expiry(expiry, source=self.source)
        )

    def _nothing(self) -> str:
        """Why there are no credentials, when :meth:`_fetch` found none (for the message)."""
        return "holds no credentials"

    # -- the refresh rule ----------------------------------------------------------------------

    @property
    def expiry(self) -> Optional[_dt.datetime]:
        """When the current credentials expire (``None``: never, or none fetched yet)."""
        current = self._current
        return None if current is None else current.expiry

    def _remaining(self, fetched: Fetched) -> Optional[float]:
        if fetched.expiry is None:
            return None
        return (fetched.expiry - aware_now(self.clock)).total_seconds()

    def _fresh(self, fetched: Optional[Fetched], window: float) -> bool:
        if fetched is None:
            return False
        remaining = self._remaining(fetched)
        return remaining is None or remaining >= window

    def _fetch_checked(self) -> Fetched:
        fetched = self._fetch()
        if fetched is None:
            raise CredentialsError(f"{self.source}: {self._nothing()}", source=self.source)
        remaining = self._remaining(fetched)
        if remaining is not None and remaining <= 0:
            assert fetched.expiry is not None
            raise CredentialsError(
                f"{self.source}: returned credentials that expired at {fetched.expiry.isoformat()}",
                source=self.source,
            )
        return fetched

    def load(self) -> Optional[Credentials]:
        """The credentials, or ``None`` when this source holds none (errors are raised)."""
        if self._current is None:
            with self._lock:
                if self._current is None:
                    fetched = self._fetch()
                    if fetched is None:
                        return None
                    self._current = fetched
        return self.credentials()

    def credentials(self) -> Credentials:
        current = self._current
        if self._fresh(current, self._advisory):
            assert current is not None
            return current.credentials
        if current is not None and self._fresh(current, self._mandatory):
            return self._advisory_refresh(current)
        return self._mandatory_refresh()

    def _advisory_refresh(self, current: Fetched) -> Credentials:
        if not self._lock.acquire(blocking=False):
            # Someone else is fetching; ours are good for ten minutes more.
            return current.credentials
        try:
            latest = self._current
            if latest is not current and self._fresh(latest, self._advisory):
                assert latest is not None
                return latest.credentials
            try:
                fetched = self._fetch_checked()
            except Exception as exc:  # a failed advisory refresh never fails the caller
                self.last_error = exc
                message = str(exc) if isinstance(exc, SigningError) else type(exc).__name__
                _log.warning(
                    "%s: refresh failed, keeping the current credentials (valid until %s): %s",
                    self.source,
                    current.expiry,
                    message,
                )
                return current.credentials
            self._current = fetched
            self.last_error = None
            return fetched.credentials
        finally:
            self._lock.release()

    def _mandatory_refresh(self) -> Credentials:
        with self._lock:
            latest = self._current
            if self._fresh(latest, self._mandatory):
                assert latest is not None
                return latest.credentials
            fetched = self._fetch_checked()
            self._current = fetched
            self.last_error = None
            return fetched.credentials

    def __repr__(self) -> str:
        return f"{type(self).__name__}(source={self.source!r}, expiry={self.expiry!r})"


class ChainProvider:
    """The first of ``providers`` that holds credentials, found on first use and kept.

    Each provider is asked in order (:meth:`RefreshingProvider.load`); one that is configured
    but fails raises, as in botocore; one that holds nothing is passed over.  The one found
    keeps serving (and refreshing) from then on.  When none holds credentials, the error lists
    every source tried, followed by ``hint``.
    """

    def __init__(
        self,
        providers: Sequence[RefreshingProvider],
        *,
        name: str = "credential chain",
        hint: str = "",
    ) -> None:
        self.providers: Tuple[RefreshingProvider, ...] = tuple(providers)
        self.name = name
        self._hint = hint
        self._lock = threading.Lock()
        self._found: Optional[RefreshingProvider] = None

    @property
    def provider(self) -> Optional[RefreshingProvider]:
        """The provider the credentials come from (``None`` until found)."""
        return self._found

    @property
    def method(self) -> Optional[str]:
        """botocore's name for the source found (``env``, ``assume-role`` ...), or ``None``."""
        return None if self._found is None else self._found.method

    @property
    def source(self) -> str:
        return self.name if self._found is None else self._found.source

    def load(self) -> Optional[Credentials]:
        """The credentials, or ``None`` when no provider holds any."""
        found = self._found
        if found is not None:
            return found.credentials()
        with self._lock:
            if self._found is None:
                for provider in self.providers:
                    credentials = provider.load()
                    if credentials is not None:
                        self._found = provider
                        return credentials
                return None
        return self._found.credentials()

    def credentials(self) -> Credentials:
        credentials = self.load()
        if credentials is None:
            # Sources sigbridge does not implement hold a place in the order, not in the list.
            tried: List[str] = [
                provider.source for provider in self.providers if provider.method != "unsupported"
            ]
            hint = f" {self._hint}" if self._hint else ""
            raise CredentialsNotFound(
                f"no credentials found: tried {', '.join(tried)}{hint}", source=self.name
            )
        return credentials

    def __repr__(self) -> str:
        found = "" if self._found is None else f", found={self._found.source!r}"
        return f"ChainProvider({len(self.providers)} providers{found})"


def resolve(credentials_or_provider: object) -> Credentials:
    """Credentials from a :class:`~signers.Credentials`, a provider, or anything with a
    ``credentials()`` method (called once, now): :func:`signers._arguments.resolve_credentials`."""
    return resolve_credentials(credentials_or_provider)
