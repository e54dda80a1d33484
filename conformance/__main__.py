"""``python -m conformance``: the same as ``sigbridge conformance``."""

from __future__ import annotations

import argparse
import sys
from typing import NoReturn, Optional, Sequence

from .cli import add_arguments, run


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # Bad usage is one line on stderr and exit status 2, as everywhere in sigbridge.
        self.exit(2, f"{self.prog}: error: {message}\n")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = _Parser(
        prog="python -m conformance",
        description="Run every registered signer over every bundled vector that applies.",
    )
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
