"""``sigbridge probe``: differential testing of a live S3- or AWS-compatible verifier.

``sigbridge`` finds it through the entry-point group ``sigbridge.commands`` (:data:`command`);
this module imports only :mod:`argparse` and :mod:`sys` until the command runs, for
``sigbridge --help``.

Exit status: 0 when no probe is ``insecure`` (with ``--strict``: when every probe that ran
passed), 1 otherwise, 2 on bad usage -- no credentials, an endpoint that cannot be reached or
does not speak HTTP, an unknown ``--scheme`` -- always with one line on stderr.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Mapping, Optional

from .._package import Command

if TYPE_CHECKING:
    from signers import Credentials

    from .runner import ProbeRun

__all__ = ["add_arguments", "run", "command", "HELP", "DESCRIPTION"]

HELP = "test a live S3- or AWS-compatible server's signature verification"
DESCRIPTION = (
    "Send a catalogue of correctly signed requests (which AWS accepts) and of requests changed "
    "after signing or signed with a bad key, time or scope (which AWS refuses) to URL, and "
    "judge each answer against AWS's.  Writes only under --bucket/--prefix and deletes what it "
    "wrote."
)


class _Usage(Exception):
    """Bad usage: one line on stderr, exit status 2."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("url", nargs="?", metavar="URL", help="the endpoint, scheme://host[:port]")
    parser.add_argument("--access-key", help="access key id (default: $AWS_ACCESS_KEY_ID)")
    parser.add_argument("--secret-key", help="secret access key (default: $AWS_SECRET_ACCESS_KEY)")
    parser.add_argument("--session-token", help="session token (default: $AWS_SESSION_TOKEN)")
    parser.add_argument("--region", default="us-east-1", help="the endpoint's region")
    parser.add_argument("--service", default="s3", help="signing name: s3, or a query API (sts...)")
    parser.add_argument("--bucket", help="an existing bucket to write under (S3)")
    parser.add_argument(
        "--create-bucket",
        action="store_true",
        help="create the bucket (a new unique one without --bucket) and remove it at the end",
    )
    parser.add_argument(
        "--prefix",
        default="sigbridge-probe/",
        help="key prefix for everything written (a unique run folder goes under it)",
    )
    parser.add_argument(
        "--scheme", action="append", default=[], metavar="NAME", help="only this scheme (repeat)"
    )
    parser.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="PATTERN",
        help="only probes whose id contains PATTERN, or matches it as a glob (repeat)",
    )
    parser.add_argument("--concurrency", type=int, default=4, help="requests at a time (4)")
    parser.add_argument("--max-requests", type=int, default=1000, help="request budget (1000)")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds per request (10)")
    parser.add_argument(
        "--time-limit", type=float, default=600.0, help="seconds for the whole run (600)"
    )
    parser.add_argument("--json", metavar="FILE", help="write the results as JSON (- : stdout)")
    parser.add_argument("--junit-xml", metavar="FILE", dest="junit_xml", help="write JUnit XML")
    parser.add_argument("--html", metavar="FILE", help="write a self-contained HTML report")
    parser.add_argument(
        "--strict", action="store_true", help="exit 1 on any verdict but pass, not only insecure"
    )
    parser.add_argument(
        "--list", action="store_true", dest="list_probes", help="list the probes and exit"
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="show expectations and diffs"
    )


def _credentials(args: argparse.Namespace, environ: Mapping[str, str]) -> Credentials:
    from signers import Credentials

    access_key, secret_key, token = args.access_key, args.secret_key, args.session_token
    if access_key is None and secret_key is None:
        access_key = environ.get("AWS_ACCESS_KEY_ID")
        secret_key = environ.get("AWS_SECRET_ACCESS_KEY")
        if token is None:
            token = environ.get("AWS_SESSION_TOKEN") or None
    if not access_key or not secret_key:
        raise _Usage(
            "credentials: give --access-key and --secret-key, or set AWS_ACCESS_KEY_ID and "
            "AWS_SECRET_ACCESS_KEY"
        )
    return Credentials(access_key, secret_key, token)


