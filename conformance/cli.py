"""Command-line front end of the harness: ``sigbridge conformance`` and ``python -m conformance``.

``sigbridge`` finds it through the entry-point group ``sigbridge.commands`` (:data:`command`, in
this distribution's ``pyproject.toml``), so the signers package never imports the harness.  The
harness itself loads when the command runs: this module's imports stay light, for
``sigbridge --help``.

Exit status: 0 when everything that ran passed (or failed as expected), 1 when anything failed or
passed unexpectedly, 2 on bad usage (an unknown ``--scheme``, a ``--case`` that matches nothing, an
unreadable ``--vectors`` directory), always with one line on stderr and no traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Dict, List, Sequence

from ._package import Command

if TYPE_CHECKING:
    from .runner import Job, Run
    from .vectors import Catalog

__all__ = ["add_arguments", "run", "command", "HELP", "DESCRIPTION"]

HELP = "run the conformance harness over the bundled vectors"
DESCRIPTION = "Run every registered signer over every bundled vector that applies."


class _Usage(Exception):
    """Bad usage: reported on one line, exit status 2."""


# argparse declarations: alike other commands' only in shape (kept; no option is shared).
def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the harness's options to ``parser`` (its own, or a ``sigbridge`` subcommand's)."""
    parser.add_argument(
        "--scheme",
        action="append",
        default=[],
        metavar="NAME",
        help="run only this signer (repeatable; aliases such as v4 are accepted, and a family "
        "without a signer such as sigv4a shows its skipped cases)",
    )
    parser.add_argument(
        "--case",
        action="append",
        default=[],
        metavar="PATTERN",
        help="run only matching cases (repeatable). A glob (* ? [) without '::' matches the "
        "case name: 'get-vanilla*', 'v4/get-*', 'normalize-path/*'; with '::' the whole id, "
        "SCHEME::SUITE/CASE: 'sigv4-query::*vanilla*'. Other text matches any part of the id "
        "(see --list for the ids)",
    )
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--junit-xml", metavar="FILE", dest="junit_xml", help="also write JUnit XML to FILE"
    )
    parser.add_argument(
        "--vectors", metavar="DIR", help="vectors root to use instead of the bundled one"
    )
    parser.add_argument(
        "--list",
        action="store_true",
        dest="list_cases",
        help="list the (signer, case) pairs that would run or be skipped, and exit",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="show the diff of each failure"
    )
    parser.add_argument(
        "--signer",
        metavar="COMMAND",
        help="run the vectors through an external signer program instead of the registered "
        "signers (JSON lines on stdin/stdout; see conformance/protocol.schema.json)",
    )
    parser.add_argument(
        "--signer-timeout",
        type=float,
        default=10.0,
        metavar="SECONDS",
        help="how long the external signer may take for one case (default 10)",
    )


def _resolve_schemes(wanted: Sequence[str], jobs: Sequence[Job]) -> List[str]:
    """Signer names (aliases mapped to what they stand for) and families that have jobs."""
    import signers

    if not wanted:
        return []
    registered: Dict[str, str] = {info.name: info.target for info in signers.schemes()}
    broken = signers.load_errors()
    families = {job.scheme for job in jobs}
    out: List[str] = []
    for name in wanted:
        if name in registered:
            out.append(registered[name])
        elif name in families:
            out.append(name)
        elif name in broken:
            raise _Usage(f"--scheme {name!r}: the plug-in failed to load: {broken[name]}")
        else:
            known = sorted(set(registered) | families)
            raise _Usage(f"--scheme {name!r} is unknown; available: {', '.join(known)}")
    return out


def _run(args: argparse.Namespace) -> int:
    from pathlib import Path

    import signers

    from .runner import capabilities, plan, registered_signers
    from .runner import run as run_jobs
    from .vectors import default_root, scan

    root = Path(args.vectors) if args.vectors else default_root()
    catalog = scan(root)
    if not catalog.vectors and not catalog.problems:
        raise _Usage(f"--vectors: no vectors found in {str(root)!r}")
    if getattr(args, "signer", None):
        try:
            return _run_external(args, catalog, str(root))
        except _Usage as exc:
            raise _Usage(f"--signer: {exc}") from None
    jobs = plan(catalog, registered_signers() + capabilities())
    chosen = _choose(jobs, _resolve_schemes(args.scheme, jobs), args.case)
    if args.list_cases:
        return _list(chosen)
    result = run_jobs(chosen, root=str(root), load_errors=signers.load_errors())
    return _report(args, result)


def _run_external(args: argparse.Namespace, catalog: Catalog, root: str) -> int:
    """``--signer COMMAND``: the same selection and reports, the program signing each case."""
    from .external import ExternalSigner, SignerError, describe_hello, external_jobs, run_external
    from .runner import Run

    try:
        signer = ExternalSigner(args.signer, timeout=args.signer_timeout)
        hello = signer.start()
    except (SignerError, ValueError) as exc:
        raise _Usage(str(exc)) from None
    try:
        jobs = external_jobs(catalog, hello)
        unknown = [s for s in args.scheme if s not in hello.schemes]
        if unknown:
            declared = ", ".join(hello.schemes)
            raise _Usage(f"--scheme {unknown[0]!r}: the signer declares {declared}")
        chosen = _choose(jobs, args.scheme, args.case)
        if args.list_cases:
            return _list(chosen)
        result = Run([run_external(signer, job) for job in chosen], {}, root)
    finally:
        signer.close()
    if signer.restarts:
        print(
            f"conformance: note: the signer was restarted {signer.restarts} time(s)",
            file=sys.stderr,
        )
    return _report(args, result, heading=describe_hello(hello, signer.argv))


def _choose(jobs: Sequence[Job], schemes: Sequence[str], cases: Sequence[str]) -> List[Job]:
    """The jobs of ``schemes`` matching ``cases``; a pattern that matches nothing is an error."""
    from .runner import select

    chosen = select(jobs, schemes=schemes)
    for pattern in cases:
        if not select(chosen, cases=[pattern]):
            raise _Usage(f"--case {pattern!r} matches no case")
    return select(chosen, cases=cases)


def _list(chosen: Sequence[Job]) -> int:
    """``--list``: one line a job, whether it would run or be skipped and why."""
    for job in chosen:
        state = "run" if job.skip is None and job.problem is None else "skip"
        why = job.skip or job.problem or ""
        print(f"{job.id}\t{state}" + (f"\t{why}" if why else ""))
    return 0


def _report(args: argparse.Namespace, result: Run, heading: str = "") -> int:
    """Write the JUnit XML, print the table (under ``heading``) or JSON; the exit status."""
    from pathlib import Path

    from . import report

    if args.junit_xml:
        try:
            Path(args.junit_xml).write_bytes(report.junit_xml(result))
        except OSError as exc:
            raise _Usage(f"--junit-xml: cannot write {args.junit_xml!r}: {exc.strerror}") from None
    if args.json:
        print(report.to_json(result))
    else:
        if heading:
            print(heading)
        print(report.table(result, verbose=args.verbose > 0))
    return 0 if result.ok else 1


def run(args: argparse.Namespace) -> int:
    """Run the harness as ``args`` (from a parser given :func:`add_arguments`) says; exit status."""
    from signers import SigningError

    from .vectors import VectorError

    try:
        return _run(args)
    except (_Usage, VectorError, SigningError) as exc:
        print(f"conformance: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    except Exception as exc:
        print(f"conformance: internal error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


#: The plug-in command (entry point ``conformance`` of the group ``sigbridge.commands``).
command = Command(HELP, DESCRIPTION, add_arguments, run)
