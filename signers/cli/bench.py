"""``sigbridge bench``: time signing on this interpreter against the installed peers, or merge
benchmark files into one report.  The tool is :mod:`signers._tools.bench`; this module mounts it."""

from __future__ import annotations

from .._tools.bench import add_arguments, run

__all__ = ["add_arguments", "run"]
