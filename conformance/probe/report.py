"""Reports of a probe run: the terminal table, JSON, JUnit XML and one self-contained HTML page.

Everything here reads a :class:`~.runner.ProbeRun`, whose requests and answers were redacted by
the runner: no report can show a secret.  A failing probe carries what was sent, what came back,
and -- where the server returned the canonical request or string to sign it computed -- the diff
of both sides (client ``-``, server ``+``, whitespace made visible).
"""

from __future__ import annotations

import html
import json
from typing import Any, Dict, List, Optional, Sequence, Tuple

from .. import junit
from .model import ERROR, PASS, SKIPPED, VERDICTS, Answer, Outcome, Sent
from .runner import ProbeRun

__all__ = ["table", "to_json", "junit_xml", "to_html", "summary_line"]

_SHOWN_BODY = 4000


def summary_line(run: ProbeRun) -> str:
    counts = run.counts()
    parts = [f"{verdict} {counts[verdict]}" for verdict in VERDICTS]
    return "  ".join(parts) + f"   ({run.requests} requests, {run.seconds:.1f} s)"


def _header(run: ProbeRun) -> str:
    where = f"{run.endpoint}  service {run.service}, region {run.region}"
    if run.bucket:
        where += f", bucket {run.bucket}, prefix {run.run_prefix}"
    return "sigbridge probe " + where


def _cleanup_lines(run: ProbeRun) -> List[str]:
    cleanup = run.cleanup
    if run.bucket is None:
        return []
    line = f"cleanup: {cleanup.deleted} object(s) deleted"
    if cleanup.bucket_removed is not None:
        line += ", bucket removed" if cleanup.bucket_removed else ", bucket NOT removed"
    lines = [line]
    lines += [f"  left behind: {key}" for key in cleanup.leftovers]
    lines += [f"  {note}" for note in cleanup.notes]
    return lines


def table(run: ProbeRun, *, verbose: bool = False) -> str:
    """One row per probe (verdict, what came back or why), the summary and the cleanup."""
    width = max([len("probe")] + [len(o.probe.id) for o in run.outcomes])
    lines = [_header(run), "", f"{'probe':<{width}}  {'verdict':<12}  answer"]
    lines.append("-" * (width + 30))
    for outcome in run.outcomes:
        lines.append(f"{outcome.probe.id:<{width}}  {outcome.verdict:<12}  {outcome.detail}")
        if verbose and outcome.verdict not in (PASS, SKIPPED):
            lines.append(f"{'':<{width}}    expects: {outcome.probe.expected}  "
                         f"({outcome.probe.source})")  # fmt: skip
            for stage, diff in outcome.diffs:
                lines.append(f"{'':<{width}}    {stage}, client (-) vs server (+):")
                lines.extend(f"{'':<{width}}      {row}" for row in diff.splitlines())
    lines.append("-" * (width + 30))
    lines.append(summary_line(run))
    lines += _cleanup_lines(run)
    return "\n".join(lines)


def _sent_json(sent: Sent) -> Dict[str, Any]:
    return {
        "method": sent.method,
        "target": sent.target,
        "headers": [list(pair) for pair in sent.headers],
        "body_bytes": len(sent.body),
        "note": sent.note or None,
    }


def _answer_json(answer: Answer) -> Dict[str, Any]:
    return {
        "status": answer.status,
        "code": answer.code,
        "message": answer.message,
        "body": answer.body[:_SHOWN_BODY].decode("utf-8", "replace"),
    }


def _outcome_json(outcome: Outcome) -> Dict[str, Any]:
    probe = outcome.probe
    out: Dict[str, Any] = {
        "id": probe.id,
        "scheme": probe.scheme,
        "kind": probe.kind,
        "summary": probe.summary,
        "expected": probe.expected,
        "source": probe.source,
        "verdict": outcome.verdict,
        "detail": outcome.detail,
        "seconds": round(outcome.seconds, 6),
    }
    if outcome.answer is not None:
        out["status"] = outcome.answer.status
        out["code"] = outcome.answer.code
    if outcome.verdict not in (PASS, SKIPPED):
        if outcome.sent is not None:
            out["sent"] = _sent_json(outcome.sent)
        if outcome.answer is not None:
            out["answer"] = _answer_json(outcome.answer)
        if outcome.diffs:
            out["diffs"] = {stage: diff for stage, diff in outcome.diffs}
    return out


def to_json(run: ProbeRun) -> str:
    cleanup = run.cleanup
    document = {
        "endpoint": run.endpoint,
        "service": run.service,
        "region": run.region,
        "bucket": run.bucket,
        "prefix": run.run_prefix if run.bucket else None,
        "summary": run.counts(),
        "requests": run.requests,
        "seconds": round(run.seconds, 3),
        "clock_offset_seconds": round(run.clock_offset, 3),
        "cleanup": {
            "deleted": cleanup.deleted,
            "leftovers": cleanup.leftovers,
            "bucket_removed": cleanup.bucket_removed,
            "notes": cleanup.notes,
        },
        "probes": [_outcome_json(o) for o in run.outcomes],
    }
    return json.dumps(document, indent=2, ensure_ascii=False)


