"""``sigbridge diff ANSWER [METHOD URL ...]``: compare our canonical request (and string to sign)
with what a server's ``SignatureDoesNotMatch`` answer says it computed, line by line, with the
likely causes (:func:`signers.diagnose.diff`).

Exit status 0 when both sides agree, 1 when they differ, 2 on bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json

from ..errors import InvalidRequest
from ._common import add_request_arguments, guarded, read_input, sign_from_args

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``diff ANSWER [METHOD URL ...]`` or ``diff ANSWER --canonical-request FILE``."""
    parser.add_argument(
        "answer", help="the server's error answer (XML, JSON or message): a file, or - for stdin"
    )
    parser.add_argument(
        "--canonical-request",
        metavar="FILE",
        help="our canonical request (a file, or - for stdin) instead of signing METHOD URL",
    )
    parser.add_argument(
        "--string-to-sign", metavar="FILE", help="our string to sign, with --canonical-request"
    )
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    add_request_arguments(parser, required=False)


def _text(spec: str, field: str) -> str:
    data = read_input(spec if spec.startswith("@") else "@" + spec, field=field)
    text = data.decode("utf-8", "surrogateescape").replace("\r\n", "\n")
    # An editor's final newline is not part of the canonical request (which ends in the hash).
    return text[:-1] if text.endswith("\n") else text


@guarded
def run(args: argparse.Namespace) -> int:
    """Compare our artifacts with the server's; exit 0 when they agree, 1 when they differ."""
    from ..diagnose import diff

    stdin_users = [
        s for s in (args.answer, args.canonical_request, args.string_to_sign) if s == "-"
    ]
    if len(stdin_users) > 1:
        raise InvalidRequest("diff: only one input can come from stdin (-)", field="answer")
    answer = _text(args.answer, "answer")
    if args.canonical_request is not None:
        if args.method or args.url:
            raise InvalidRequest(
                "diff: give either --canonical-request or METHOD URL, not both", field="url"
            )
        sts = _text(args.string_to_sign, "string-to-sign") if args.string_to_sign else None
        report = diff(
            _text(args.canonical_request, "canonical-request"), answer, ours_string_to_sign=sts
        )
    else:
        if not args.method or not args.url:
            raise InvalidRequest(
                "diff: give METHOD URL (and the signing arguments) or --canonical-request FILE",
                field="url",
            )
        report = diff(sign_from_args(args), answer)
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report)
    return 0 if report.equal else 1
