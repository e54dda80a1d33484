"""Modules loaded on first use: verification stays out of ``import signers``, and an import
statement inside ``verify()`` would cost every call."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_module(name: str) -> Callable[[], Any]:
    """A function returning the module ``name`` (relative to ``signers``), imported once."""
    loaded: Any = None

    def load() -> Any:
        nonlocal loaded
        if loaded is None:
            loaded = importlib.import_module(name, __package__)
        return loaded

    return load
