"""Reports of a run: a table for people, JSON for machines, JUnit XML for CI."""

from __future__ import annotations

import json
from collections import Counter
from typing import Any, Dict, List

from . import junit
from .runner import FAILED, PASSED, SKIPPED, STATUSES, XFAILED, XPASSED, Result, Run

__all__ = ["counts", "table", "to_json", "junit_xml"]


def counts(results: List[Result]) -> Dict[str, int]:
    """Results per status, every status present (zero when none)."""
    tally = Counter(r.status for r in results)
    return {status: tally.get(status, 0) for status in STATUSES}


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def table(run: Run, *, verbose: bool = False) -> str:
    """Scheme x passed / failed / skipped / xfailed (xpassed when any), failures listed under
    their scheme with the first differing stage, skip reasons summarized, load errors as notes."""
    groups = run.by_scheme()
    show_xpassed = any(r.status == XPASSED for r in run.results)
    columns = [PASSED, FAILED, SKIPPED, XFAILED] + ([XPASSED] if show_xpassed else [])
    width = max([len("scheme"), len("total")] + [len(s) for s in groups])
    header = f"{'scheme':<{width}}  " + "  ".join(f"{c:>7}" for c in columns)
    lines = [header, "-" * len(header)]
    for scheme, results in groups.items():
        tally = counts(results)
        lines.append(f"{scheme:<{width}}  " + "  ".join(f"{tally[c]:>7}" for c in columns))
        for result in results:
            if result.status in (FAILED, XPASSED):
                label = "FAIL" if result.status == FAILED else "XPASS"
                where = f" [{result.stage}]" if result.stage else ""
                lines.append(f"  {label} {result.id}{where}: {result.message}")
                diff = result.diff
                if diff.startswith(result.message):
                    diff = diff[len(result.message) :].lstrip("\n")
                if verbose and diff:
                    lines.append(_indent(diff, "      "))
            elif verbose and result.status == XFAILED:
                lines.append(f"  xfail {result.id}: {result.message}")
        for result in results:
            vector = result.vector
            if vector is not None and vector.unchecked and result.status != SKIPPED:
                for stage, why in vector.unchecked.items():
                    lines.append(f"  unchecked {stage} of {result.id}: {why}")
        reasons = Counter(r.message for r in results if r.status == SKIPPED)
        for reason, n in sorted(reasons.items()):
            lines.append(f"  skipped {n}: {reason}")
    total = counts(run.results)
    lines.append("-" * len(header))
    lines.append(f"{'total':<{width}}  " + "  ".join(f"{total[c]:>7}" for c in columns))
    for name, reason in sorted(run.load_errors.items()):
        lines.append(f"note: plug-in {name!r} failed to load: {reason}")
    if run.root:
        lines.append(f"vectors: {run.root}")
    return "\n".join(lines)


def _result_json(result: Result) -> Dict[str, Any]:
    out: Dict[str, Any] = {"id": result.id, "scheme": result.scheme, "status": result.status}
    vector = result.vector
    if vector is not None:
        out.update(
            vector=vector.id,
            family=vector.family,
            location=vector.location,
            case=vector.case,
            requires=sorted(vector.requires),
            stages=list(vector.expected),
        )
        if vector.unchecked:
            out["unchecked"] = dict(vector.unchecked)
    if result.stage:
        out["stage"] = result.stage
    if result.message:
        out["message"] = result.message
    if result.diff:
        out["diff"] = result.diff
    out["seconds"] = round(result.duration, 6)
    return out


def to_json(run: Run) -> str:
    """The whole run as a JSON document (summary per scheme, totals, every result)."""
    document = {
        "ok": run.ok,
        "vectors": run.root,
        "summary": {scheme: counts(results) for scheme, results in run.by_scheme().items()},
        "totals": counts(run.results),
        "load_errors": dict(sorted(run.load_errors.items())),
        "results": [_result_json(r) for r in run.results],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def junit_xml(run: Run) -> bytes:
    """JUnit XML: a ``testsuite`` per scheme, a ``testcase`` per result.

    Failures and unexpected passes are ``failure`` elements; skips and expected failures are
    ``skipped`` (as pytest writes them); plug-ins that failed to load are listed as skipped cases
    of a ``plug-ins`` suite (a note, as in the table: the other signers still ran).
    """
    suites = [
        junit.Suite(scheme, [_junit_case(scheme, r) for r in results], timed=True)
        for scheme, results in run.by_scheme().items()
    ]
    if run.load_errors:
        # Not failures: a broken plug-in is a note, and the others ran (skipped, "not run").
        notes = [
            junit.Case(
                "conformance.plug-ins",
                name,
                outcome="skipped",
                message=f"failed to load: {reason}",
                type="load-error",
            )
            for name, reason in sorted(run.load_errors.items())
        ]
        suites.append(junit.Suite("plug-ins", notes))
    return junit.document("sigbridge-conformance", suites)


def _junit_case(scheme: str, result: Result) -> junit.Case:
    name = result.id.split("::", 1)[1] if "::" in result.id else result.id
    case = junit.Case(f"conformance.{scheme}", name, result.duration, message=result.message)
    if result.status == FAILED:
        text = result.diff or result.message
        return case._replace(outcome="failure", type=result.stage or "failure", text=text)
    if result.status == XPASSED:
        return case._replace(outcome="failure", type="xpass")
    if result.status == XFAILED:
        return case._replace(outcome="skipped", type="xfail")
    if result.status == SKIPPED:
        return case._replace(outcome="skipped")
    assert result.status == PASSED
    return case
