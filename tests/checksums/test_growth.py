"""Cost grows linearly with the data, and memory does not grow with it at all.

No wall-clock limits (the machine is shared): the time test compares the time for n and 10 * n
bytes on the same machine in the same run.
"""

from __future__ import annotations

import time
import tracemalloc

import pytest

from signers import checksums

ALGORITHMS = ["CRC32C", "CRC64NVME", "CRC32", "SHA256"]


def _best_time(algorithm: str, data: bytes, runs: int = 5) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        checksums.checksum(algorithm, data, backend="python")
        best = min(best, time.perf_counter() - start)
    return best


@pytest.mark.slow
@pytest.mark.timing
@pytest.mark.parametrize("algorithm", ALGORITHMS)
def test_time_is_linear_in_the_length(algorithm: str) -> None:
    small = bytes(range(256)) * 400  # 100 KiB
    large = small * 10
    _best_time(algorithm, large, runs=1)  # the one-time tables and plans
    ratio = _best_time(algorithm, large) / _best_time(algorithm, small)
    # Linear is about 10; a quadratic step (say, shifting the whole integer per byte) is 100.
    assert ratio < 30, f"{algorithm}: 10x the data took {ratio:.1f}x the time"


@pytest.mark.slow
@pytest.mark.parametrize("algorithm", ["CRC32C", "CRC64NVME"])
def test_memory_does_not_grow_with_the_data(algorithm: str) -> None:
    data = bytes(range(256)) * (32 * 1024)  # 8 MiB in one update
    checksums.checksum(algorithm, data[: 1 << 20], backend="python")  # tables and plans
    tracemalloc.start()
    try:
        running = checksums.new(algorithm, backend="python")
        running.update(data)
        running.update(bytearray(data[:100_000]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # The engine works on 64 KiB blocks: its integers stay a few times that, never the 8 MiB.
    assert peak < 1 << 20, f"peak {peak} bytes while checksumming 8 MiB"
