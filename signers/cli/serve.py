"""``sigbridge serve``: run a local endpoint on 127.0.0.1 that verifies every request it receives
(:mod:`signers.serve`), with the credentials it accepts from ``--credential`` or a file; with
``--upstream URL`` it forwards what verified to a real backend (signed again with
``--upstream-sign``, from the credential chain).

Serves until interrupted; bad input is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Dict, List, Optional

from .. import serve as _server
from ..errors import InvalidCredentials, InvalidOption
from ..model import Credentials
from ..serve import (
    UpstreamSigning,
    VerifyingServer,
    load_credentials_file,
    make_server,
    parse_credential,
)
from ._common import guarded

__all__ = [
    "add_arguments",
    "add_limit_arguments",
    "add_scope_arguments",
    "add_virtual_host_suffix",
    "limits_from_args",
    "run",
    "schemes_from_args",
    "serve_until_stopped",
    "server_command",
    "upstream_signing",
]


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
    add_scope_arguments(
        parser,
        region="the region this endpoint answers for (default: any)",
        service="the signing name it answers for (default: any)",
    )
    parser.add_argument(
        "--max-skew", type=float, default=900, help="allowed clock skew in seconds (default 900)"
    )
    parser.add_argument(
        "--schemes",
        metavar="NAME,...",
        help="accept only these schemes (e.g. sigv4,sigv4-query); others get the protocol's "
        "'not supported' answer (default: every scheme)",
    )
    parser.add_argument(
        "--upstream",
        metavar="URL",
        help="forward what verified to this server (http or https), streaming both ways",
    )
    parser.add_argument(
        "--upstream-sign",
        action="store_true",
        help="sign forwarded requests with SigV4, with credentials from the standard chain "
        "(default: forward them unsigned)",
    )
    parser.add_argument(
        "--profile", help="the credential chain's profile for --upstream-sign (default: as AWS)"
    )
    parser.add_argument(
        "--json-account",
        action="store_true",
        help="answer every verified request with 200 and its verification account as JSON "
        "(for scripts that print the body; SDKs need the default, protocol-shaped answers)",
    )
    add_limit_arguments(parser)
    parser.add_argument("--quiet", action="store_true", help="no log lines")


#: The limits ``serve`` and ``proxy`` share: (flag, type, default, help).
# (rows of data: alike each other by shape only)
_LIMIT_FLAGS = (
    ("--max-body", int, _server.DEFAULT_MAX_BODY,
     "largest body held in memory to verify, in bytes (default %(default)s)"),
    ("--max-upload", int, _server.DEFAULT_MAX_UPLOAD,
     "largest body streamed, when its signature does not cover it (S3), in bytes "
     "(default %(default)s)"),
    ("--max-header-bytes", int, _server.DEFAULT_MAX_HEADER_BYTES,
     "largest header section accepted, in bytes"),
    ("--timeout", float, _server.DEFAULT_TIMEOUT,
     "longest wait for one read or write, and for an idle keep-alive connection, in seconds "
     "(default %(default)g)"),
    ("--request-timeout", float, _server.DEFAULT_REQUEST_TIMEOUT,
     "time allowed to receive a request's head, in seconds; its body gets one more second per "
     "256 KiB (default %(default)g)"),
    ("--max-connections", int, _server.DEFAULT_MAX_CONNECTIONS,
     "connections served at once (one thread each); more are answered 503 at once "
     "(default %(default)s)"),
    ("--backlog", int, _server.DEFAULT_BACKLOG,
     "listen backlog: connections the kernel queues (default %(default)s)"),
    ("--upstream-timeout", float, _server.DEFAULT_REQUEST_TIMEOUT,
     "longest wait for the upstream (connect, each read), in seconds"),
)  # fmt: skip


def add_limit_arguments(parser: argparse.ArgumentParser) -> None:
    """The robustness limits ``serve`` and ``proxy`` share."""
    for flag, kind, default, text in _LIMIT_FLAGS:
        parser.add_argument(flag, type=kind, default=default, help=text)
    parser.add_argument(
        "--upstream-payload",
        choices=("aws-chunked", "unsigned"),
        default="aws-chunked",
        help="how a streamed S3 body without a declared hash is signed for the upstream: "
        "aws-chunked (each chunk signed; default) or unsigned (UNSIGNED-PAYLOAD, for stores "
        "that do not decode aws-chunked)",
    )


def add_scope_arguments(parser: argparse.ArgumentParser, *, region: str, service: str) -> None:
    """``--region`` and ``--service`` (``serve`` and ``proxy`` each say what they mean: the
    help texts ``region`` and ``service``) and ``--virtual-host-suffix``."""
    parser.add_argument("--region", help=region)
    parser.add_argument("--service", help=service)
    add_virtual_host_suffix(parser)


def add_virtual_host_suffix(parser: argparse.ArgumentParser) -> None:
    """``--virtual-host-suffix``, which S3's legacy scheme needs on a custom endpoint."""
    parser.add_argument(
        "--virtual-host-suffix",
        metavar="SUFFIX",
        help="S3's legacy scheme: hosts <bucket>.SUFFIX address <bucket> (custom endpoints)",
    )


