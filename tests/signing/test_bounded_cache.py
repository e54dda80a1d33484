"""``signers._cache.BoundedCache``: the one cache of the library.  ``get_or_make`` makes a value
from its arguments only on a miss; ``keep`` stores a value made already unless one is kept; the
bound holds; size 0 keeps nothing."""

from __future__ import annotations

from typing import List

from signers._cache import BoundedCache


def test_get_or_make_calls_make_with_its_arguments_only_on_a_miss() -> None:
    cache: BoundedCache[str, str] = BoundedCache("test", 4)
    calls: List[tuple] = []

    def make(*arguments: str) -> str:
        calls.append(arguments)
        return "-".join(arguments)

    assert cache.get_or_make("k", make, "a", "b") == "a-b"
    assert cache.get_or_make("k", make, "c", "d") == "a-b"  # a hit: make is not called
    assert calls == [("a", "b")]
    assert cache.lookup("k") == "a-b" and cache.lookup("other") is None


def test_keep_stores_a_value_unless_one_is_kept_already() -> None:
    cache: BoundedCache[str, object] = BoundedCache("test", 4)
    first, second = object(), object()
    assert cache.keep("k", first) is first
    assert cache.keep("k", second) is first
    assert cache.lookup("k") is first and len(cache) == 1


def test_the_bound_holds_and_size_zero_keeps_nothing() -> None:
    cache: BoundedCache[int, int] = BoundedCache("test", 3)
    for number in range(50):
        assert cache.keep(number, number * 2) == number * 2
        assert len(cache) <= 3
    kept = [n for n in range(50) if cache.lookup(n) is not None]
    assert len(kept) == 3 and all(cache.lookup(n) == n * 2 for n in kept)
    empty: BoundedCache[int, int] = BoundedCache("test", 0)
    assert empty.get_or_make(1, int, "7") == 7
    assert empty.lookup(1) is None and len(empty) == 0