def junit_xml(run: ProbeRun) -> bytes:
    """A ``testsuite`` per scheme; verdicts other than pass are failures (``error`` an error)."""
    groups: Dict[str, List[junit.Case]] = {}
    for outcome in run.outcomes:
        groups.setdefault(outcome.probe.scheme, []).append(_junit_case(outcome))
    suites = [junit.Suite(scheme, cases) for scheme, cases in groups.items()]
    return junit.document("sigbridge-probe", suites)


def _junit_case(outcome: Outcome) -> junit.Case:
    scheme, name = outcome.probe.scheme, outcome.probe.id.split("/", 1)[-1]
    case = junit.Case(f"probe.{scheme}", name, outcome.seconds, message=outcome.detail)
    if outcome.verdict == SKIPPED:
        return case._replace(outcome="skipped")
    if outcome.verdict == ERROR:
        return case._replace(outcome="error", type=ERROR)
    if outcome.verdict != PASS:
        return case._replace(outcome="failure", type=outcome.verdict, text=_failure_text(outcome))
    return case


def _failure_text(outcome: Outcome) -> str:
    parts = [f"expects {outcome.probe.expected} ({outcome.probe.source})"]
    if outcome.sent is not None:
        parts.append(_sent_text(outcome.sent))
    for stage, diff in outcome.diffs:
        parts.append(f"{stage}, client (-) vs server (+):\n{diff}")
    return "\n\n".join(parts)


def _sent_text(sent: Sent) -> str:
    return _message_text(f"{sent.method} {sent.target} HTTP/1.1", sent.headers, sent.body)


def _message_text(first_line: str, headers: Sequence[Tuple[str, str]], body: bytes) -> str:
    """An HTTP message as text: its first line, its headers, and the start of its body."""
    lines = [first_line, *(f"{name}: {value}" for name, value in headers)]
    if body:
        lines += ["", _body_text(body)]
    return "\n".join(lines)


def _body_text(body: bytes) -> str:
    text = body[:_SHOWN_BODY].decode("utf-8", "replace")
    return text + (f"\n... ({len(body)} bytes)" if len(body) > _SHOWN_BODY else "")


def _answer_text(answer: Answer) -> str:
    return _message_text(f"HTTP {answer.status} {answer.reason}", answer.headers, answer.body)


_CSS = """
body{font-family:system-ui,sans-serif;margin:2em;color:#222}
table{border-collapse:collapse}td,th{padding:.2em .6em;border-bottom:1px solid #ddd;text-align:left}
pre{background:#f6f6f6;padding:.6em;overflow-x:auto;white-space:pre-wrap}
.v{font-weight:bold;border-radius:3px;padding:0 .4em}
.pass{color:#155724;background:#d4edda}.insecure{color:#fff;background:#b00020}
.incompatible{color:#721c24;background:#f8d7da}.lenient,.code-differs{color:#856404;background:#fff3cd}
.error{color:#383d41;background:#e2e3e5}.skipped{color:#6c757d}
"""


def _badge(verdict: str) -> str:
    return f'<span class="v {verdict}">{html.escape(verdict)}</span>'


def _pre(text: Optional[str]) -> str:
    return f"<pre>{html.escape(text or '')}</pre>"


def to_html(run: ProbeRun) -> str:
    """One self-contained page: the summary, every probe, and the details of each failure."""
    esc = html.escape
    counts = run.counts()
    rows = []
    details = []
    for index, outcome in enumerate(run.outcomes):
        probe = outcome.probe
        anchor = f"p{index}"
        failing = outcome.verdict not in (PASS, SKIPPED)
        name = f'<a href="#{anchor}">{esc(probe.id)}</a>' if failing else esc(probe.id)
        rows.append(
            f"<tr><td>{name}</td><td>{_badge(outcome.verdict)}</td>"
            f"<td>{esc(probe.summary)}</td><td>{esc(outcome.detail)}</td></tr>"
        )
        if not failing:
            continue
        parts = [
            f'<h3 id="{anchor}">{esc(probe.id)} {_badge(outcome.verdict)}</h3>',
            f"<p>{esc(outcome.detail)}</p>",
            f'<p>AWS: {esc(probe.expected)} &mdash; <a href="{esc(probe.source)}">source</a></p>',
        ]
        if outcome.sent is not None:
            parts.append("<details open><summary>request sent</summary>")
            parts.append(_pre(_sent_text(outcome.sent)) + "</details>")
        if outcome.answer is not None:
            parts.append("<details><summary>answer</summary>")
            parts.append(_pre(_answer_text(outcome.answer)) + "</details>")
        for stage, diff in outcome.diffs:
            parts.append(f"<p>{esc(stage)}: client (&minus;) vs server (+)</p>{_pre(diff)}")
        details.append("\n".join(parts))
    summary = "".join(
        f"<tr><td>{_badge(v)}</td><td>{counts[v]}</td></tr>" for v in VERDICTS if counts[v]
    )
    cleanup = "<br>".join(esc(line) for line in _cleanup_lines(run))
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            f"<title>sigbridge probe: {esc(run.endpoint)}</title><style>{_CSS}</style></head>",
            f"<body><h1>{esc(_header(run))}</h1>",
            f"<table>{summary}</table><p>{esc(summary_line(run))}</p><p>{cleanup}</p>",
            "<h2>Probes</h2><table><tr><th>probe</th><th>verdict</th><th>what</th>"
            "<th>answer</th></tr>",
            *rows,
            "</table><h2>Failures</h2>",
            *details,
            "</body></html>",
        ]
    )
