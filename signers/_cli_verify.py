"""The ``explain``, ``diff`` and ``serve`` subcommands, ready for ``signers.cli`` to mount::

    sub = parser.add_subparsers(dest="command")
    p = sub.add_parser("explain"); add_explain_arguments(p); p.set_defaults(run=run_explain)

Each ``run_*`` takes the parsed arguments and returns the exit status; bad input is one line on
stderr and status 2 (see :func:`signers._cli_common.guarded`).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, List, Optional

from ._cli_common import (
    add_request_arguments,
    credentials_from_args,
    guarded,
    read_input,
    request_from_args,
    signer_from_args,
    time_from_args,
)
from .errors import InvalidCredentials, InvalidOption, InvalidRequest
from .model import Credentials

__all__ = [
    "add_explain_arguments",
    "run_explain",
    "add_diff_arguments",
    "run_diff",
    "add_serve_arguments",
    "run_serve",
]


def _sign(args: argparse.Namespace) -> Any:
    request = request_from_args(args)
    signer = signer_from_args(args, request)
    return signer.sign(request, credentials_from_args(args), time_from_args(args))


# -- explain -----------------------------------------------------------------------------------


def add_explain_arguments(parser: argparse.ArgumentParser) -> None:
    """``explain METHOD URL ...``: the same arguments as ``sign``, plus ``--json``."""
    add_request_arguments(parser)
    parser.add_argument(
        "--json", action="store_true", help="print the artifacts as JSON instead of text"
    )


@guarded
def run_explain(args: argparse.Namespace) -> int:
    """Sign the request and show every stage, with invisible characters made visible."""
    from .diagnose import explain

    signed = _sign(args)
    if getattr(args, "json", False):
        artifacts = signed.artifacts
        print(
            json.dumps(
                {
                    "scheme": signed.scheme,
                    "canonical_request": artifacts.canonical_request,
                    "string_to_sign": artifacts.string_to_sign,
                    "credential_scope": artifacts.credential_scope,
                    "signed_headers": artifacts.signed_headers,
                    "payload_hash": artifacts.payload_hash,
                    "signature": artifacts.signature,
                    "url": signed.url,
                },
                indent=2,
            )
        )
    else:
        print(explain(signed))
    return 0


# -- diff --------------------------------------------------------------------------------------


def add_diff_arguments(parser: argparse.ArgumentParser) -> None:
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
def run_diff(args: argparse.Namespace) -> int:
    """Compare our artifacts with the server's; exit 0 when they agree, 1 when they differ."""
    from .diagnose import diff

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
        report = diff(_sign(args), answer)
    if getattr(args, "json", False):
        print(json.dumps(report.as_dict(), indent=2))
    else:
        print(report)
    return 0 if report.equal else 1


# -- serve -------------------------------------------------------------------------------------


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    """``serve [--port N] --credential AK:SECRET[:TOKEN] ... [--credentials-file FILE]``."""
    from .serve import DEFAULT_MAX_BODY, DEFAULT_MAX_HEADER_BYTES, DEFAULT_TIMEOUT

    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=0, help="port (default: 0, a free port)")
    parser.add_argument(
        "--credential",
        action="append",
        default=[],
        metavar="AK:SECRET[:TOKEN]",
        help="credentials to accept (repeat for more); prefer --credentials-file",
    )
    parser.add_argument(
        "--credentials-file",
        metavar="FILE",
        help='JSON ({"AK": "SECRET"}) or lines of \'AK SECRET [TOKEN]\'',
    )
    parser.add_argument("--region", help="the region this endpoint answers for (default: any)")
    parser.add_argument("--service", help="the signing name it answers for (default: any)")
    parser.add_argument(
        "--virtual-host-suffix",
        metavar="SUFFIX",
        help="S3's legacy scheme: hosts <bucket>.SUFFIX address <bucket> (custom endpoints)",
    )
    parser.add_argument(
        "--max-skew", type=float, default=900, help="allowed clock skew in seconds (default 900)"
    )
    parser.add_argument(
        "--max-body", type=int, default=DEFAULT_MAX_BODY, help="largest body accepted, in bytes"
    )
    parser.add_argument(
        "--max-header-bytes",
        type=int,
        default=DEFAULT_MAX_HEADER_BYTES,
        help="largest header section accepted, in bytes",
    )
    parser.add_argument(
        "--timeout", type=float, default=DEFAULT_TIMEOUT, help="socket timeout in seconds"
    )
    parser.add_argument("--quiet", action="store_true", help="no log lines")


def _serve_credentials(args: argparse.Namespace) -> List[Credentials]:
    from .serve import load_credentials_file, parse_credential

    found = [parse_credential(spec) for spec in args.credential]
    if args.credentials_file:
        found.extend(load_credentials_file(args.credentials_file))
    if not found:
        raise InvalidCredentials(
            "serve: give at least one --credential AK:SECRET or a --credentials-file",
            field="credential",
        )
    return found


def _check_limits(args: argparse.Namespace) -> None:
    for name in ("max_skew", "max_body", "max_header_bytes", "timeout"):
        if getattr(args, name) < 0 or (name == "timeout" and args.timeout == 0):
            flag = "--" + name.replace("_", "-")
            raise InvalidOption(f"{flag}: must be positive", field=flag)
    if not 0 <= args.port <= 65535:
        raise InvalidOption("--port: must be 0 to 65535", field="--port")


def run_serve(args: argparse.Namespace, *, ready: Optional[Callable[[Any], None]] = None) -> int:
    """Serve until interrupted.  ``ready`` (tests) receives the server once it listens."""

    @guarded
    def run(parsed: argparse.Namespace) -> int:
        return _serve(parsed, ready)

    return run(args)


def _serve(args: argparse.Namespace, ready: Optional[Callable[[Any], None]]) -> int:
    from .serve import make_server

    _check_limits(args)
    credentials = _serve_credentials(args)
    options = None
    suffix = getattr(args, "virtual_host_suffix", None)
    if suffix is not None:
        from .s3_v2 import S3V2Options

        S3V2Options(virtual_host_suffix=suffix)  # refused here, not on every request
        legacy = {"virtual_host_suffix": suffix}
        options = {"s3-v2": legacy, "s3-v2-query": dict(legacy)}
    log: Optional[Callable[[str], None]] = (lambda line: None) if args.quiet else None
    server = make_server(
        args.host,
        args.port,
        credentials=credentials,
        region=args.region,
        service=args.service,
        max_skew=args.max_skew,
        max_body=args.max_body,
        max_header_bytes=args.max_header_bytes,
        timeout=args.timeout,
        options=options,
        log=log,
    )
    try:
        print(f"sigbridge serve: listening on {server.url}", flush=True)
        if ready is not None:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.stdout.flush()
    return 0
