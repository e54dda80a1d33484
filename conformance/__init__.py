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

from typing import TYPE_CHECKING

from signers.lazy import lazy_attributes

__all__ = ["Job", "Result", "Run", "Vector", "VectorError", "load_vectors", "plan", "run", "scan"]

# (name -> the module defining it)
_LAZY = {
    **dict.fromkeys(("Job", "Result", "Run", "plan", "run"), ".runner"),
    **dict.fromkeys(("Vector", "VectorError", "load_vectors", "scan"), ".vectors"),
}

if TYPE_CHECKING:
    from .runner import Job, Result, Run, plan, run
    from .vectors import Vector, VectorError, load_vectors, scan


__getattr__, __dir__ = lazy_attributes(_LAZY, globals())
