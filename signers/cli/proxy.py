"""``sigbridge proxy``: take SigV2 / S3 legacy requests in, send them on signed with SigV4
(:mod:`signers.proxy`), for programs that cannot be changed.

``proxy --listen 127.0.0.1:PORT --upstream URL [--accept sigv2,s3-v2,s3-v2-query]
(--keys FILE | --trust-legacy) [--profile P] [--region R] [--service S]``

Serves until interrupted; bad input is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
from typing import Callable, List, Optional, Tuple

from ..errors import InvalidOption
from ..serve import load_credentials_file
from .serve import (
    Ready,
    add_limit_arguments,
    add_scope_arguments,
    limits_from_args,
    schemes_from_args,
    serve_until_stopped,
    server_command,
)

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The proxy's arguments (and the limits it shares with ``serve``)."""
    parser.add_argument(
        "--listen",
        default="127.0.0.1:0",
        metavar="HOST:PORT",
        help="address to listen on (default 127.0.0.1:0, a free port)",
    )
    parser.add_argument(
        "--upstream", required=True, metavar="URL", help="where requests go, signed with SigV4"
    )
    parser.add_argument(
        "--accept",
        default="sigv2,s3-v2,s3-v2-query",
        metavar="NAME,...",
        help="legacy schemes accepted (default: sigv2,s3-v2,s3-v2-query)",
    )
    check = parser.add_mutually_exclusive_group(required=True)
    check.add_argument(
        "--keys",
        metavar="FILE",
        help="the legacy clients' keys ('AK SECRET [TOKEN]' lines or JSON): their signatures "
        "are checked",
    )
    check.add_argument(
        "--trust-legacy",
        action="store_true",
        help="do not check legacy signatures (only for a client no one else can reach)",
    )
    parser.add_argument("--profile", help="credential chain profile for SigV4 (default: as AWS)")
    # --region/--service mean the scope signed for here, the scope answered for in serve's.
    add_scope_arguments(
        parser,
        region="SigV4 region (default: the upstream's host, or AWS's)",
        service="SigV4 signing name for SigV2 requests, e.g. ec2 (default: the upstream's host)",
    )
    add_limit_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no log lines")


def _listen(text: str) -> Tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 <= int(port) <= 65535:
        raise InvalidOption(
            f"--listen: expected HOST:PORT (port 0 to 65535), got {text!r}", field="--listen"
        )
    return host, int(port)


def _proxy(args: argparse.Namespace, ready: Ready) -> int:
    """Serve until interrupted.  ``ready`` (tests) receives the server once it listens."""
    from ..proxy import make_proxy, startup_lines

    host, port = _listen(args.listen)
    limits = limits_from_args(args)
    keys = load_credentials_file(args.keys) if args.keys else None
    options = None
    if args.virtual_host_suffix is not None:
        from ..s3_v2 import S3V2Options

        S3V2Options(virtual_host_suffix=args.virtual_host_suffix)
        legacy = {"virtual_host_suffix": args.virtual_host_suffix}
        options = {"s3-v2": legacy, "s3-v2-query": dict(legacy)}
    log: Optional[Callable[[str], None]] = (lambda line: None) if args.quiet else None
    server = make_proxy(
        host,
        port,
        upstream=args.upstream,
        keys=keys,
        trust_legacy=args.trust_legacy,
        accept=schemes_from_args(args.accept) or [],
        profile=args.profile,
        region=args.region,
        service=args.service,
        streamed=args.upstream_payload,
        options=options,
        log=log,
        **limits,
    )
    lines: List[str] = startup_lines(server)
    if keys is not None:
        lines.insert(1, f"sigbridge proxy: checks legacy signatures against {len(keys)} key(s)")
    return serve_until_stopped(server, "\n".join(lines), ready)


run = server_command(_proxy)
