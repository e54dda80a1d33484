"""The bundled vectors, read once per test process.

Reading the whole bundled root (``conformance.vectors.scan``) takes about 0.2 s, and the harness
tests read it in many tests to pick a few cases.  The files do not change during a run and a
:class:`~conformance.vectors.Vector` is frozen, so these tests share one reading; each call returns
new lists, so a test may filter or sort them freely.  Tests that read a changed copy of a case
(under ``tmp_path``) still call the loader themselves.
"""

from __future__ import annotations

import functools
from pathlib import Path
from typing import List

from conformance import vectors

__all__ = ["bundled_catalog", "bundled_vectors", "catalog_of"]


@functools.lru_cache(maxsize=None)
def _scan() -> vectors.Catalog:
    return vectors.scan(vectors.default_root())


def bundled_catalog() -> vectors.Catalog:
    """``vectors.scan()`` of the bundled root."""
    catalog = _scan()
    return vectors.Catalog(catalog.root, list(catalog.vectors), list(catalog.problems))


def bundled_vectors() -> List[vectors.Vector]:
    """``vectors.load_vectors()`` of the bundled root: a case that cannot be read raises."""
    catalog = _scan()
    if catalog.problems:
        case, reason = catalog.problems[0]
        raise vectors.VectorError(f"{case}: {reason}")
    return list(catalog.vectors)


def catalog_of(root: Path) -> vectors.Catalog:
    """:func:`bundled_catalog` for the bundled root, ``vectors.scan(root)`` for any other."""
    if Path(root) == vectors.default_root():
        return bundled_catalog()
    return vectors.scan(root)
