"""Argument handling shared by the ``sigbridge`` subcommands that take a request to sign."""

from __future__ import annotations

import argparse
import datetime as _dt
import os
from typing import Any, Dict, List, Optional, Tuple

from ._time import parse_iso8601
from .errors import InvalidCredentials, InvalidOption, InvalidRequest
from .model import Credentials, Request

__all__ = [
    "add_request_arguments",
    "add_credential_arguments",
    "add_scheme_arguments",
    "request_from_args",
    "credentials_from_args",
    "time_from_args",
    "options_from_args",
]


def add_request_arguments(parser: argparse.ArgumentParser) -> None:
    """METHOD URL, -H (repeatable), -d DATA / -d @FILE, --at."""
    parser.add_argument("method", metavar="METHOD", help="HTTP method, e.g. GET")
    parser.add_argument("url", metavar="URL", help="absolute URL, e.g. https://host/path?query")
    parser.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="a request header (repeatable; order and duplicates are kept)",
    )
    parser.add_argument(
        "-d",
        "--data",
        metavar="DATA",
        help="request body; @FILE reads it from FILE, @- from standard input",
    )
    parser.add_argument(
        "--unsigned-payload",
        action="store_true",
        help="sign UNSIGNED-PAYLOAD instead of the body's SHA-256",
    )
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="signing time, ISO 8601 with a zone (e.g. 2015-08-30T12:36:00Z); default: now",
    )


def add_credential_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "credentials",
        "default: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN from the environment "
        "(flags are visible to other users of the machine; prefer the environment)",
    )
    group.add_argument("--access-key", metavar="KEY")
    group.add_argument("--secret-key", metavar="SECRET")
    group.add_argument("--session-token", metavar="TOKEN")


def add_scheme_arguments(
    parser: argparse.ArgumentParser, *, default_scheme: str, expires: bool
) -> None:
    parser.add_argument(
        "--scheme",
        default=default_scheme,
        help=f"signer name (see 'sigbridge list'); default {default_scheme}",
    )
    parser.add_argument("--region", help="SigV4 region; inferred from an AWS host when omitted")
    parser.add_argument(
        "--service",
        help="SigV4 signing name (may differ from the host prefix); inferred when omitted",
    )
    if expires:
        parser.add_argument(
            "--expires", type=int, metavar="SECONDS", help="presigned URL lifetime (1 ... 604800)"
        )
    parser.add_argument(
        "--s3", action="store_true", help="SigV4 S3 preset (no path normalization, single encoding)"
    )
    parser.add_argument(
        "-o",
        "--option",
        dest="options",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="another signer option, e.g. -o signature_method=HmacSHA1",
    )


def _read_data(spec: str) -> bytes:
    if spec.startswith("@"):
        path = spec[1:]
        if path == "-":
            import sys

            return sys.stdin.buffer.read()
        try:
            with open(path, "rb") as handle:
                return handle.read()
        except OSError as exc:
            raise InvalidRequest(
                f"data: cannot read {path!r}: {exc.strerror}", field="data"
            ) from None
    return spec.encode("utf-8")


def _parse_header(text: str) -> Tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip():
        raise InvalidRequest(f"header {text!r} is not of the form 'Name: value'", field="header")
    if name != name.strip():
        raise InvalidRequest(f"header name {name!r} has surrounding whitespace", field="header")
    return name, value.strip()


def request_from_args(args: argparse.Namespace) -> Request:
    from .model import UNSIGNED_PAYLOAD

    headers = [_parse_header(h) for h in args.headers]
    body: Any = _read_data(args.data) if args.data is not None else b""
    if getattr(args, "unsigned_payload", False):
        if body:
            raise InvalidRequest(
                "data: --unsigned-payload signs no body hash; the body is sent as is",
                field="data",
            )
        body = UNSIGNED_PAYLOAD
    return Request(args.method.upper(), args.url, headers, body)


def credentials_from_args(args: argparse.Namespace) -> Credentials:
    access_key = args.access_key or os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = args.secret_key or os.environ.get("AWS_SECRET_ACCESS_KEY")
    token = args.session_token or os.environ.get("AWS_SESSION_TOKEN") or None
    if not access_key:
        raise InvalidCredentials(
            "access_key: not given; set AWS_ACCESS_KEY_ID or pass --access-key", field="access_key"
        )
    if not secret_key:
        raise InvalidCredentials(
            "secret_key: not given; set AWS_SECRET_ACCESS_KEY or pass --secret-key",
            field="secret_key",
        )
    return Credentials(access_key, secret_key, token)


def time_from_args(args: argparse.Namespace) -> Optional[_dt.datetime]:
    if not getattr(args, "at", None):
        return None
    return parse_iso8601(args.at, field="--at")


def _parse_value(text: str) -> Any:
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if lowered in ("none", "null"):
        return None
    try:
        return int(text)
    except ValueError:
        return text


def options_from_args(
    args: argparse.Namespace, request: Request, *, sigv4_family: bool
) -> Tuple[Dict[str, Any], List[str]]:
    """Signer options from the flags, and notes on what was inferred (for --explain)."""
    options: Dict[str, Any] = {}
    notes: List[str] = []
    for item in args.options:
        name, eq, value = item.partition("=")
        if not eq or not name:
            raise InvalidOption(f"option {item!r} is not NAME=VALUE", field="option")
        options[name.replace("-", "_")] = _parse_value(value)
    if getattr(args, "expires", None) is not None:
        options["expires"] = args.expires
    if args.s3:
        options["s3"] = True
    if sigv4_family:
        region = args.region or options.get("region")
        service = args.service or options.get("service")
        if region is None or service is None:
            from .endpoints import infer_scope

            scope = infer_scope(request.host)
            if region is None:
                region = scope.region
            if service is None:
                service = scope.service
            if region is None or service is None:
                missing = "region" if region is None else "service"
                raise InvalidOption(
                    f"option {missing!r} is required: {scope.reason}", field=missing
                )
            notes.append(f"inferred: {scope.reason}")
        options["region"] = region
        options["service"] = service
        if service == "s3" and "s3" not in options:
            options["s3"] = True
            notes.append("service s3: using the S3 preset (no normalization, single encoding)")
    else:
        if args.region:
            options["region"] = args.region
        if args.service:
            options["service"] = args.service
    return options, notes
