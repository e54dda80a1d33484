"""``python -m signers._tools.bench_repeat OPERATION N``: run one benchmark operation's sigbridge
side N times, for counting instructions, which a busy machine does not move.

Run it under ``valgrind --tool=callgrind`` at two counts; the difference of the two totals
divided by the difference of the counts is the instructions of one operation (start-up, imports
and the two warm-up runs cancel out)::

    PYTHONHASHSEED=1 valgrind --tool=callgrind --callgrind-out-file=/dev/null \\
        python -m signers._tools.bench_repeat sigv4-header-ecs-post 600

``OPERATION`` is a name from :data:`signers._tools.bench_ops.OPERATIONS` (``--list`` prints
them); the operation is built as the benchmark builds it (``pytest tests/benchmarks``).
"""

from __future__ import annotations

import argparse
import sys
from typing import Optional, Sequence

from . import bench_ops

__all__ = ["main"]


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m signers._tools.bench_repeat",
        description="run one benchmark operation's sigbridge side N times (two warm-up runs first)",
    )
    parser.add_argument("operation", nargs="?", help="the operation's name (see --list)")
    parser.add_argument("count", nargs="?", type=int, default=100, help="runs (default 100)")
    parser.add_argument("--list", action="store_true", help="print the operations' names")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(op.name for op in bench_ops.OPERATIONS))
        return 0
    if args.operation is None:
        parser.error("operation: give its name (--list prints them)")
    if args.count < 0:
        parser.error(f"count: must be 0 or more, got {args.count}")
    try:
        op = bench_ops.operation(args.operation)
    except KeyError:
        parser.error(f"operation: no operation {args.operation!r} (--list prints them)")
    run = bench_ops.build(op.ours).run
    run()
    run()
    for _ in range(args.count):
        run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