def limits_from_args(args: argparse.Namespace) -> Dict[str, Any]:
    """The :class:`~signers.serve.ServerConfig` keywords of the limit arguments."""
    if getattr(args, "max_skew", 0) < 0:
        raise InvalidOption("--max-skew: must be positive", field="--max-skew")
    for name in ("timeout", "request_timeout", "upstream_timeout"):
        if not getattr(args, name) > 0:
            flag = "--" + name.replace("_", "-")
            raise InvalidOption(f"{flag}: must be positive", field=flag)
    names = [flag[2:].replace("-", "_") for flag, _, _, _ in _LIMIT_FLAGS]
    return {name: getattr(args, name) for name in names}


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


def _check_port(args: argparse.Namespace) -> None:
    if not 0 <= args.port <= 65535:
        raise InvalidOption("--port: must be 0 to 65535", field="--port")


def schemes_from_args(text: Optional[str]) -> Optional[List[str]]:
    """``--schemes a,b`` as a list (checked by the server's configuration)."""
    if text is None:
        return None
    return [name.strip() for name in text.split(",") if name.strip()]


Ready = Optional[Callable[[VerifyingServer], None]]


def server_command(body: Callable[[argparse.Namespace, Ready], int]) -> Callable[..., int]:
    """A server command's ``run(args, *, ready=None)``: ``body`` guarded (bad input is one line
    and exit status 2), serving until interrupted; ``ready`` (tests) receives the server once it
    listens."""

    def run(args: argparse.Namespace, *, ready: Ready = None) -> int:
        def command(parsed: argparse.Namespace) -> int:
            return body(parsed, ready)

        command.__name__ = body.__name__.lstrip("_")
        return guarded(command)(args)

    run.__doc__ = body.__doc__
    return run


def _serve(args: argparse.Namespace, ready: Ready) -> int:
    """Serve until interrupted.  ``ready`` (tests) receives the server once it listens."""
    _check_port(args)
    limits = limits_from_args(args)
    credentials = _serve_credentials(args)
    options = None
    suffix = getattr(args, "virtual_host_suffix", None)
    if suffix is not None:
        from ..s3_v2 import S3V2Options

        S3V2Options(virtual_host_suffix=suffix)  # refused here, not on every request
        legacy = {"virtual_host_suffix": suffix}
        options = {"s3-v2": legacy, "s3-v2-query": dict(legacy)}
    signing = None
    if args.upstream_sign:
        if not args.upstream:
            raise InvalidOption("--upstream-sign: give --upstream URL", field="--upstream-sign")
        signing = upstream_signing(args.profile, streamed=args.upstream_payload)
    log: Optional[Callable[[str], None]] = (lambda line: None) if args.quiet else None
    server = make_server(
        args.host,
        args.port,
        credentials=credentials,
        region=args.region,
        service=args.service,
        max_skew=args.max_skew,
        schemes=schemes_from_args(args.schemes),
        upstream=args.upstream,
        upstream_signing=signing,
        json_account=args.json_account,
        options=options,
        log=log,
        **limits,
    )
    where = f" -> {server.config.upstream.url}" if server.config.upstream else ""
    return serve_until_stopped(server, f"sigbridge serve: listening on {server.url}{where}", ready)


def upstream_signing(profile: Optional[str], **options: Any) -> UpstreamSigning:
    """Signing for the upstream with the credential chain of ``profile``, checked now (a chain
    that finds nothing is an error at start-up, not at the first request)."""
    from ..credentials import default_chain

    provider = default_chain(profile)
    provider.credentials()
    return UpstreamSigning(provider, **options)


def serve_until_stopped(
    server: VerifyingServer, banner: str, ready: Optional[Callable[[VerifyingServer], None]]
) -> int:
    """Print ``banner`` and serve until interrupted (or shut down)."""
    try:
        print(banner, flush=True)
        if ready is not None:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    sys.stdout.flush()
    return 0


run = server_command(_serve)
