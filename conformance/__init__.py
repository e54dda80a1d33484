"""sigbridge's conformance harness: published and own vectors, every registered signer.

* :mod:`conformance.vectors` -- the one loader (aws-c-auth folders and the older ``.req`` suite);
* :mod:`conformance.runner` -- the signer x vector matrix and the stage-by-stage verdicts;
* :mod:`conformance.streaming`, :mod:`conformance.post`, :mod:`conformance.events` -- the
  stages of aws-chunked, POST-policy and event-stream cases;
* :mod:`conformance.report` -- table, JSON and JUnit XML;
* :mod:`conformance.cli` -- ``sigbridge conformance`` / ``python -m conformance``.

The names below load on first use, so that ``sigbridge --help`` can read the command's help line
from :mod:`conformance.cli` without loading the harness.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, List

__all__ = ["Job", "Result", "Run", "Vector", "VectorError", "load_vectors", "plan", "run", "scan"]

_LAZY = {
    "Job": ".runner",
    "Result": ".runner",
    "Run": ".runner",
    "plan": ".runner",
    "run": ".runner",
    "Vector": ".vectors",
    "VectorError": ".vectors",
    "load_vectors": ".vectors",
    "scan": ".vectors",
}

if TYPE_CHECKING:
    from .runner import Job, Result, Run, plan, run
    from .vectors import Vector, VectorError, load_vectors, scan


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'conformance' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module, __name__), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(set(globals()) | set(_LAZY))
