"""Every operation of the shared table (signers._tools.bench_ops), for sigbridge and each installed
peer, grouped by operation so pytest-benchmark shows them side by side.

A peer is timed only after it produced the same signature as sigbridge at the same instant.  A
verify operation also times its baseline, signing the same request, as the implementation
``sign``.  New operations are added to the table, not here.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from typing import Any, List, Tuple

import pytest

from signers._tools import bench_ops as ops


def _cases() -> List[Any]:
    cases = []
    for op in ops.OPERATIONS:
        implementations = [ops.OURS, *(name for name, _ in op.peers)]
        if op.baseline:
            implementations.append(ops.BASELINE)
        for implementation in implementations:
            cases.append(pytest.param(op.name, implementation, id=f"{op.name}::{implementation}"))
    return cases


@pytest.mark.parametrize("operation, implementation", _cases())
def test_operation(benchmark: Any, operation: str, implementation: str) -> None:
    op = ops.operation(operation)
    ours = ops.build(op.ours)
    if implementation == ops.OURS:
        subject = ours
    elif implementation == ops.BASELINE:  # signing the request this operation verifies
        subject = ops.build(ops.operation(op.baseline).ours)
        assert subject.signature() == ours.signature()
    else:
        try:
            subject = ops.build(dict(op.peers)[implementation])
            produced = subject.signature()
        except ops.PeerMissing as exc:
            pytest.skip(f"{implementation} not installed: {exc}")
        assert produced == ours.signature(), f"{implementation} signs differently at {ops.AT}"
    benchmark.group = op.name
    benchmark.extra_info.update(
        operation=op.name,
        title=op.title,
        implementation=implementation,
        batch=op.batch,
        python=platform.python_version(),
        note=subject.note,
    )
    result = benchmark(subject.run)
    assert result is not None


def _start_and_import() -> Tuple[int, bytes]:
    done = subprocess.run([sys.executable, "-c", "import signers"], check=True)
    return done.returncode, b""


def test_import_signers(benchmark: Any) -> None:
    """``import signers`` in a fresh interpreter.  The timed figure includes interpreter start-up;
    the import alone (time, resident memory added) is measured inside the child and reported as
    extra_info, which is what the report shows."""
    measured = ops.measure_import(7)
    benchmark.group = "import"
    benchmark.extra_info.update(
        operation="import",
        title="import signers",
        implementation=ops.OURS,
        python=platform.python_version(),
        **measured,
    )
    benchmark.pedantic(_start_and_import, rounds=5, iterations=1)
