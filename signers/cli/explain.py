"""``sigbridge explain METHOD URL ...``: sign a request and show every stage (credential scope,
signed headers, canonical request, string to sign, signature) with invisible characters made
visible (:func:`signers.diagnose.explain`); ``--json`` prints the artifacts instead.

Bad input is one line on standard error and exit status 2 (:func:`~signers.cli._common.guarded`).
"""

from __future__ import annotations

import argparse
import json

from ._common import add_request_arguments, artifacts_json, guarded, sign_from_args

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``explain METHOD URL ...``: the same arguments as ``sign``, plus ``--json``."""
    add_request_arguments(parser)
    parser.add_argument(
        "--json", action="store_true", help="print the artifacts as JSON instead of text"
    )


@guarded
def run(args: argparse.Namespace) -> int:
    """Sign the request and show every stage, with invisible characters made visible."""
    from ..diagnose import explain

    signed = sign_from_args(args)
    if getattr(args, "json", False):
        fields = {"scheme": signed.scheme, **artifacts_json(signed.artifacts, payload_hash=True)}
        print(json.dumps({**fields, "url": signed.url}, indent=2))
    else:
        print(explain(signed))
    return 0
