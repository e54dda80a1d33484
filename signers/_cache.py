"""One bounded, thread-safe cache for every cache of the library (signing keys, secret-key HMAC
states, SigV4A private keys, shared verifier signers).

Reads take no lock (a dict lookup is atomic in CPython); inserts and evictions do.  When full, a
*random* entry makes room.  First-in-first-out and least-recently-used both fall off a cliff on a
cyclic scan one larger than the cache (every lookup misses: a server cycling over 513 credentials
with a 512-entry cache would derive every key again); random replacement degrades gracefully
(about 99.6 % hits cycling over size + 1 keys, about 20 % over twice the size).  The random
positions come from a xorshift generator: no import of :mod:`random`, no lock on the read path.

The sizes have one documented place: :func:`signers.set_cache_size`.
"""

from __future__ import annotations

from _thread import allocate_lock  # threading.Lock itself; importing threading loads functools

from .errors import InvalidOption

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see signers/__init__)
if TYPE_CHECKING:
    from typing import Callable, Dict, Generic, Hashable, List, Optional, TypeVar

    K = TypeVar("K", bound=Hashable)
    V = TypeVar("V")
else:
    K = V = None

    class Generic:
        """Stand-in for ``typing.Generic`` at run time: ``BoundedCache[K, V]`` is the class."""

        __slots__ = ()

        def __class_getitem__(cls, params: object) -> type:
            return cls


__all__ = ["BoundedCache", "DEFAULT_SIZES", "caches", "new", "set_cache_size"]

#: The default number of entries of each cache, by name.
DEFAULT_SIZES: Dict[str, int] = {
    "signing-keys": 512,
    "secret-keys": 512,
    "sigv4a-keys": 256,
    "verifiers": 256,
}


class BoundedCache(Generic[K, V]):
    """A mapping of at most ``size`` entries; ``get_or_make(key, make)`` is the way in."""

    __slots__ = ("_keys", "_lock", "_seed", "_values", "lookup", "name", "size")

    def __init__(self, name: str, size: int) -> None:
        self.name = name
        self.size = size
        self._values: Dict[K, V] = {}
        self._keys: List[K] = []  # the same keys, for picking one at random in O(1)
        self._lock = allocate_lock()
        self._seed = 2463534242
        #: ``lookup(key)``: the cached value or ``None``, at C speed (the dict's own ``get``), for
        #: the signing hot path.
        self.lookup: Callable[[K], Optional[V]] = self._values.get

    def get_or_make(self, key: K, make: Callable[..., V], *arguments: object) -> V:
        """The cached value of ``key``, made by ``make(*arguments)`` (outside the lock) and kept
        when absent.  (Arguments rather than a closure: a function that builds a closure makes
        a cell for each value it captures on every call, a hit included: measured.)"""
        found = self._values.get(key)
        if found is not None:
            return found
        return self.keep(key, make(*arguments))

    def keep(self, key: K, value: V) -> V:
        """Keep ``value`` under ``key`` unless a value is kept there already; the kept value."""
        with self._lock:
            found = self._values.get(key)
            if found is not None:
                return found
            while len(self._keys) >= self.size > 0:
                self._evict_one()
            if self.size > 0:
                self._values[key] = value
                self._keys.append(key)
        return value

    def _evict_one(self) -> None:
        # xorshift32 for the position; swap the victim with the last key and pop (O(1))
        seed = self._seed
        seed ^= (seed << 13) & 0xFFFFFFFF
        seed ^= seed >> 17
        seed ^= (seed << 5) & 0xFFFFFFFF
        self._seed = seed
        keys = self._keys
        index = seed % len(keys)
        victim = keys[index]
        keys[index] = keys[-1]
        keys.pop()
        del self._values[victim]

    def resize(self, size: int) -> None:
        """Change the bound (entries beyond it are dropped at random)."""
        with self._lock:
            self.size = size
            while len(self._keys) > max(size, 0):
                self._evict_one()

    def clear(self) -> None:
        with self._lock:
            self._values.clear()
            self._keys.clear()

    def __len__(self) -> int:
        return len(self._values)

    def __repr__(self) -> str:
        return f"BoundedCache({self.name!r}, size={self.size}, entries={len(self._values)})"


#: Every cache made through :func:`new`, by name (for :func:`signers.set_cache_size`).
caches: Dict[str, BoundedCache[object, object]] = {}


def new(name: str) -> BoundedCache[K, V]:
    """The cache called ``name`` (one of :data:`DEFAULT_SIZES`), made once."""
    cache = caches.get(name)
    if cache is None:
        cache = caches[name] = BoundedCache(name, DEFAULT_SIZES[name])
    return cache  # type: ignore[return-value]


def set_cache_size(name: str, size: int) -> None:
    """Bound the cache ``name`` to ``size`` entries (0 turns it off).

    ``name`` is one of :data:`DEFAULT_SIZES`: ``"signing-keys"`` (derived SigV4 keys, one per
    secret, date, region and service), ``"secret-keys"`` (the legacy schemes' secret-key HMAC
    states), ``"sigv4a-keys"`` (SigV4A private keys, one per credential pair) and ``"verifiers"``
    (the signers ``signers.verify`` configures per option set).  A server verifying for more
    credentials than a cache holds should raise its size; memory is a few hundred bytes an entry.
    """
    if name not in DEFAULT_SIZES:
        raise InvalidOption(
            f"cache: {name!r} is not a cache; choose one of {', '.join(DEFAULT_SIZES)}",
            field="cache",
        )
    if isinstance(size, bool) or not isinstance(size, int) or size < 0:
        raise InvalidOption(f"size: expected a whole number >= 0, got {size!r}", field="size")
    DEFAULT_SIZES[name] = size
    cache = caches.get(name)
    if cache is not None:
        cache.resize(size)
