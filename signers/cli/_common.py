"""What the ``sigbridge`` subcommands share: the request arguments, reading them, and errors.

``sign``, ``presign``, ``explain`` and ``diff`` read the same arguments::

    METHOD URL [-H 'Name: value' ...] [-d DATA | -d @FILE | -d @-] [--unsigned-payload]
    [--scheme sigv4] [--service NAME] [--region NAME] [--at TIME] [-o option=value ...]
    [--endpoint-url URL] [--profile NAME] [--access-key AK --secret-key SK [--session-token T]]

Credentials come from the flags, else from the standard chain for ``--profile``
(:mod:`signers.cli._resolve`: environment, shared files, ``credential_process``, container,
instance metadata).  The SigV4 region and signing name not given are inferred from the host and
the request (:func:`signers.services.infer`), or refused.  The URL is made sendable
(:mod:`signers._sendable`) before it is signed.  Every problem is a
:class:`~signers.errors.SigningError` with a one-line message; :func:`guarded` turns it into
``sigbridge: error: ...`` on stderr and exit status 2.  A command-line mistake argparse finds is
a :class:`UsageError` (the parsers are :class:`Parser`).
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from typing import Any, Callable, Dict, List, Mapping, NoReturn, Optional, Tuple, Union

from .._time import UTC, parse_iso8601
from ..errors import InvalidOption, InvalidRequest, InvalidTime, SigningError
from ..model import UNSIGNED_PAYLOAD, Artifacts, Body, Credentials, Request, SignedRequest
from ..protocols import Signer

__all__ = [
    "UsageError",
    "Parser",
    "add_request_arguments",
    "add_credential_arguments",
    "add_signing_arguments",
    "request_from_args",
    "data_from_args",
    "credentials_from_args",
    "time_from_args",
    "options_from_args",
    "signer_from_args",
    "sign_from_args",
    "artifacts_json",
    "read_input",
    "render_http",
    "guarded",
    "EXIT_USAGE",
]

#: Exit status for bad input (argparse uses the same for usage errors).
EXIT_USAGE = 2

OptionValue = Union[bool, int, str]


class UsageError(Exception):
    """A command-line mistake: reported as one line, exit status 2."""


class Parser(argparse.ArgumentParser):
    """An argument parser whose mistakes are :class:`UsageError` (one line), not an exit."""

    def error(self, message: str) -> NoReturn:
        raise UsageError(f"{self.prog}: {message} (see --help)")


def add_request_arguments(
    parser: argparse.ArgumentParser,
    *,
    required: bool = True,
    default_scheme: str = "sigv4",
    expires: bool = False,
) -> None:
    """Add the request, signer and credential arguments to ``parser``."""
    optional: Dict[str, Any] = {} if required else {"nargs": "?", "default": None}
    parser.add_argument("method", help="HTTP method, e.g. GET", **optional)
    parser.add_argument("url", help="absolute URL, e.g. https://sts.amazonaws.com/", **optional)
    add_signing_arguments(parser, default_scheme=default_scheme, expires=expires)


def add_signing_arguments(
    parser: argparse.ArgumentParser, *, default_scheme: str = "sigv4", expires: bool = False
) -> None:
    """Headers, body, signer, scope, endpoint and credential arguments (all but the request
    line, which ``call`` reads its own way)."""
    parser.add_argument(
        "-H",
        "--header",
        action="append",
        default=[],
        metavar="'NAME: VALUE'",
        help="a request header (repeat for more)",
    )
    parser.add_argument(
        "-d", "--data", metavar="DATA", help="the body: text, @FILE to read a file, @- for stdin"
    )
    parser.add_argument(
        "--unsigned-payload",
        action="store_true",
        help="sign UNSIGNED-PAYLOAD instead of hashing the body",
    )
    parser.add_argument(
        "--scheme",
        default=default_scheme,
        help=f"signer name, see 'sigbridge list' (default: {default_scheme})",
    )
    parser.add_argument(
        "--service",
        help="SigV4 signing name, e.g. s3, es (may differ from the host prefix; inferred from "
        "the host and the request when omitted, or refused when they do not decide)",
    )
    parser.add_argument(
        "--region",
        help="SigV4 region, e.g. us-east-1 (default: the host's; for a host that names none, "
        "AWS_REGION, AWS_DEFAULT_REGION, the profile's region, EC2 instance metadata)",
    )
    parser.add_argument(
        "--s3",
        action="store_true",
        help="SigV4 S3 preset: no path normalization, single encoding, x-amz-content-sha256",
    )
    if expires:
        parser.add_argument(
            "--expires",
            type=int,
            metavar="SECONDS",
            help="presigned URL lifetime in seconds (SigV4: 1 ... 604800; default 3600)",
        )
    parser.add_argument(
        "--at", metavar="TIME", help="signing time: ISO 8601 (2015-08-30T12:36:00Z) or epoch"
    )
    parser.add_argument(
        "-o",
        "--option",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a signer option, e.g. -o normalize_path=false -o expires=600",
    )
    parser.add_argument(
        "--endpoint-url",
        metavar="URL",
        help="send to this endpoint (scheme://host[:port][/path]) instead of the URL's host; "
        "region and service are still read from the URL",
    )
    add_credential_arguments(parser)


def add_credential_arguments(parser: argparse.ArgumentParser) -> None:
    """``--profile``, and ``--access-key``, ``--secret-key``, ``--session-token`` (default: the
    standard credential chain)."""
    parser.add_argument(
        "--profile",
        metavar="NAME",
        help="profile of the shared config files (default: $AWS_PROFILE, else default); "
        "named here, it also takes the AWS_* keys out of the chain, as in the AWS CLI",
    )
    parser.add_argument(
        "--access-key",
        help="access key id (default: the credential chain: $AWS_ACCESS_KEY_ID, the profile, "
        "credential_process, container or instance role)",
    )
    parser.add_argument("--secret-key", help="secret access key (with --access-key)")
    parser.add_argument("--session-token", help="session token (with --access-key)")


def read_input(spec: str, *, field: str) -> bytes:
    """``@-`` reads stdin, ``@PATH`` a file, anything else is the text itself (UTF-8)."""
    if not spec.startswith("@"):
        return spec.encode("utf-8", "surrogateescape")
    path = spec[1:]
    try:
        if path == "-":
            return sys.stdin.buffer.read()
        with open(path, "rb") as handle:
            return handle.read()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise InvalidRequest(f"{field}: cannot read {path!r}: {reason}", field=field) from None


def _headers(values: List[str]) -> List[Tuple[str, str]]:
    out = []
    for item in values:
        name, colon, value = item.partition(":")
        if not colon or not name.strip():
            raise InvalidRequest(
                f"-H {item!r}: expected 'Name: value'", field=f"header {name.strip()!r}"
            )
        out.append((name.strip(), value.strip()))
    return out


def data_from_args(args: argparse.Namespace) -> bytes:
    """The body ``-d`` gives (read once: ``@-`` consumes stdin), ``b""`` without ``-d``."""
    cached = getattr(args, "_sigbridge_data", None)
    if isinstance(cached, bytes):
        return cached
    spec = getattr(args, "data", None)
    data = b"" if spec is None else read_input(spec, field="data")
    args._sigbridge_data = data
    return data


def request_from_args(args: argparse.Namespace) -> Request:
    """The :class:`~signers.model.Request` the arguments describe, its URL in the form it must
    be sent (:func:`signers._sendable.sendable`)."""
    from .._sendable import sendable

    if not getattr(args, "method", None) or not getattr(args, "url", None):
        raise InvalidRequest("request: give METHOD and URL", field="url")
    body: Body = data_from_args(args)
    if getattr(args, "unsigned_payload", False):
        body = UNSIGNED_PAYLOAD
    request = Request(args.method, args.url, _headers(getattr(args, "header", []) or []), body)
    return sendable(request)


def credentials_from_args(
    args: argparse.Namespace, environ: Optional[Mapping[str, str]] = None
) -> Credentials:
    """Credentials from ``--access-key``/``--secret-key``/``--session-token``, else the standard
    chain for ``--profile`` (``environ`` replaces ``os.environ``)."""
    from ._resolve import Context, context_of

    if environ is None:
        context = context_of(args)
    else:
        context = Context(getattr(args, "profile", None), environ)
    return context.credentials(
        getattr(args, "access_key", None),
        getattr(args, "secret_key", None),
        getattr(args, "session_token", None),
    )


def time_from_args(args: argparse.Namespace) -> Optional[_dt.datetime]:
    """``--at`` as an aware datetime; ``None`` (meaning now) when absent."""
    text = getattr(args, "at", None)
    if text is None:
        return None
    text = text.strip()
    if text.isdigit() and text.isascii():
        try:
            return _dt.datetime.fromtimestamp(int(text), UTC)
        except (OverflowError, OSError, ValueError):
            raise InvalidTime(f"--at: {text!r} is out of range", field="at") from None
    return parse_iso8601(text, field="--at")


def _option_value(text: str) -> OptionValue:
    lowered = text.lower()
    if lowered in ("true", "yes", "on"):
        return True
    if lowered in ("false", "no", "off"):
        return False
    if text.isdigit() and text.isascii():
        return int(text)
    return text


_SIGV4_TARGETS = ("sigv4", "sigv4-query")


def _is_sigv4(scheme: str) -> bool:
    from ..registry import schemes

    for info in schemes():
        if info.name == scheme:
            return info.target in _SIGV4_TARGETS
    return False


def options_from_args(
    args: argparse.Namespace,
    request: Optional[Request] = None,
    notes: Optional[List[str]] = None,
) -> Dict[str, OptionValue]:
    """Signer options: ``-o name=value`` (``true``/``false``/integers typed), then the flags.

    For the SigV4 schemes a missing region / signing name is inferred from the request
    (:func:`signers.cli._resolve.resolve_scope`); where each came from is appended to ``notes``.
    """
    options: Dict[str, OptionValue] = {}
    for item in getattr(args, "option", []) or []:
        name, eq, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or not name:
            raise InvalidOption(f"-o {item!r}: expected NAME=VALUE", field="option")
        options[name] = _option_value(value.strip())
    sources = {field: f"-o {field}" for field in ("region", "service") if field in options}
    if getattr(args, "region", None):
        options["region"], sources["region"] = args.region, "--region"
    if getattr(args, "service", None):
        options["service"], sources["service"] = args.service, "--service"
    if getattr(args, "expires", None) is not None:
        options["expires"] = args.expires
    if getattr(args, "s3", False):
        options["s3"] = True
    scheme = getattr(args, "scheme", None) or "sigv4"
    if request is not None and _is_sigv4(scheme):
        from ._resolve import context_of, resolve_scope

        given: Dict[str, Tuple[str, str]] = {
            field: (str(options[field]), sources.get(field, "given"))
            for field in ("region", "service")
            if field in options
        }
        scope = resolve_scope(request, context_of(args), given)
        options["region"], options["service"] = scope.region, scope.service
        if notes is not None:
            notes.extend(scope.lines())
        if options.get("service") == "s3" and "s3" not in options:
            options["s3"] = True
            if notes is not None:
                notes.append("service s3: S3 preset (no path normalization, single encoding)")
    return options


def signer_from_args(
    args: argparse.Namespace,
    request: Optional[Request] = None,
    notes: Optional[List[str]] = None,
) -> Signer:
    """The signer ``--scheme`` names, configured from the arguments (and the request's host)."""
    from ..registry import get_signer

    scheme = getattr(args, "scheme", None) or "sigv4"
    signer: Signer = get_signer(scheme, **options_from_args(args, request, notes))
    return signer


def sign_from_args(args: argparse.Namespace, notes: Optional[List[str]] = None) -> SignedRequest:
    """Sign the request the arguments describe, as they say; where the scope, the endpoint and
    the credentials came from goes to ``notes``."""
    from ._resolve import context_of, retarget

    request = request_from_args(args)
    signer = signer_from_args(args, request, notes)  # the scope is read from the URL as given
    endpoint = getattr(args, "endpoint_url", None)
    if endpoint:
        request = retarget(request, endpoint)
        if notes is not None:
            notes.append(f"sent to --endpoint-url {endpoint}")
    credentials = credentials_from_args(args)
    source = context_of(args).credentials_source
    if notes is not None and source:
        notes.append(f"credentials {credentials.access_key}: {source}")
    at = time_from_args(args)
    signed: SignedRequest = signer.sign(request, credentials, at)
    return signed


def artifacts_json(artifacts: Artifacts, *, payload_hash: bool = False) -> Dict[str, Optional[str]]:
    """The artifacts as JSON fields, in the order the commands print them."""
    fields = {
        "canonical_request": artifacts.canonical_request,
        "string_to_sign": artifacts.string_to_sign,
        "credential_scope": artifacts.credential_scope,
        "signed_headers": artifacts.signed_headers,
    }
    if payload_hash:
        fields["payload_hash"] = artifacts.payload_hash
    fields["signature"] = artifacts.signature
    return fields


def render_http(request: Request, body: Optional[bytes] = None) -> str:
    """``request`` as the commands show it to users (``sign``, ``migrate``): the request line,
    ``Host`` when it is not among the headers, ``Name: value`` lines, and the body after a blank
    line (a binary body as ``<N bytes of binary body>``), ending in a newline.  ``body`` is what
    is sent when the request's own is not bytes (an unsigned payload).  The one renderer."""
    lines = [f"{request.method} {request.target} HTTP/1.1"]
    if not request.has_header("host"):
        lines.append(f"Host: {request.host_header}")
    lines.extend(f"{name}: {value}" for name, value in request.headers)
    text = "\n".join(lines) + "\n"
    if body is None:
        body = request.body if isinstance(request.body, bytes) else b""
    if body:
        try:
            shown = body.decode("utf-8")
        except UnicodeDecodeError:
            shown = f"<{len(body)} bytes of binary body>"
        text += "\n" + shown + ("" if shown.endswith("\n") else "\n")
    return text


def guarded(run: Callable[[argparse.Namespace], int]) -> Callable[[argparse.Namespace], int]:
    """Wrap a subcommand: bad input is one line on stderr and exit status 2, never a traceback."""

    def wrapper(args: argparse.Namespace) -> int:
        try:
            return run(args)
        except SigningError as exc:
            sys.stderr.write(f"sigbridge: error: {exc}\n")
            return EXIT_USAGE
        except OSError as exc:
            sys.stderr.write(f"sigbridge: error: {exc.strerror or type(exc).__name__}\n")
            return EXIT_USAGE
        except KeyboardInterrupt:
            return 130

    wrapper.__name__ = getattr(run, "__name__", "run")
    wrapper.__doc__ = run.__doc__
    return wrapper
