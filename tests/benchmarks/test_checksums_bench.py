"""Throughput of each S3 checksum and backend over 1 MiB, with its ratio to hashlib.sha256.

``extra_info`` carries ``MB_per_s`` (10**6 bytes per second, from the median) and
``time_vs_sha256`` (this checksum's median time over sha256's on the same bytes, timed just after).
Run: ``python -m pytest -o addopts= tests/benchmarks/test_checksums_bench.py``.
"""

from __future__ import annotations

import hashlib
import platform
import random
import timeit
from typing import Any, List

import pytest

from signers import checksums

SIZE = 1 << 20
DATA = random.Random(2024).getrandbits(8 * SIZE).to_bytes(SIZE, "little")


def _cases() -> List[Any]:
    cases = []
    for algorithm in checksums.ALGORITHMS:
        backends = ["python", "awscrt"] if algorithm in ("CRC32C", "CRC64NVME") else ["stdlib"]
        for backend in backends:
            cases.append(
                pytest.param(algorithm, backend, id=f"checksum-1MiB::{algorithm}::{backend}")
            )
    return cases


def _sha256_seconds() -> float:
    """hashlib.sha256 over the same MiB, timed right after each benchmark (the machine's load
    changes from minute to minute): the median of 15 runs of 10."""
    runs = sorted(timeit.repeat(lambda: hashlib.sha256(DATA).digest(), number=10, repeat=15))
    return runs[len(runs) // 2] / 10


@pytest.mark.parametrize("algorithm, backend", _cases())
def test_checksum_throughput(benchmark: Any, algorithm: str, backend: str) -> None:
    if backend == "awscrt" and checksums.backend(algorithm) != "awscrt":
        pytest.skip(f"awscrt cannot compute {algorithm} here (not installed, or too old)")
    chosen = None if backend == "stdlib" else backend
    expected = checksums.checksum(algorithm, DATA, backend=chosen)  # also builds tables and plans

    def run() -> str:
        return checksums.checksum(algorithm, DATA, backend=chosen)

    benchmark.group = "checksum over 1 MiB"
    result = benchmark(run)
    assert result == expected
    median = benchmark.stats.stats.median
    benchmark.extra_info.update(
        algorithm=algorithm,
        backend=backend,
        bytes=SIZE,
        MB_per_s=round(SIZE / median / 1e6, 1),
        time_vs_sha256=round(median / _sha256_seconds(), 2),
        python=platform.python_version(),
    )
