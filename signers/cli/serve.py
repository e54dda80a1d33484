"""``sigbridge serve``: run a local endpoint on 127.0.0.1 that verifies every request it receives
(:mod:`signers.serve`), with the credentials it accepts from ``--credential`` or a file.

Serves until interrupted; bad input is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Callable, List, Optional

from ..errors import InvalidCredentials, InvalidOption
from ..model import Credentials
from ..serve import (
    DEFAULT_MAX_BODY,
    DEFAULT_MAX_HEADER_BYTES,
    DEFAULT_TIMEOUT,
    VerifyingServer,
    load_credentials_file,
    make_server,
    parse_credential,
)
from ._common import guarded

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``serve [--port N] --credential AK:SECRET[:TOKEN] ... [--credentials-file FILE]``."""
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


def run(
    args: argparse.Namespace, *, ready: Optional[Callable[[VerifyingServer], None]] = None
) -> int:
    """Serve until interrupted.  ``ready`` (tests) receives the server once it listens."""

    @guarded
    def serve(parsed: argparse.Namespace) -> int:
        return _serve(parsed, ready)

    return serve(args)


def _serve(args: argparse.Namespace, ready: Optional[Callable[[VerifyingServer], None]]) -> int:
    _check_limits(args)
    credentials = _serve_credentials(args)
    options = None
    suffix = getattr(args, "virtual_host_suffix", None)
    if suffix is not None:
        from ..s3_v2 import S3V2Options

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
