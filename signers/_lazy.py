"""Modules and names loaded on first use: verification stays out of ``import signers``, and an
import statement inside ``verify()`` would cost every call.

:func:`lazy_exports` gives a package the PEP 562 ``__getattr__`` / ``__dir__`` that load its
public names on first use (``signers`` itself; a package above the library may use it too).
"""

from __future__ import annotations

import importlib
from typing import Any, Callable, Dict, List, Mapping, Tuple


def lazy_module(name: str) -> Callable[[], Any]:
    """A function returning the module ``name`` (relative to ``signers``), imported once."""
    loaded: Any = None

    def load() -> Any:
        nonlocal loaded
        if loaded is None:
            loaded = importlib.import_module(name, __package__)
        return loaded

    return load


def lazy_exports(
    package: str, lazy: Mapping[str, str], namespace: Dict[str, Any]
) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose names ``lazy`` maps to the
    (relative) module defining each; a name, once loaded, is kept in the package's
    ``namespace`` (its ``globals()``), so that it is looked up once."""

    def __getattr__(name: str) -> Any:
        module = lazy.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(lazy))

    return __getattr__, __dir__