def _check(args: argparse.Namespace) -> None:
    for flag, value, low in (
        ("--concurrency", args.concurrency, 1),
        ("--max-requests", args.max_requests, 1),
    ):
        if value < low:
            raise _Usage(f"{flag}: must be at least {low}")
    if args.concurrency > 64:
        raise _Usage("--concurrency: at most 64")
    for flag, value in (("--timeout", args.timeout), ("--time-limit", args.time_limit)):
        if not value > 0:
            raise _Usage(f"{flag}: must be a positive number of seconds")
    prefix = args.prefix
    if not prefix or prefix.startswith("/") or ".." in prefix.split("/"):
        raise _Usage("--prefix: give a relative key prefix such as 'sigbridge-probe/'")
    if args.bucket is not None and (not args.bucket or "/" in args.bucket):
        raise _Usage(f"--bucket: {args.bucket!r} is not a bucket name")


def _list(args: argparse.Namespace) -> int:
    from .catalogue import for_service
    from .context import S3_SERVICES

    for probe in for_service(args.service in S3_SERVICES):
        print(f"{probe.id}\t{probe.kind}\t{probe.expected}\t{probe.summary}")
    return 0


def _write(path: str, data: bytes, flag: str) -> None:
    try:
        with open(path, "wb") as handle:
            handle.write(data)
    except OSError as exc:
        raise _Usage(f"{flag}: cannot write {path!r}: {exc.strerror}") from None


def _report(args: argparse.Namespace, result: ProbeRun) -> None:
    from . import report

    if args.junit_xml:
        _write(args.junit_xml, report.junit_xml(result), "--junit-xml")
    if args.html:
        _write(args.html, report.to_html(result).encode("utf-8"), "--html")
    if args.json and args.json != "-":
        _write(args.json, report.to_json(result).encode("utf-8"), "--json")
    if args.json == "-":
        print(report.to_json(result))
    else:
        print(report.table(result, verbose=args.verbose > 0))


def _run(args: argparse.Namespace, environ: Mapping[str, str]) -> int:
    if args.list_probes:
        return _list(args)
    if not args.url:
        raise _Usage("give the endpoint URL (e.g. http://127.0.0.1:9000)")
    _check(args)
    credentials = _credentials(args, environ)

    from .catalogue import for_service, resolve_schemes
    from .context import S3_SERVICES, ProbeConfig
    from .runner import run as run_probes

    try:
        schemes = resolve_schemes(args.scheme, for_service(args.service in S3_SERVICES))
    except ValueError as exc:
        raise _Usage(str(exc)) from None
    config = ProbeConfig(
        url=args.url,
        credentials=credentials,
        region=args.region,
        service=args.service,
        bucket=args.bucket,
        create_bucket=args.create_bucket,
        prefix=args.prefix if args.prefix.endswith("/") else args.prefix + "/",
        schemes=schemes,
        cases=tuple(args.case),
        concurrency=args.concurrency,
        max_requests=args.max_requests,
        timeout=args.timeout,
        time_limit=args.time_limit,
    )
    result = run_probes(config, log=lambda line: print("probe: " + line, file=sys.stderr))
    _report(args, result)
    return result.exit_status(strict=args.strict)


def run(args: argparse.Namespace, environ: Optional[Mapping[str, str]] = None) -> int:
    """Run the probe as ``args`` says; the exit status."""
    import os

    from signers import SigningError

    from .runner import UsageError

    try:
        return _run(args, os.environ if environ is None else environ)
    except (_Usage, UsageError, SigningError) as exc:
        print(f"probe: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    except KeyboardInterrupt:
        return 130


#: The plug-in command (entry point ``probe`` of the group ``sigbridge.commands``).
command = Command(HELP, DESCRIPTION, add_arguments, run)
