"""sigbridge's conformance harness: published and own vectors, every registered signer.

* :mod:`conformance.vectors` -- the one loader (aws-c-auth folders and the older ``.req`` suite);
* :mod:`conformance.runner` -- the signer x vector matrix and the stage-by-stage verdicts;
* :mod:`conformance.report` -- table, JSON and JUnit XML;
* :mod:`conformance.cli` -- ``sigbridge conformance`` / ``python -m conformance``.
"""

from __future__ import annotations

from .runner import Job, Result, Run, plan, run
from .vectors import Vector, VectorError, load_vectors, scan

__all__ = ["Job", "Result", "Run", "Vector", "VectorError", "load_vectors", "plan", "run", "scan"]
