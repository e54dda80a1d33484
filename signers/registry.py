"""The signer registry: one discovery path, the entry-point group ``sigbridge.signers``.

Every signer, the built-in ones included, is declared in some distribution's metadata::

    [project.entry-points."sigbridge.signers"]
    sigv4 = "signers.sigv4:SigV4Signer"

An entry point names a *factory*: a callable taking keyword options and returning an object with a
``sign(request, credentials, at=None)`` method.  The factory carries ``name`` (the scheme it
implements), ``description`` (one line) and ``features`` (what it covers, for the conformance
harness).  An entry point whose name differs from the factory's ``name`` is an alias (``v4`` for
``sigv4``).  Lookup is lazy and cached; a plug-in that fails to import is reported by name and does
not take the others down.
"""

from __future__ import annotations

from _thread import allocate_lock  # threading.Lock itself; importing threading loads functools

from . import _cache
from ._cache import BoundedCache
from ._lazy import lazy_attributes
from .errors import InvalidOption, UnknownScheme

__all__ = [
    "ENTRY_POINT_GROUP",
    "SchemeInfo",
    "available",
    "get_signer",
    "schemes",
    "load_errors",
    "refresh",
]

ENTRY_POINT_GROUP = "sigbridge.signers"

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see signers/__init__)
if TYPE_CHECKING:
    from typing import Any, Dict, Hashable, List, Literal, Optional, overload

    from typing_extensions import Unpack

    from ._scheme_info import SchemeInfo
    from .protocols import Signer, SigV2Kwargs, SigV4AKwargs, SigV4Kwargs
    from .s3_v2 import S3V2Signer
    from .sigv2 import SigV2Signer
    from .sigv4 import SigV4Signer
    from .sigv4a import SigV4ASigner


# ``signers.registry.Signer``: the protocol lives in signers.protocols (typing loads there);
# ``signers.registry.SchemeInfo``: the record is a NamedTuple in its own module (see there)
__getattr__, __dir__ = lazy_attributes(
    {"Signer": ".protocols", "SchemeInfo": "._scheme_info"}, globals()
)


_lock = allocate_lock()
_entry_points: Optional[Dict[str, Any]] = None
_loaded: Dict[str, SchemeInfo] = {}


def _discover() -> Dict[str, Any]:
    global _entry_points
    eps = _entry_points
    if eps is not None:
        return eps
    with _lock:
        if _entry_points is None:
            from importlib import metadata

            found: Dict[str, Any] = {}
            all_eps: Any = metadata.entry_points()
            if hasattr(all_eps, "select"):
                group = all_eps.select(group=ENTRY_POINT_GROUP)
            else:  # Python 3.8 / 3.9: a dict of group -> list
                group = all_eps.get(ENTRY_POINT_GROUP, ())
            for ep in group:
                # The first distribution on the path wins, as for imports.
                found.setdefault(ep.name, ep)
            _entry_points = found
        return _entry_points


def _dist_name(ep: Any) -> Optional[str]:
    dist = getattr(ep, "dist", None)
    if dist is None:
        return None
    try:
        return str(dist.metadata["Name"])
    except Exception:
        return None


def _load(name: str) -> SchemeInfo:
    info = _loaded.get(name)
    if info is not None:
        return info
    ep = _discover()[name]
    from ._scheme_info import SchemeInfo  # (after discovery, which has loaded typing)

    try:
        factory = ep.load()
        if not callable(factory):
            raise TypeError(f"{ep.value} is not callable")
        target = str(getattr(factory, "name", name))
        description = str(getattr(factory, "description", "") or "").strip().splitlines()
        features = frozenset(getattr(factory, "features", frozenset()))
        info = SchemeInfo(
            name,
            target,
            description[0] if description else "",
            features,
            factory,
            None,
            _dist_name(ep),
        )
    except Exception as exc:
        reason = f"{type(exc).__name__}: {exc}".splitlines()[0]
        info = SchemeInfo(name, name, "", frozenset(), None, reason, _dist_name(ep))
    with _lock:
        _loaded.setdefault(name, info)
    return _loaded[name]


def refresh() -> None:
    """Forget what was discovered and loaded (after installing a plug-in at run time)."""
    global _entry_points
    with _lock:
        _entry_points = None
        _loaded.clear()
        _shared.clear()


# (name, options) -> a signer made by get_signer, for callers that only read it (verification,
# which configures a signer per request from the same few option sets): bounded, thread-safe.
_shared: BoundedCache[Hashable, Signer] = _cache.new("verifiers")
_OWN_MODULES = __name__.rpartition(".")[0] + "."

