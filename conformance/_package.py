"""Package plumbing shared by :mod:`conformance` and :mod:`conformance.probe`.

* :func:`lazy_exports` -- a package's public names loaded on first use (PEP 562 module
  ``__getattr__``), so that ``sigbridge --help`` reads a command's help line without loading it;
* :class:`Command` -- the value a ``sigbridge.commands`` entry point names: help line, ``--help``
  text and the two functions ``sigbridge`` calls.

It imports nothing from the harness: both packages import it from their ``__init__``.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable, Dict, List, Mapping, NamedTuple, Sequence, Tuple

__all__ = ["Command", "lazy_exports"]


def lazy_exports(
    package: str, modules: Mapping[str, Sequence[str]], namespace: Dict[str, Any]
) -> Tuple[Callable[[str], Any], Callable[[], List[str]]]:
    """The ``__getattr__`` and ``__dir__`` of ``package``, whose ``modules`` (relative names)
    define the names listed; a loaded name is kept in the package's ``namespace``."""
    lazy = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = lazy.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        import importlib

        value = getattr(importlib.import_module(module, package), name)
        namespace[name] = value
        return value

    def __dir__() -> List[str]:
        return sorted(set(namespace) | set(lazy))

    return __getattr__, __dir__


class Command(NamedTuple):
    """A ``sigbridge`` plug-in subcommand (entry-point group ``sigbridge.commands``)."""

    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
