"""Package plumbing shared by :mod:`conformance` and :mod:`conformance.probe`.

:class:`Command` -- the value a ``sigbridge.commands`` entry point names: help line, ``--help``
text and the two functions ``sigbridge`` calls.  (Both packages' public names load on first use
through the public :func:`signers.lazy.lazy_attributes`, so that ``sigbridge --help`` reads a
command's help line without loading it.)

It imports nothing from the harness.
"""

from __future__ import annotations

import argparse
from typing import Callable, NamedTuple

__all__ = ["Command"]


class Command(NamedTuple):
    """A ``sigbridge`` plug-in subcommand (entry-point group ``sigbridge.commands``)."""

    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]