#: ``cached_shared_signer(key)``: the signer :func:`shared_signer` keeps under ``key``, or
#: ``None`` (the cache's own lookup: a caller with a key of its own finds the signer at C speed,
#: without making the options first).
cached_shared_signer = _shared.lookup


def shared_signer(name: str, options: Dict[str, object], key: Optional[Hashable] = None) -> Signer:
    """``get_signer(name, **options)``, made once and shared: the caller must not change it.

    Only this package's own signers are shared (a plug-in's factory is called each time, as it
    may expect).  Options that cannot be a dictionary key (lists...) get a new signer each time.
    Errors are get_signer's (they are never cached); :func:`refresh` forgets every shared signer.

    ``key``, when the caller has one, stands for exactly ``name`` with ``options`` (verification's
    is a tuple of four values); it must not be a ``str`` or a 3-tuple, the keys made here.
    """
    try:
        if key is None:
            # (the options in their order, with their types: 1 and True are different options;
            # a caller that orders them differently gets a signer of its own.  Fewer
            # instructions than a frozenset of (name, type, value), measured)
            key = (
                (name, tuple(options.items()), tuple(map(type, options.values())))
                if options
                else name
            )
        found = _shared.lookup(key)
    except TypeError:  # an option value that cannot be hashed
        return get_signer(name, **options)
    if found is not None:
        return found
    made = get_signer(name, **options)
    if not is_own(made):
        return made
    return _shared.keep(key, made)


def is_own(signer: object) -> bool:
    """Whether ``signer`` is one of this package's own signers (whose verification the
    verification package runs directly, without going through ``signer.verify``)."""
    return type(signer).__module__.startswith(_OWN_MODULES)


def schemes(*, include_aliases: bool = True, include_broken: bool = False) -> List[SchemeInfo]:
    """Every registered name, loaded, sorted by name."""
    out = []
    for name in sorted(_discover()):
        info = _load(name)
        if info.error and not include_broken:
            continue
        if info.is_alias and not include_aliases:
            continue
        out.append(info)
    return out


def load_errors() -> Dict[str, str]:
    """Plug-ins that failed to load: registered name -> one-line reason."""
    return {i.name: i.error for i in schemes(include_broken=True) if i.error}


def available() -> Dict[str, str]:
    """Registered names with a one-line description each (aliases say what they stand for)."""
    out: Dict[str, str] = {}
    for info in schemes():
        if info.is_alias:
            extra = f" ({info.description})" if info.description else ""
            out[info.name] = f"alias of {info.target}{extra}"
        else:
            out[info.name] = info.description
    return out


def _unknown(name: str) -> UnknownScheme:
    names = ", ".join(available()) or "none"
    return UnknownScheme(f"scheme: unknown signer {name!r}; available: {names}", field="scheme")


if TYPE_CHECKING:  # (the overloads are for type checkers; typing stays off the import path)

    @overload
    def get_signer(
        name: Literal["sigv4", "v4", "s3v4", "sigv4-query", "v4-query", "s3v4-query"],
        **options: Unpack[SigV4Kwargs],
    ) -> SigV4Signer: ...

    @overload
    def get_signer(
        name: Literal["sigv4a", "v4a", "s3v4a", "sigv4a-query", "v4a-query", "s3v4a-query"],
        **options: Unpack[SigV4AKwargs],
    ) -> SigV4ASigner: ...

    @overload
    def get_signer(name: Literal["sigv2", "v2"], **options: Unpack[SigV2Kwargs]) -> SigV2Signer: ...

    @overload
    def get_signer(
        name: Literal["s3-v2", "s3", "s3-v2-query", "s3-query"], **options: object
    ) -> S3V2Signer: ...

    @overload
    def get_signer(name: str, **options: object) -> Signer: ...


def get_signer(name: str, **options: object) -> Signer:
    """The signer registered as ``name``, configured with ``options``.

    For the built-in names a type checker knows the concrete type and its options (the
    overloads); a plug-in's signer is a :class:`~signers.protocols.Signer`.
    """
    if not isinstance(name, str) or name not in _discover():
        raise _unknown(str(name))
    info = _load(name)
    if info.error or info.factory is None:
        raise UnknownScheme(f"scheme: signer {name!r} failed to load: {info.error}", field="scheme")
    try:
        return info.factory(**options)  # (what the entry point returns: a Signer)
    except TypeError as exc:
        # A factory's own complaint about its keywords: name the option, as the caller gave it.
        message = str(exc)
        bad = message.rsplit(" ", 1)[-1].strip("'\"")
        if "unexpected keyword argument" in message:
            raise InvalidOption(f"option {bad!r} is not an option of {name!r}", field=bad) from None
        if "required keyword-only argument" in message or "required positional" in message:
            raise InvalidOption(f"option {bad!r} is required by {name!r}", field=bad) from None
        raise
