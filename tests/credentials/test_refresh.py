"""The refresh rule: advisory (15 min) and mandatory (10 min) windows, one refresh at a time.

Explicit cases, thread cases, and botocore's ``RefreshableCredentials`` as an oracle: driven
through the same clock and the same sequence of fetch outcomes, both must hand out the same
credentials and fail at the same steps.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from typing import Any, Dict, List, Optional, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import signers
from signers.credentials import (
    ChainProvider,
    CredentialsError,
    RefreshingProvider,
    StaticProvider,
    resolve,
)
from signers.credentials._refresh import parse_expiry

from .support import SECRET, T0, TOKEN, UTC, ManualClock, assert_no_secret

MINUTE = 60.0


class Source:
    """A fetch function handing out key-1, key-2 ... each valid for ``lifetime`` seconds."""

    def __init__(self, clock: ManualClock, lifetime: float = 3600) -> None:
        self.clock = clock
        self.lifetime = lifetime
        self.calls = 0
        self.fail: Optional[Exception] = None
        self.gate: Optional[threading.Event] = None
        self.entered = threading.Event()

    def __call__(self) -> Tuple[signers.Credentials, dt.datetime]:
        self.calls += 1
        self.entered.set()
        if self.gate is not None:
            assert self.gate.wait(10)
        if self.fail is not None:
            raise self.fail
        expiry = self.clock() + dt.timedelta(seconds=self.lifetime)
        return signers.Credentials(f"ASIAKEY{self.calls}", SECRET, TOKEN), expiry


def make(lifetime: float = 3600) -> Tuple[ManualClock, Source, RefreshingProvider]:
    clock = ManualClock()
    source = Source(clock, lifetime)
    return clock, source, RefreshingProvider(source, source="test source", clock=clock)


def test_fresh_credentials_are_not_fetched_again() -> None:
    clock, source, provider = make()
    assert provider.credentials().access_key == "ASIAKEY1"
    clock.advance(44 * MINUTE)  # 16 minutes left
    assert provider.credentials().access_key == "ASIAKEY1"
    assert source.calls == 1


def test_advisory_window_refreshes() -> None:
    clock, _source, provider = make()
    provider.credentials()
    clock.advance(46 * MINUTE)  # 14 minutes left
    assert provider.credentials().access_key == "ASIAKEY2"
    assert provider.expiry == clock.now + dt.timedelta(hours=1)


def test_advisory_failure_keeps_the_current_ones(caplog: pytest.LogCaptureFixture) -> None:
    clock, source, provider = make()
    provider.credentials()
    clock.advance(47 * MINUTE)  # 13 minutes left
    source.fail = CredentialsError(f"test source: down (would never say {SECRET[:0]})")
    with caplog.at_level(logging.WARNING, logger="signers.credentials"):
        assert provider.credentials().access_key == "ASIAKEY1"
    assert isinstance(provider.last_error, CredentialsError)
    assert "keeping the current credentials" in caplog.text and "down" in caplog.text
    assert_no_secret(caplog.text)


def test_advisory_failure_of_a_foreign_error_logs_only_its_type(
    caplog: pytest.LogCaptureFixture,
) -> None:
    clock, source, provider = make()
    provider.credentials()
    clock.advance(47 * MINUTE)
    source.fail = RuntimeError(f"something printed {SECRET}")
    with caplog.at_level(logging.WARNING, logger="signers.credentials"):
        assert provider.credentials().access_key == "ASIAKEY1"
    assert "RuntimeError" in caplog.text
    assert_no_secret(caplog.text)


def test_mandatory_window_failure_raises() -> None:
    clock, source, provider = make()
    provider.credentials()
    clock.advance(51 * MINUTE)  # 9 minutes left
    source.fail = CredentialsError("test source: down")
    with pytest.raises(CredentialsError, match="down"):
        provider.credentials()
    source.fail = None
    assert provider.credentials().access_key == "ASIAKEY3"


def test_refreshed_but_already_expired_is_an_error() -> None:
    _clock, _source, provider = make(lifetime=-5)
    with pytest.raises(CredentialsError, match=r"^test source: returned credentials that expired"):
        provider.credentials()


def test_nothing_from_the_source() -> None:
    provider = RefreshingProvider(lambda: None, source="empty")
    assert provider.load() is None
    with pytest.raises(CredentialsError, match=r"^empty: holds no credentials$"):
        provider.credentials()


def test_a_naive_clock_is_refused() -> None:
    provider = RefreshingProvider(
        lambda: (signers.Credentials("AKID", SECRET), T0), clock=lambda: dt.datetime(2030, 1, 1)
    )
    with pytest.raises(signers.InvalidTime, match="clock"):
        provider.credentials()


def test_advisory_refresh_does_not_block_other_threads() -> None:
    clock, source, provider = make()
    provider.credentials()
    clock.advance(47 * MINUTE)
    source.gate = threading.Event()
    source.entered.clear()
    results: List[str] = []
    refresher = threading.Thread(target=lambda: results.append(provider.credentials().access_key))
    refresher.start()
    assert source.entered.wait(10)
    # While the refresh hangs, every other caller gets the still-valid credentials at once.
    others = [provider.credentials().access_key for _ in range(5)]
    assert others == ["ASIAKEY1"] * 5
    source.gate.set()
    refresher.join(10)
    assert results == ["ASIAKEY2"] and source.calls == 2


def test_mandatory_refresh_makes_every_thread_wait_for_one_fetch() -> None:
    clock, source, provider = make()
    provider.credentials()
    clock.advance(55 * MINUTE)  # 5 minutes left
    source.gate = threading.Event()
    source.entered.clear()
    results: List[str] = []
    lock = threading.Lock()

    def sign() -> None:
        key = provider.credentials().access_key
        with lock:
            results.append(key)

    threads = [threading.Thread(target=sign) for _ in range(8)]
    for thread in threads:
        thread.start()
    assert source.entered.wait(10)
    assert results == []  # all of them wait
    source.gate.set()
    for thread in threads:
        thread.join(10)
    assert results == ["ASIAKEY2"] * 8
    assert source.calls == 2  # one initial fetch, one refresh


def test_parse_expiry_fractions_and_offsets() -> None:
    # Any number of fractional digits (Python 3.8 takes only 3 or 6), cut to the second.
    expected = dt.datetime(2030, 1, 1, 12, 0, 0, tzinfo=UTC)
    assert parse_expiry("2030-01-01T12:00:00.1234Z", source="s") == expected
    assert parse_expiry("2030-01-01T14:00:00.123456789+02:00", source="s") == expected
    assert parse_expiry("2030-01-01T12:00:00Z", source="s") == expected
    with pytest.raises(CredentialsError, match=r"^s: the expiry is not an ISO 8601 time$"):
        parse_expiry("2030-01-01T12:00:00", source="s")


# -- resolve, StaticProvider, ChainProvider ------------------------------------------------------


def test_resolve_accepts_credentials_providers_and_duck_types() -> None:
    credentials = signers.Credentials("AKID", SECRET)

    class Duck:
        def credentials(self) -> signers.Credentials:
            return credentials

    assert resolve(credentials) is credentials
    assert resolve(StaticProvider(credentials)) is credentials
    assert resolve(Duck()) is credentials
    with pytest.raises(signers.InvalidCredentials, match="got str"):
        resolve("AKID:secret")

    class Liar:
        def credentials(self) -> Any:
            return ("AKID", SECRET)

    expected = r"returned tuple, not signers\.Credentials"
    with pytest.raises(signers.InvalidCredentials, match=expected):
        resolve(Liar())


def test_static_provider_repr_hides_the_secret() -> None:
    provider = StaticProvider(signers.Credentials("AKID", SECRET, TOKEN))
    assert "AKID" in repr(provider)
    assert_no_secret(repr(provider), str(provider))
    with pytest.raises(signers.InvalidCredentials):
        StaticProvider(("AKID", SECRET))  # type: ignore[arg-type]


def test_chain_keeps_the_source_it_found(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = ManualClock()
    first = RefreshingProvider(lambda: None, source="first", clock=clock)
    source = Source(clock)
    second = RefreshingProvider(source, source="second", clock=clock)
    chain = ChainProvider([first, second])
    assert chain.credentials().access_key == "ASIAKEY1"
    assert chain.provider is second and chain.source == "second"
    clock.advance(50 * MINUTE)
    assert chain.credentials().access_key == "ASIAKEY2"  # refreshed by the source found


def test_chain_with_nothing_lists_what_it_tried() -> None:
    chain = ChainProvider(
        [RefreshingProvider(lambda: None, source=name) for name in ("a", "b")], hint="(do x)"
    )
    with pytest.raises(signers.InvalidCredentials) as info:
        chain.credentials()
    assert str(info.value) == "no credentials found: tried a, b (do x)"
    assert isinstance(info.value, signers.errors.CredentialsNotFound)


# -- botocore's RefreshableCredentials as the oracle ---------------------------------------------

botocore_credentials = pytest.importorskip("botocore.credentials")

# Each step: advance the clock by so many seconds, then ask for credentials; the fetch at that
# step (if any) fails or succeeds.
_steps = st.lists(
    st.tuples(st.integers(min_value=0, max_value=40 * 60), st.booleans()), min_size=1, max_size=12
)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(steps=_steps, lifetime=st.sampled_from([600, 900, 1200, 1800, 3600]))
def test_same_decisions_as_botocore(steps: List[Tuple[int, bool]], lifetime: int) -> None:
    clock = ManualClock()
    state: Dict[str, Any] = {"n": 0, "fail": False}

    def fetch_pair() -> Tuple[str, dt.datetime]:
        if state["fail"]:
            raise CredentialsError("source: down")
        state["n"] += 1
        return f"ASIAKEY{state['n']}", clock() + dt.timedelta(seconds=lifetime)

    # Both get the same sequence of answers: record the answers ours got, replay to botocore.
    answers: List[Any] = []

    def ours_fetch() -> Tuple[signers.Credentials, dt.datetime]:
        try:
            key, expiry = fetch_pair()
        except CredentialsError as exc:
            answers.append(exc)
            raise
        answers.append((key, expiry))
        return signers.Credentials(key, SECRET), expiry

    replay: List[Any] = []

    def botocore_fetch() -> Dict[str, Any]:
        answer = replay.pop(0)
        if isinstance(answer, Exception):
            raise answer
        key, expiry = answer
        return {
            "access_key": key,
            "secret_key": SECRET,
            "token": None,
            "expiry_time": expiry.isoformat(),
        }

    ours = RefreshingProvider(ours_fetch, source="source", clock=clock)
    first = ours.credentials().access_key
    key, expiry = answers[0]
    theirs = botocore_credentials.RefreshableCredentials(
        key, SECRET, None, expiry, botocore_fetch, "test", time_fetcher=clock
    )
    assert first == theirs.get_frozen_credentials().access_key
    for advance, fail in steps:
        clock.advance(advance)
        state["fail"] = fail
        before = len(answers)
        try:
            got: Any = ours.credentials().access_key
        except CredentialsError:
            got = "error"
        replay.extend(answers[before:])
        # botocore must have made the same number of fetches: the same answers are consumed.
        try:
            expected: Any = theirs.get_frozen_credentials().access_key
        except (CredentialsError, IndexError):
            expected = "error"
        assert replay == [], "botocore fetched less often than we did"
        assert got == expected
