"""``sigbridge migrate``: turn a SigV2-signed URL or request into SigV4, or scan code for SigV2.

::

    sigbridge migrate 'https://ec2.amazonaws.com/?Action=...&SignatureVersion=2&Signature=...'
    sigbridge migrate @request.txt --verify          # a raw HTTP request; '-' reads stdin
    sigbridge migrate --scan src/ scripts/old.py      # file:line findings; exit 1 when any

Migration itself is :func:`signers.migrate` (:mod:`signers._tools.migrate`), the scan
:mod:`signers._tools.scan`.  Bad input is one line on standard error and exit status 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import sys
from typing import Any, Dict, List, Optional, Tuple

from .._tools import scan as _scan
from .._tools.migrate import MigrationResult, migrate
from ..errors import InvalidOption, InvalidRequest, SigningError
from ..model import Credentials, Request
from ._common import (
    UsageError,
    add_credential_arguments,
    credentials_from_args,
    read_input,
    render_http,
    time_from_args,
)

__all__ = ["add_arguments", "run", "sign_command"]

_PROG = "sigbridge migrate"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """``migrate URL|@FILE|- [options]`` or ``migrate --scan PATH...``."""
    parser.add_argument(
        "inputs",
        nargs="*",
        metavar="URL|@FILE|-",
        help="a SigV2-signed URL, @FILE holding a raw HTTP request (or a URL), or - for "
        "standard input; with --scan: Python files or directories",
    )
    parser.add_argument(
        "--scan",
        action="store_true",
        help="scan Python source for SigV2 instead (exit status 1 when something is found)",
    )
    parser.add_argument("-X", "--method", help="method of a URL input (default GET)")
    parser.add_argument(
        "-H",
        "--header",
        dest="headers",
        action="append",
        default=[],
        metavar="'Name: value'",
        help="a header sent with a URL input (e.g. the Content-Type a presigned URL signed)",
    )
    parser.add_argument(
        "--http", action="store_true", help="a raw request from @FILE went over http, not https"
    )
    parser.add_argument("--region", help="SigV4 region; inferred from an AWS host when omitted")
    parser.add_argument(
        "--service", help="SigV4 signing name; inferred from an AWS host when omitted"
    )
    parser.add_argument(
        "--verify",
        action="store_true",
        help="check the old signature with the secret key first (needs the credentials)",
    )
    parser.add_argument(
        "--at",
        metavar="TIME",
        help="signing time, ISO 8601 with a zone (e.g. 2015-08-30T12:36:00Z); default: now",
    )
    parser.add_argument(
        "--expires",
        type=int,
        metavar="SECONDS",
        help="lifetime of a migrated presigned URL (default: what the old one had left)",
    )
    parser.add_argument(
        "--bucket", help="S3: the bucket a custom endpoint's host addresses (for --verify)"
    )
    parser.add_argument(
        "--virtual-host-suffix",
        metavar="SUFFIX",
        help="S3: <bucket>.SUFFIX hosts are virtual-hosted (for --verify)",
    )
    add_credential_arguments(parser)
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument(
        "-q", "--quiet", action="store_true", help="print only the result, not the account"
    )


def run(args: argparse.Namespace) -> int:
    """Run the subcommand; the exit status (0 done / no findings, 1 findings, 2 bad input)."""
    try:
        if args.scan:
            return _run_scan(args)
        return _run_migrate(args)
    except (UsageError, SigningError) as exc:
        print(f"{_PROG}: error: {exc}", file=sys.stderr)
        return 2


# -- migrate -----------------------------------------------------------------------------------


def _is_url(text: str) -> bool:
    return text.startswith(("http://", "https://"))


def _header(text: str) -> Tuple[str, str]:
    name, colon, value = text.partition(":")
    if not colon or not name.strip() or name != name.strip():
        raise UsageError(f"header {text!r} is not of the form 'Name: value'")
    return name, value.strip()


def _request_from_args(args: argparse.Namespace) -> Request:
    if len(args.inputs) != 1:
        raise UsageError(
            f"give one URL, @FILE or - (got {len(args.inputs)}); --scan takes several paths"
        )
    spec = args.inputs[0]
    url: Optional[str] = None
    if spec == "-" or spec.startswith("@"):
        data = read_input("@-" if spec == "-" else spec, field="input")
        stripped = data.strip()
        if _is_url(stripped.decode("utf-8", "replace")) and b"\n" not in stripped:
            url = stripped.decode("utf-8", "replace")
        else:
            if args.method or args.headers:
                raise UsageError("-X and -H apply to a URL; the raw request carries its own")
            return Request.from_raw(data, scheme="http" if args.http else "https")
    elif _is_url(spec):
        url = spec
    else:
        raise InvalidRequest(
            f"input {spec!r} is not a URL (http:// or https://), @FILE or -", field="input"
        )
    headers = [_header(h) for h in args.headers]
    return Request((args.method or "GET").upper(), url, headers)


def _credentials(args: argparse.Namespace) -> Optional[Credentials]:
    access_key = args.access_key or os.environ.get("AWS_ACCESS_KEY_ID")
    secret_key = args.secret_key or os.environ.get("AWS_SECRET_ACCESS_KEY")
    if not access_key and not secret_key and not getattr(args, "profile", None):
        return None
    return credentials_from_args(args)  # names what is missing; --profile: the chain


def _body_text(request: Request) -> Optional[str]:
    body = request.body
    if not isinstance(body, bytes):
        return None
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        return None


def sign_command(result: MigrationResult) -> str:
    """The ``sigbridge sign`` / ``presign`` command that signs ``result.request`` later."""
    request = result.request
    presign = result.signer == "sigv4-query"
    parts = ["sigbridge", "presign" if presign else "sign", request.method, request.url]
    options = result.options
    parts += ["--region", str(options["region"]), "--service", str(options["service"])]
    if options.get("s3"):
        parts.append("--s3")
    if presign:
        parts += ["--expires", str(options["expires"])]
    host = request.host_header.lower()
    for name, value in request.headers:
        if name.lower() == "host" and value.strip().lower() == host:
            continue
        parts += ["-H", f"{name}: {value}"]
    text = _body_text(request)
    if text:
        parts += ["-d", text]
    elif isinstance(request.body, bytes) and request.body:
        parts += ["-d", "@BODY-FILE"]
    return " ".join(shlex.quote(p) for p in parts)


def _summary(result: MigrationResult) -> str:
    options = result.options
    return f"{result.scheme} -> {result.signer} ({options['service']} in {options['region']})"


def _as_json(result: MigrationResult) -> Dict[str, Any]:
    shown = result.signed.request if result.signed is not None else result.request
    out: Dict[str, Any] = {
        "scheme": result.scheme,
        "signer": result.signer,
        "options": dict(result.options),
        "signed": result.signed is not None,
        "at": result.at.isoformat().replace("+00:00", "Z"),
        "method": shown.method,
        "url": shown.url,
        "headers": [list(pair) for pair in shown.headers],
        "body": _body_text(shown),
        "account": result.account.as_dict(),
        "lines": result.account.lines(),
        "command": None if result.signed is not None else sign_command(result),
    }
    if result.signed is not None:
        out["signature"] = result.signed.signature
    return out


def _run_migrate(args: argparse.Namespace) -> int:
    request = _request_from_args(args)
    credentials = _credentials(args)
    if args.verify and credentials is None:
        raise InvalidOption(
            "--verify needs the secret key: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY "
            "(or pass --access-key / --secret-key)",
            field="verify",
        )
    s3_options: Dict[str, Any] = {}
    if args.bucket:
        s3_options["bucket"] = args.bucket
    if args.virtual_host_suffix:
        s3_options["virtual_host_suffix"] = args.virtual_host_suffix
    result = migrate(
        request,
        credentials,
        verify=args.verify,
        region=args.region,
        service=args.service,
        at=time_from_args(args),
        expires=args.expires,
        s3_options=s3_options or None,
    )
    if args.json:
        print(json.dumps(_as_json(result), indent=2))
        return 0
    out: List[str] = []
    if not args.quiet:
        out.append(f"# {_summary(result)}")
        out.extend(f"# {line}" for line in result.account.lines())
    signed = result.signed
    if signed is not None:
        out.append(signed.url if result.signer == "sigv4-query" else render_http(signed.request))
    else:
        presigned = result.signer == "sigv4-query"
        if not args.quiet:
            what = "URL" if presigned else "request"
            out.append(f"# stripped {what}, ready for SigV4 (no credentials given):")
        out.append(result.request.url if presigned else render_http(result.request))
        if not args.quiet:
            out.append("# sign it with:")
            command = sign_command(result)
            if result.has_session_token:
                command = "AWS_SESSION_TOKEN=<the request's session token> " + command
            out.append(command)
    sys.stdout.write("\n".join(part.rstrip("\n") for part in out) + "\n")
    return 0


# -- scan --------------------------------------------------------------------------------------


def _run_scan(args: argparse.Namespace) -> int:
    """Findings on stdout (``file:line: [code] ...``), files that could not be read as Python 3
    on stderr (``file:line: skipped: why``); the exit status counts findings only."""
    if not args.inputs:
        raise UsageError("--scan needs at least one file or directory")
    for path in args.inputs:
        if not os.path.exists(path):
            raise UsageError(f"--scan: {path!r} does not exist")
    findings: List[_scan.Finding] = []
    skipped: List[_scan.Skipped] = []
    files = 0
    for path in _scan.python_files(args.inputs):
        files += 1
        scanned = _scan.scan_path(path)
        findings.extend(scanned.findings)
        if scanned.skipped is not None:
            skipped.append(scanned.skipped)
    if args.json:
        document = {
            "files": files,
            "findings": [finding._asdict() for finding in findings],
            "skipped": [skip._asdict() for skip in skipped],
        }
        print(json.dumps(document, indent=2))
    else:
        for finding in findings:
            print(finding.text())
        for skip in skipped:
            print(skip.text(), file=sys.stderr)
        if not args.quiet:
            noun = "finding" if len(findings) == 1 else "findings"
            summary = f"# {len(findings)} {noun} in {files} file(s)"
            if skipped:
                summary += f"; {len(skipped)} skipped (not Python 3 source: listed above)"
            print(summary, file=sys.stderr)
    return 1 if findings else 0
