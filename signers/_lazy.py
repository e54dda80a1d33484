"""Modules loaded on first use: verification stays out of ``import signers``, and an import
statement inside ``verify()`` would cost every call.  :func:`lazy_module` gives a function that
returns a module; :func:`lazy_attributes` gives a module the ``__getattr__`` and ``__dir__`` that
load some of its public names from other modules on first use (PEP 562)."""

from __future__ import annotations

import importlib

TYPE_CHECKING = False  # typing.TYPE_CHECKING, without importing typing (see signers/__init__)
if TYPE_CHECKING:
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


def lazy_attributes(
    table: Mapping[str, str], namespace: Dict[str, Any]
) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """``__getattr__`` and ``__dir__`` for the module whose globals are ``namespace``: a name of
    ``table`` is imported from its module (relative to the module's package) when first asked
    for, then kept in ``namespace``; any other name is an ``AttributeError``."""
    module_name = namespace["__name__"]
    package = namespace["__package__"]

    def __getattr__(name: str) -> Any:
        module = table.get(name)
        if module is None:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
