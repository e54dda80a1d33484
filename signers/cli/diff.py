"""``sigbridge diff ANSWER [METHOD URL ...]``: compare our canonical request (and string to sign)
with what a server's ``SignatureDoesNotMatch`` answer says it computed, line by line, with the
likely causes (:func:`signers.diagnose.diff`).

Without ``--at`` the request is signed at the time the server read (the answer's string to sign
or canonical request), else at the request's own ``X-Amz-Date``, else now; when something was
compared, the first line says which.  The request may be given as it was sent: its
``Authorization`` header, ``X-Amz-Date`` and presigned ``X-Amz-*`` parameters are dropped before
signing again (a presigned URL's ``X-Amz-Expires`` is kept as its lifetime).

Exit status 0 when both sides computed the same thing, 1 when they differ or the answer names
another cause (a refused credential scope, the clock), 2 on bad input, an answer it cannot read
among it (one line on stderr).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
from typing import TYPE_CHECKING, List, Optional, Tuple

from .._time import amz_date, amz_instant
from .._verification.sigv4_parse import QUERY_AUTH
from ..errors import InvalidRequest
from ..model import Request
from ._common import (
    add_request_arguments,
    credentials_from_args,
    guarded,
    read_input,
    request_from_args,
    signer_from_args,
    time_from_args,
)

if TYPE_CHECKING:
    from ..diagnose import ServerError

__all__ = ["add_arguments", "run"]

# What signing adds, dropped from a request given as it was sent (lower-case names).
_SIGNING_HEADERS = ("authorization", "x-amz-date")
# The presigned parameters but the session token, which the request as sent already carries.
_SIGNING_QUERY = frozenset(QUERY_AUTH) - {"x-amz-security-token"}


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``diff ANSWER [METHOD URL ...]`` or ``diff ANSWER --canonical-request FILE``."""
    parser.add_argument(
        "answer",
        help="the server's error answer (XML, JSON, or the SDK's error text): a file, or - "
        "for stdin",
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


def _as_sent(request: Request) -> Tuple[Request, Optional[_dt.datetime], Optional[str]]:
    """``request`` without what signing adds, the time its own ``X-Amz-Date`` says, and the
    lifetime its ``X-Amz-Expires`` says (a presigned URL's)."""
    own: Optional[_dt.datetime] = None
    lifetime: Optional[str] = None
    headers = []
    for name, value in request.headers:
        lowered = name.lower()
        if lowered in _SIGNING_HEADERS:
            if lowered == "x-amz-date":
                own = own or amz_instant(value.strip())
            continue
        headers.append((name, value))
    url = request.url
    if any(n.lower() in _SIGNING_QUERY for n, _ in request.query_pairs()):
        kept = []
        for piece in request.query.split("&"):
            name = piece.partition("=")[0]
            if name.lower() in _SIGNING_QUERY:
                if name.lower() == "x-amz-date":
                    own = own or amz_instant(piece.partition("=")[2])
                elif name.lower() == "x-amz-expires":
                    lifetime = lifetime or piece.partition("=")[2]
                continue
            kept.append(piece)
        base = url.partition("?")[0]
        url = base + ("?" + "&".join(kept) if kept else "")
    if len(headers) == len(request.headers) and url == request.url:
        return request, own, lifetime
    return request.replace(url=url, headers=headers), own, lifetime


def _signing_time(
    args: argparse.Namespace, server: ServerError, own: Optional[_dt.datetime]
) -> Tuple[Optional[_dt.datetime], str]:
    """The time to sign at, and a note saying where it came from."""
    from ..diagnose import server_time

    at = time_from_args(args)
    if at is not None:
        return at, f"signed at {amz_date(at)} (--at)"
    at = server_time(server)
    if at is not None:
        return at, f"signed at {amz_date(at)}: the request time in the server's answer"
    if own is not None:
        return own, f"signed at {amz_date(own)}: the request's own X-Amz-Date"
    return None, "signed at the current time: the answer shows no request time (--at)"


def _with_lifetime(args: argparse.Namespace, lifetime: Optional[str]) -> None:
    """A presigned URL's own ``X-Amz-Expires`` is the lifetime, unless ``-o expires=`` says."""
    options = list(getattr(args, "option", []) or [])
    named = {item.partition("=")[0].strip().replace("-", "_") for item in options}
    if lifetime is not None and "expires" not in named:
        args.option = [*options, f"expires={lifetime}"]


@guarded
def run(args: argparse.Namespace) -> int:
    """Compare our artifacts with the server's; exit 0 when they agree, 1 when they differ."""
    from ..diagnose import diff, parse_server_error

    stdin_users = [
        s for s in (args.answer, args.canonical_request, args.string_to_sign) if s == "-"
    ]
    if len(stdin_users) > 1:
        raise InvalidRequest("diff: only one input can come from stdin (-)", field="answer")
    answer = _text(args.answer, "answer")
    server = parse_server_error(answer, strict=True)  # refuses what is no AWS answer
    notes: List[str] = []
    if args.canonical_request is not None:
        if args.method or args.url:
            raise InvalidRequest(
                "diff: give either --canonical-request or METHOD URL, not both", field="url"
            )
        sts = _text(args.string_to_sign, "string-to-sign") if args.string_to_sign else None
        report = diff(
            _text(args.canonical_request, "canonical-request"), server, ours_string_to_sign=sts
        )
    else:
        if not args.method or not args.url:
            raise InvalidRequest(
                "diff: give METHOD URL (and the signing arguments) or --canonical-request FILE",
                field="url",
            )
        request, own, lifetime = _as_sent(request_from_args(args))
        _with_lifetime(args, lifetime)
        at, note = _signing_time(args, server, own)
        notes.append(note)
        credentials = credentials_from_args(args)
        signed = signer_from_args(args, request).sign(request, credentials, at)
        report = diff(signed, server)
    if not report.compared:
        notes = []  # (the time plays no part when nothing was compared)
    if getattr(args, "json", False):
        print(json.dumps({**report.as_dict(), "notes": notes}, indent=2))
    else:
        print("\n".join([f"# {note}" for note in notes] + [str(report)]))
    return 0 if report.equal else 1
