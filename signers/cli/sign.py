"""``sigbridge sign`` and ``sigbridge presign``: sign a request given as METHOD URL, headers and
body, and print it as HTTP (``sign``) or as a presigned URL (``presign``; with ``--from FILE``,
one URL per line of keys or URLs: :mod:`signers.cli._presign_from`); ``--explain`` adds where
the region, signing name and credentials came from, the canonical request and string to
sign, ``--json`` prints everything as JSON.

What is printed is what must be sent: the URL and request line percent-encoded as they were
signed (:mod:`signers._sendable`), the body as given followed by one newline (unless it ends in
one), and in ``--json`` the body as ``body`` (UTF-8 text, or base64 with ``body_encoding``
``base64``).  The two commands share their arguments and differ in the default scheme
(``sigv4`` / ``sigv4-query``) and in what they print.
"""

from __future__ import annotations

import argparse
import base64
import json
import sys
from typing import Dict, List, Sequence

from ..model import SignedRequest
from ._common import (
    UsageError,
    add_request_arguments,
    add_signing_arguments,
    artifacts_json,
    data_from_args,
    render_http,
    sign_from_args,
)

__all__ = ["add_arguments", "add_presign_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser, *, presign: bool = False) -> None:
    """The request, signer and credential arguments, ``--explain`` and ``--json``."""
    default = "sigv4-query" if presign else "sigv4"
    add_request_arguments(parser, default_scheme=default, expires=True)
    _add_output_arguments(parser)
    parser.set_defaults(presign=presign)


def _add_output_arguments(parser: argparse.ArgumentParser) -> None:
    """``--explain`` and ``--json``, which ``sign`` and ``presign`` share."""
    parser.add_argument(
        "--explain", action="store_true", help="also print the canonical request and string to sign"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")


def add_presign_arguments(parser: argparse.ArgumentParser) -> None:
    """``presign``: the arguments of ``sign``, signing with ``sigv4-query`` by default; the URL
    may be left out with ``--from`` (one URL a line), or be the base of the keys it lists."""
    parser.add_argument("method", help="HTTP method, e.g. GET")
    parser.add_argument(
        "url",
        nargs="?",
        help="absolute URL, e.g. https://examplebucket.s3.amazonaws.com/photo.jpg; with --from, "
        "the base URL the keys are appended to (leave it out when the lines are whole URLs)",
    )
    add_signing_arguments(parser, default_scheme="sigv4-query", expires=True)
    _add_output_arguments(parser)
    parser.add_argument(
        "--from",
        dest="from_file",
        metavar="FILE",
        help="presign one line of FILE at a time ('-': standard input): an object key a line "
        "under URL, or a whole URL a line without URL; the URLs are printed one a line, in order, "
        "all signed at one instant",
    )
    parser.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="with --from: sign on N worker processes (default 1: this process)",
    )
    parser.set_defaults(presign=True)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(
            f"expected a whole number of processes, at least 1: {text!r}"
        )
    return value


def run(args: argparse.Namespace) -> int:
    """Sign and print: the signed request, or the presigned URL (``args.presign``); with
    ``--from``, one presigned URL per input line (:mod:`signers.cli._presign_from`)."""
    if getattr(args, "from_file", None) is not None:
        from ._presign_from import run as presign_lines

        return presign_lines(args)
    if getattr(args, "presign", False) and args.url is None:
        raise UsageError("sigbridge presign: give METHOD URL, or --from FILE (see --help)")
    notes: List[str] = []
    signed = sign_from_args(args, notes)
    body = data_from_args(args)  # the bytes to send, also under --unsigned-payload
    if args.json:
        print(_signed_json(signed, notes, body))
        return 0
    if args.explain:
        print(_explain_text(signed, notes))
        print()
    if getattr(args, "presign", False):
        print(signed.url)
    else:
        sys.stdout.write(_render_http(signed, body))
    return 0


def _explain_text(signed: SignedRequest, notes: Sequence[str]) -> str:
    from ..diagnose import explain

    return "\n".join([f"# {note}" for note in notes] + [explain(signed)])


def _render_http(signed: SignedRequest, body: bytes) -> str:
    # (the one renderer of requests shown to users, shared with migrate)
    return render_http(signed.request, body)


def _body_fields(body: bytes) -> Dict[str, str]:
    try:
        return {"body": body.decode("utf-8"), "body_encoding": "utf-8"}
    except UnicodeDecodeError:
        return {"body": base64.b64encode(body).decode("ascii"), "body_encoding": "base64"}


def _signed_json(signed: SignedRequest, notes: Sequence[str], body: bytes) -> str:
    return json.dumps(
        {
            "scheme": signed.scheme,
            "method": signed.request.method,
            "url": signed.url,
            "headers": [list(pair) for pair in signed.headers],
            **_body_fields(body),
            **artifacts_json(signed.artifacts),
            "notes": list(notes),
        },
        indent=2,
    )
