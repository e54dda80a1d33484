"""Benchmarks (pytest-benchmark): not part of the default test run (see ``addopts`` in
pyproject.toml); run them with ``tox -e bench`` or ``pytest tests/benchmarks``."""

from __future__ import annotations

from typing import Iterator

import pytest

pytest.importorskip("pytest_benchmark")

from signers._tools import bench_ops as ops


@pytest.fixture(scope="session", autouse=True)
def frozen_peer_clocks() -> Iterator[None]:
    """Peers read the clock themselves: pin it to the instant sigbridge is given."""
    with ops.frozen_peer_clocks(ops.AT):
        yield
