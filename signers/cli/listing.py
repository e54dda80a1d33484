"""``sigbridge list``: the signers the registry knows (entry-point group ``sigbridge.signers``),
their aliases, and the plug-ins that failed to load, each named with the reason.

(Not ``list.py``: importing a submodule binds its name in the package, and ``list`` would hide the
built-in there.)
"""

from __future__ import annotations

import argparse
import json

from ..registry import load_errors, schemes

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``list [--json]``."""
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def run(args: argparse.Namespace) -> int:
    """Print one line a registered name (``--json``: a list of objects); exit status 0."""
    infos = schemes(include_broken=True)
    if args.json:
        print(
            json.dumps(
                [
                    {
                        "name": i.name,
                        "target": i.target,
                        "alias": i.is_alias,
                        "description": i.description,
                        "features": sorted(i.features),
                        "distribution": i.dist,
                        "error": i.error,
                    }
                    for i in infos
                ],
                indent=2,
            )
        )
        return 0
    width = max((len(i.name) for i in infos), default=10)
    for info in infos:
        if info.error:
            continue
        if info.is_alias:
            text = f"alias of {info.target}"
            own = next((o for o in infos if o.name == info.target), None)
            if own is None or info.description != own.description:
                text += f": {info.description}"
        else:
            text = info.description
        print(f"{info.name:<{width}}  {text}")
    for name, reason in sorted(load_errors().items()):
        print(f"{name:<{width}}  FAILED TO LOAD: {reason}")
    return 0
