"""``sigbridge call``: sign a request with the standard credential chain, send it, print the answer.

Two forms::

    sigbridge call [METHOD] URL [-H 'Name: value' ...] [-d DATA|@FILE|@-]
    sigbridge call SERVICE OPERATION [JSON | Name=Value ...]

The URL form signs what it is given (region and signing name from ``--region`` / ``--service``,
else from the host and the request, or refused); METHOD defaults to GET, or POST with ``-d``.
The operation form builds the request from the service table (:mod:`signers._tools.call`).
The body of the answer streams to standard output (or ``--output FILE``); ``-i`` puts the status
line and headers before it; ``-v`` shows on standard error where the region, signing name and
credentials came from, the request as sent (signature and session token masked) and the
answer's headers.  On an answer outside 2xx, AWS's code and message go to standard error, and
for ``SignatureDoesNotMatch`` / ``InvalidSignatureException`` the diff of our canonical request
against the server's with the likely cause (:func:`signers.diagnose.diff`).

Exit status: 0 for a 2xx answer; 1 for any other answer (the body is still written, as curl
does, unless ``--fail``, which keeps an error body out of the output); 2 for bad input (nothing
is sent); 3 when no answer came (DNS, connection, TLS, timeout).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from typing import Any, BinaryIO, Dict, List, Optional, Sequence, Tuple

from .._tools.call import (
    SIGNATURE_CODES,
    Endpoint,
    aws_error,
    endpoint_for,
    find_operation,
    masked_request,
    operation_request,
    scrub,
)
from .._tools.transport import USER_AGENT, Response, TransportError, send
from ..errors import InvalidOption, InvalidRequest
from ..model import UNSIGNED_PAYLOAD, Body, Credentials, Request, SignedRequest
from ..services import Inference
from ._common import (
    OptionValue,
    Parser,
    UsageError,
    _headers,
    _is_sigv4,
    add_signing_arguments,
    data_from_args,
    guarded,
    options_from_args,
    time_from_args,
)
from ._resolve import Context, context_of, retarget

__all__ = ["add_arguments", "run", "EXIT_OK", "EXIT_HTTP_ERROR", "EXIT_TRANSPORT"]

EXIT_OK = 0
EXIT_HTTP_ERROR = 1
EXIT_TRANSPORT = 3
#: How much of an error answer is kept to read AWS's code and message from.
ERROR_BODY_LIMIT = 1 << 20


class _IntermixedParser(Parser):
    """Options anywhere among the positional words (``call ec2 DescribeInstances --region r
    Filter.1.Name=x``): argparse's intermixed parsing for this subcommand."""

    _inside = False

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        if self._inside:  # (3.8-3.11 implement the intermixed parse with this very method)
            return super().parse_known_args(args, namespace)
        self._inside = True
        try:
            return self.parse_known_intermixed_args(args, namespace)
        finally:
            self._inside = False


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``call [METHOD] URL ...`` or ``call SERVICE OPERATION [PARAMETERS...]``."""
    if isinstance(parser, Parser):
        parser.__class__ = _IntermixedParser
    parser.add_argument(
        "words",
        nargs="*",
        metavar="[METHOD] URL | SERVICE OPERATION [PARAMETERS]",
        help="a URL (METHOD defaults to GET, POST with -d), or a service and operation of the "
        "service table with a JSON document (JSON APIs) or Name=Value pairs (query APIs)",
    )
    add_signing_arguments(parser)
    parser.add_argument(
        "-i", "--include", action="store_true", help="print the status line and headers first"
    )
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="show the scope, the request sent (secrets masked) and the answer's headers on "
        "standard error",
    )
    parser.add_argument("--output", metavar="FILE", help="write the body to FILE, not stdout")
    parser.add_argument(
        "--fail",
        action="store_true",
        help="on an answer outside 2xx write no body (AWS's code and message still go to "
        "standard error); the exit status is 1 either way",
    )
    # (argparse flags: alike other commands' by shape only)
    parser.add_argument(
        "--insecure", action="store_true", help="do not verify the server's TLS certificate"
    )
    parser.add_argument(
        "--ca-bundle",
        metavar="FILE",
        help="CA certificates to verify with (default: $AWS_CA_BUNDLE)",
    )
    parser.add_argument(
        "--timeout",
        type=float,
        default=60.0,
        metavar="SECONDS",
        help="give up when connecting or a read waits longer (default 60)",
    )


# -- the request ----------------------------------------------------------------------------------


def _split_words(words: Sequence[str]) -> Tuple[Optional[str], Optional[str], List[str]]:
    """``(method, url, [])`` for the URL form, ``(None, None, words)`` for the operation form."""
    if not words:
        raise UsageError(
            "sigbridge call: give [METHOD] URL, or SERVICE OPERATION [PARAMETERS] (see --help)"
        )
    if "://" in words[0]:
        method, url, rest = None, words[0], list(words[1:])
    elif len(words) > 1 and "://" in words[1]:
        method, url, rest = words[0], words[1], list(words[2:])
    else:
        if len(words) < 2:
            raise UsageError(
                f"sigbridge call: {words[0]!r} is not a URL; give SERVICE OPERATION or a URL"
            )
        return None, None, list(words)
    if rest:
        raise UsageError(f"sigbridge call: unexpected argument {rest[0]!r} after the URL")
    return method, url, []


def _url_request(
    args: argparse.Namespace, method: Optional[str], url: str, notes: List[str]
) -> Tuple[Request, Dict[str, OptionValue]]:
    from .._sendable import sendable

    data = data_from_args(args)
    body: Body = UNSIGNED_PAYLOAD if args.unsigned_payload else data
    method = method or ("POST" if args.data is not None else "GET")
    request = sendable(Request(method, url, _headers(args.header), body))
    options = options_from_args(args, request, notes)  # the scope is read from the URL as given
    if args.endpoint_url:
        request = retarget(request, args.endpoint_url)
        notes.append(f"sent to --endpoint-url {args.endpoint_url}")
    return request, options


def _operation_endpoint(
    args: argparse.Namespace, context: Context, info: Any, *, need_region: bool
) -> Endpoint:
    """Where the operation goes and the region it signs for (see the module docstring)."""
    region: Optional[str] = args.region
    source = "--region"
    if region is None:
        found = context.configured_region()
        if found is not None:
            region, source = found
    if args.endpoint_url:
        configured: Optional[Tuple[str, str]] = (args.endpoint_url, "--endpoint-url")
    else:
        configured = context.endpoint_url(info.service_id)
    if configured is None:
        try:
            return endpoint_for(info, region, source)
        except InvalidOption as exc:
            if region is not None:
                raise
            missing = exc
        found = context.region()  # instance metadata: asked only now
        if found is None:
            raise missing
        return endpoint_for(info, found[0], found[1])
    if region is None and need_region:
        found = context.region()
        if found is not None:
            region, source = found
        else:
            own = endpoint_for(info, None, "")  # a global API signs for its fixed region
            region, source = own.region, own.source
    url = configured[0]
    if region is None:
        return Endpoint(url, "", f"endpoint {url} from {configured[1]}")
    return Endpoint(url, region, f"{source}; endpoint {url} from {configured[1]}")


def _operation_request(
    args: argparse.Namespace, words: Sequence[str], notes: List[str]
) -> Tuple[Request, Dict[str, OptionValue]]:
    from .._sendable import sendable
    from ._resolve import check_endpoint_url

    operation = find_operation(words[0], words[1])
    info = operation.service
    parameters = list(words[2:])
    if args.data is not None:
        if operation.protocol != "json" or parameters:
            raise InvalidRequest(
                "-d: the operation form takes its parameters as arguments"
                + ("" if operation.protocol == "json" else " (Name=Value for a query API)"),
                field="data",
            )
        parameters = [data_from_args(args).decode("utf-8", "surrogateescape")]
    scheme = args.scheme or "sigv4"
    if not _is_sigv4(scheme) and operation.protocol == "json":
        raise InvalidOption(
            f"--scheme {scheme}: {info.name} is a JSON API, which signs with SigV4 only",
            field="scheme",
        )
    # The parameters are checked before anything is looked up (files, instance metadata).
    operation_request(operation, parameters, "https://endpoint.invalid/")
    context = context_of(args)
    endpoint = _operation_endpoint(args, context, info, need_region=_is_sigv4(scheme))
    url = check_endpoint_url(endpoint.url, field="endpoint")
    request = operation_request(operation, parameters, url)
    request = sendable(request.with_headers(*_headers(args.header)))
    options = options_from_args(args)
    if _is_sigv4(scheme):
        signing = args.service or info.signing_name
        service_source = "--service" if args.service else f"service table ({info.name})"
        options["region"], options["service"] = endpoint.region, signing
        notes.extend(Inference(endpoint.region, signing, endpoint.source, service_source).lines())
    else:
        options.pop("region", None)
        options.pop("service", None)
    if not _is_sigv4(scheme) and "v2" not in info.auth and info.name != "ec2":
        sys.stderr.write(
            f"sigbridge: note: AWS documents SigV2 for SimpleDB and for EC2 in regions from "
            f"before 2014; {info.name} may refuse it\n"
        )
    notes.append(f"operation {info.name} {operation.name}: {operation.protocol} protocol")
    return request, options


# -- sending and printing -------------------------------------------------------------------------


def _write_head(out: BinaryIO, response: Response) -> None:
    lines = [f"{response.version} {response.status} {response.reason}".rstrip()]
    lines += [f"{n}: {v}" for n, v in response.headers]
    out.write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1", "replace"))


def _report_error(
    response: Response, kept: bytes, signed: SignedRequest, credentials: Credentials
) -> None:
    from ..diagnose import diff

    found = aws_error(response.headers, kept)
    head = f"sigbridge: HTTP {response.status} {response.reason}".rstrip()
    if found.code:
        head += f": {found.code}"
    if found.message:
        first = found.message.strip().splitlines()[0] if found.message.strip() else ""
        head += f": {first[:300]}"
    lines = [head]
    if found.code in SIGNATURE_CODES and found.server is not None:
        report = diff(signed, found.server)
        lines.append("sigbridge: our canonical request against the server's:")
        lines.extend("  " + line for line in str(report).splitlines())
        if report.equal and not report.causes:
            lines.append(
                "  Likely cause: the server computed the same canonical request and string to "
                "sign, so the secret key (or the session token) differs"
            )
    sys.stderr.write(scrub("\n".join(lines), credentials) + "\n")


class _Output:
    """Where the body goes: stdout, or ``--output FILE`` written to a temporary file next to it
    and moved in place at the end (an interrupted or failed download leaves FILE as it was)."""

    def __init__(self, path: Optional[str]) -> None:
        self.path = path
        self._temp: Optional[str] = None
        self._done = False
        self.stream: BinaryIO = sys.stdout.buffer
        if path is not None:
            folder = os.path.dirname(os.path.abspath(path))
            handle, self._temp = tempfile.mkstemp(prefix=".sigbridge-", dir=folder)
            self.stream = os.fdopen(handle, "wb")

    def finish(self, keep: bool) -> None:
        """Flush; with a FILE, move it in place (``keep``) or drop it.  Once only."""
        if self._done:
            return
        self._done = True
        if self.path is None or self._temp is None:
            self.stream.flush()
            return
        self.stream.close()
        if keep:
            os.replace(self._temp, self.path)
        else:
            os.unlink(self._temp)


def _receive(
    args: argparse.Namespace, response: Response, credentials: Credentials, output: _Output
) -> Tuple[bool, bytes]:
    """Stream the answer out; ``(2xx?, the start of an error body)``.

    A 2xx body is written as it comes, byte for byte.  An error body is held (up to
    :data:`ERROR_BODY_LIMIT`) and written with the secret key and session token masked: S3 and
    others echo the canonical request, session token included, in their refusals.
    """
    ok = 200 <= response.status < 300
    write = ok or not args.fail
    if args.verbose:
        sys.stderr.write(f"< {response.version} {response.status} {response.reason}\n")
        sys.stderr.write("".join(f"< {n}: {v}\n" for n, v in response.headers))
    kept = bytearray()
    held = not ok
    try:
        if write and args.include:
            _write_head(output.stream, response)
        for chunk in response.chunks():
            if held and len(kept) + len(chunk) <= ERROR_BODY_LIMIT:
                kept += chunk
                continue
            if held:  # too long to hold: what is held goes out masked, the rest as it comes
                held = False
                if write:
                    output.stream.write(_masked_body(bytes(kept), credentials))
            if write:
                output.stream.write(chunk)
        if held and write:
            output.stream.write(_masked_body(bytes(kept), credentials))
    except BaseException:
        output.finish(keep=False)
        raise
    output.finish(keep=write)
    return ok, bytes(kept)


def _masked_body(body: bytes, credentials: Credentials) -> bytes:
    text = body.decode("utf-8", "surrogateescape")
    masked = scrub(text, credentials)
    return body if masked == text else masked.encode("utf-8", "surrogateescape")


@guarded
def run(args: argparse.Namespace) -> int:
    """Sign, send, print; the exit status says how it went (see the module docstring)."""
    method, url, words = _split_words(args.words)
    notes: List[str] = []
    if url is not None:
        request, options = _url_request(args, method, url, notes)
    else:
        request, options = _operation_request(args, words, notes)
    from ..registry import get_signer

    signer = get_signer(args.scheme or "sigv4", **options)
    context = context_of(args)
    credentials = context.credentials(args.access_key, args.secret_key, args.session_token)
    notes.append(f"credentials {credentials.access_key}: {context.credentials_source}")
    signed = signer.sign(request, credentials, time_from_args(args))
    sent = signed.request
    body = sent.body if isinstance(sent.body, bytes) else data_from_args(args)
    if args.verbose:
        extra = {} if sent.has_header("user-agent") else {"User-Agent": USER_AGENT}
        lines = [f"* {note}" for note in notes]
        lines += ["> " + line for line in masked_request(sent, len(body), extra)]
        sys.stderr.write(scrub("\n".join(lines), credentials) + "\n")
    ca_bundle = args.ca_bundle or os.environ.get("AWS_CA_BUNDLE") or None
    output = _Output(args.output)  # a FILE that cannot be written is bad input: nothing is sent
    try:
        with send(
            sent, body, timeout=args.timeout, verify=not args.insecure, ca_bundle=ca_bundle
        ) as response:
            ok, kept = _receive(args, response, credentials, output)
            if not ok:
                _report_error(response, kept, signed, credentials)
    except TransportError as exc:
        output.finish(keep=False)
        sys.stderr.write(f"sigbridge: error: {scrub(str(exc), credentials)}\n")
        return EXIT_TRANSPORT
    return EXIT_OK if ok else EXIT_HTTP_ERROR
