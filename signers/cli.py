"""The ``sigbridge`` command.

Every subcommand reports bad input as one line on standard error and exits with status 2; no
traceback reaches the user for an error in what they typed.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any, Callable, List, NoReturn, Optional, Sequence

from . import __version__
from ._cli_common import (
    add_request_arguments,
    credentials_from_args,
    request_from_args,
    signer_from_args,
    time_from_args,
)
from .errors import SigningError
from .model import SignedRequest
from .registry import load_errors, schemes

__all__ = ["main", "build_parser", "UsageError"]


class UsageError(Exception):
    """A command-line mistake: reported as one line, exit status 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def _explain_text(signed: SignedRequest, notes: Sequence[str]) -> str:
    from .diagnose import explain

    return "\n".join([f"# {note}" for note in notes] + [explain(signed)])


def _render_http(signed: SignedRequest) -> str:
    request = signed.request
    lines = [f"{request.method} {request.target} HTTP/1.1"]
    if not request.has_header("host"):
        lines.append(f"Host: {request.host_header}")
    lines.extend(f"{name}: {value}" for name, value in request.headers)
    text = "\n".join(lines) + "\n"
    body = request.body
    if isinstance(body, bytes) and body:
        try:
            text += "\n" + body.decode("utf-8")
        except UnicodeDecodeError:
            text += f"\n<{len(body)} bytes of binary body>"
    return text


def _signed_json(signed: SignedRequest, notes: Sequence[str]) -> str:
    art = signed.artifacts
    return json.dumps(
        {
            "scheme": signed.scheme,
            "method": signed.request.method,
            "url": signed.url,
            "headers": [list(pair) for pair in signed.headers],
            "canonical_request": art.canonical_request,
            "string_to_sign": art.string_to_sign,
            "credential_scope": art.credential_scope,
            "signed_headers": art.signed_headers,
            "signature": art.signature,
            "notes": list(notes),
        },
        indent=2,
    )


def _sign(args: argparse.Namespace, *, presign: bool) -> int:
    request = request_from_args(args)
    credentials = credentials_from_args(args)
    at = time_from_args(args)
    notes: List[str] = []
    signer = signer_from_args(args, request, notes)
    signed = signer.sign(request, credentials, at)
    if args.json:
        print(_signed_json(signed, notes))
        return 0
    if args.explain:
        print(_explain_text(signed, notes))
        print()
    if presign:
        print(signed.url)
    else:
        sys.stdout.write(_render_http(signed))
    return 0


def _cmd_sign(args: argparse.Namespace) -> int:
    return _sign(args, presign=False)


def _cmd_presign(args: argparse.Namespace) -> int:
    return _sign(args, presign=True)


def _cmd_list(args: argparse.Namespace) -> int:
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


def _add_sign_parser(sub: Any, name: str, *, presign: bool) -> None:
    if presign:
        help_text = "print a presigned URL"
        default = "sigv4-query"
    else:
        help_text = "print the signed request"
        default = "sigv4"
    parser = sub.add_parser(name, help=help_text, description=help_text)
    add_request_arguments(parser, default_scheme=default, expires=True)
    parser.add_argument(
        "--explain", action="store_true", help="also print the canonical request and string to sign"
    )
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.set_defaults(func=_cmd_presign if presign else _cmd_sign)


def _optional_commands() -> List[Callable[[Any], None]]:
    """Subcommands that live in their own modules, added when those modules are present."""
    adders: List[Callable[[Any], None]] = []
    try:
        import importlib

        conformance_cli: Any = importlib.import_module("conformance.cli")
    except ImportError:  # pragma: no cover - the harness ships with the distribution
        conformance_cli = None
    if conformance_cli is not None:

        def add_conformance(sub: Any) -> None:
            parser = sub.add_parser(
                "conformance",
                help="run the conformance harness over the bundled vectors",
                description="Run every registered signer over every bundled vector that applies.",
            )
            conformance_cli.add_arguments(parser)
            parser.set_defaults(func=conformance_cli.run)

        adders.append(add_conformance)

    def add_verify_commands(sub: Any) -> None:
        from . import _cli_verify as verify_cli

        for name, help_text, add, run in (
            (
                "explain",
                "sign a request and show every stage with invisible characters made visible",
                verify_cli.add_explain_arguments,
                verify_cli.run_explain,
            ),
            (
                "diff",
                "compare our canonical request with a server's SignatureDoesNotMatch answer",
                verify_cli.add_diff_arguments,
                verify_cli.run_diff,
            ),
            (
                "serve",
                "run a local endpoint on 127.0.0.1 that verifies every request it receives",
                verify_cli.add_serve_arguments,
                verify_cli.run_serve,
            ),
        ):
            parser = sub.add_parser(name, help=help_text, description=help_text)
            add(parser)
            parser.set_defaults(func=run)

    adders.append(add_verify_commands)

    def add_migrate(sub: Any) -> None:
        from . import _cli_migrate

        help_text = "turn a SigV2-signed request into SigV4, or scan Python code for SigV2"
        parser = sub.add_parser("migrate", help=help_text, description=help_text)
        _cli_migrate.add_arguments(parser)
        parser.set_defaults(func=_cli_migrate.run)

    adders.append(add_migrate)

    def add_bench(sub: Any) -> None:
        from ._tools import bench

        help_text = "time signing on this interpreter against the installed peers; merge reports"
        parser = sub.add_parser("bench", help=help_text, description=help_text)
        bench.add_arguments(parser)
        parser.set_defaults(func=bench.run)

    adders.append(add_bench)
    return adders


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="sigbridge",
        description="Sign and verify AWS API requests with every signature version in use.",
    )
    parser.add_argument("--version", action="version", version=f"sigbridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    _add_sign_parser(sub, "sign", presign=False)
    _add_sign_parser(sub, "presign", presign=True)
    list_parser = sub.add_parser("list", help="list the registered signers")
    list_parser.add_argument("--json", action="store_true", help="machine-readable output")
    list_parser.set_defaults(func=_cmd_list)
    for add in _optional_commands():
        add(sub)
    return parser


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        func: Optional[Callable[[argparse.Namespace], int]] = getattr(args, "func", None)
        if func is None:
            parser.print_help(sys.stderr)
            return 2
        return func(args)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SigningError as exc:
        print(f"sigbridge: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1


def _entry() -> NoReturn:
    sys.exit(main())


if __name__ == "__main__":
    _entry()
