"""``sigbridge bench``: a quick benchmark on this interpreter, and the cross-version report.

Run mode times every operation of :mod:`signers._tools.bench_ops` with ``timeit``-style loops (the
garbage collector paused, best of several repeats, every library measured in the same run, turn by
turn), after checking that each installed peer produces the same signature at the same instant.
It prints microseconds per operation and the ratio sigbridge / peer (below 1 means sigbridge is
faster), with the issue's targets; ``--json`` prints the same as JSON.

Report mode (``--report FILE...``) merges pytest-benchmark JSON files (one per interpreter, as the
``bench-py3X`` tox environments write them) and ``sigbridge bench --json`` files into one Markdown
table, operation x Python version, with the ratios to botocore and awscrt; ``--chart FILE.png``
also draws it (needs matplotlib: ``pip install 'sigbridge[chart]'``).

``sigbridge bench`` runs it through :func:`add_arguments` and :func:`run`;
``python -m signers._tools.bench`` (``... report FILE...`` for report mode) works on its own.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import json
import os
import platform
import sys
import time
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from . import bench_ops as ops

__all__ = ["add_arguments", "run", "main", "measure", "load_results", "markdown_report", "chart"]

IMPORT_TARGET_MS = 15.0
IMPORT_TARGET_KIB = 6 * 1024.0
REPORT_PEERS = ("botocore", "awscrt")


class BenchError(Exception):
    """A problem with what the user asked for: one line, exit status 2."""


# -- arguments ------------------------------------------------------------------------------------


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``bench`` options to ``parser`` (a subcommand parser or a standalone one)."""
    parser.add_argument("--json", action="store_true", help="print the results as JSON")
    parser.add_argument(
        "--quick", action="store_true", help="fewer and shorter repeats (a rough figure, fast)"
    )
    parser.add_argument(
        "--number",
        type=int,
        metavar="N",
        help="calls per repeat (default: calibrated to the repeat time)",
    )
    parser.add_argument("--repeat", type=int, metavar="R", help="repeats; the best one counts")
    parser.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="run only this operation (a name or a prefix; repeatable); see --list",
    )
    parser.add_argument(
        "--no-peers", action="store_true", help="time sigbridge alone, without the peer libraries"
    )
    parser.add_argument(
        "--no-import", action="store_true", help="skip measuring the cost of 'import signers'"
    )
    parser.add_argument("--list", action="store_true", help="list the operations and exit")
    parser.add_argument(
        "--report",
        nargs="+",
        metavar="FILE",
        help="merge pytest-benchmark / bench --json files into a Markdown table instead",
    )
    parser.add_argument(
        "--stat",
        choices=("min", "median", "mean"),
        default="median",
        help="statistic taken from pytest-benchmark files (default: median)",
    )
    parser.add_argument("--chart", metavar="PNG", help="with --report: also draw a chart")
    parser.add_argument(
        "--output", "-o", metavar="FILE", help="with --report: write the Markdown here"
    )


def run(args: argparse.Namespace) -> int:
    """Run what ``args`` asks for; 0 on success, 2 (one line on stderr) on a usage problem."""
    try:
        if getattr(args, "report", None):
            return _run_report(args)
        if getattr(args, "list", False):
            for op in ops.OPERATIONS:
                print(f"{op.name:<36} {op.title}")
            return 0
        return _run_bench(args)
    except BenchError as exc:
        print(f"sigbridge bench: error: {exc}", file=sys.stderr)
        return 2


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m signers._tools.bench",
        description=__doc__.split("\n\n")[0] if __doc__ else None,
    )
    add_arguments(parser)
    arguments = list(sys.argv[1:] if argv is None else argv)
    if arguments[:1] == ["report"]:  # python -m signers._tools.bench report FILE...
        arguments = ["--report", *arguments[1:]]
    return run(parser.parse_args(arguments))


# -- measuring ------------------------------------------------------------------------------------


def _loop_time(func: Callable[[], object], number: int) -> float:
    timer = time.perf_counter
    loop = range(number)
    enabled = gc.isenabled()
    gc.disable()
    try:
        start = timer()
        for _ in loop:
            func()
        return timer() - start
    finally:
        if enabled:
            gc.enable()


def _calibrate(func: Callable[[], object], target: float) -> int:
    number = 1
    while True:
        for factor in (1, 2, 5):
            candidate = number * factor
            if _loop_time(func, candidate) >= target:
                return candidate
        number *= 10
        if number >= 10**7:
            return number


def measure(
    names: Optional[Sequence[str]] = None,
    *,
    number: Optional[int] = None,
    repeat: Optional[int] = None,
    quick: bool = False,
    peers: bool = True,
    measure_import: bool = True,
) -> Dict[str, Any]:
    """Time the operations (all, or those whose name starts with one of ``names``)."""
    if number is not None and number < 1:
        raise BenchError("--number must be at least 1")
    if repeat is not None and repeat < 1:
        raise BenchError("--repeat must be at least 1")
    selected = [
        op for op in ops.OPERATIONS if not names or any(op.name.startswith(n) for n in names)
    ]
    if not selected:
        known = ", ".join(op.name for op in ops.OPERATIONS)
        raise BenchError(f"--only: no operation matches {', '.join(names or [])}; known: {known}")
    repeats = repeat if repeat is not None else (3 if quick else 7)
    target = 0.01 if quick else 0.05
    results = []
    with ops.frozen_peer_clocks():
        for op in selected:
            results.append(_measure_operation(op, number, repeats, target, peers))
    document: Dict[str, Any] = {
        "tool": "sigbridge bench",
        "python": platform.python_version(),
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "repeat": repeats,
        "operations": results,
    }
    if measure_import:
        document["import"] = _import_result(ops.measure_import(3 if quick else 7))
    return document


def _measure_operation(
    op: ops.Operation, number: Optional[int], repeats: int, target: float, peers: bool
) -> Dict[str, Any]:
    ours = ops.build(op.ours)
    expected = ours.signature()
    subjects: List[Tuple[str, ops.Subject]] = [(ops.OURS, ours)]
    outcome: Dict[str, Dict[str, Any]] = {ops.OURS: {}}
    others = list(op.peers if peers else ())
    if op.baseline:  # ours too: measured whether or not peers are
        others.append((ops.BASELINE, ops.operation(op.baseline).ours))
    for peer, factory in others:
        try:
            subject = ops.build(factory)
            produced = subject.signature()
        except ops.PeerMissing as exc:
            outcome[peer] = {"skipped": str(exc)}
            continue
        if produced != expected:
            outcome[peer] = {"check": "mismatch", "skipped": "different signature at one instant"}
            continue
        outcome[peer] = {"check": "same signature"}
        if subject.note:
            outcome[peer]["note"] = subject.note
        subjects.append((peer, subject))
    numbers = {name: number or _calibrate(s.run, target) for name, s in subjects}
    best = {name: float("inf") for name, _ in subjects}
    for _ in range(repeats):
        for name, subject in subjects:  # turn by turn, so that noise hits everyone alike
            best[name] = min(best[name], _loop_time(subject.run, numbers[name]) / numbers[name])
    for name, _ in subjects:
        per_op = best[name] / op.batch
        outcome[name].update(
            {"us_per_op": per_op * 1e6, "ops_per_s": 1.0 / per_op if per_op else None}
        )
        outcome[name]["number"] = numbers[name]
    ours_us = outcome[ops.OURS]["us_per_op"]
    ratios = {
        name: ours_us / outcome[name]["us_per_op"]
        for name, _ in subjects
        if name != ops.OURS and outcome[name]["us_per_op"]
    }
    return {
        "name": op.name,
        "title": op.title,
        "group": op.group,
        "batch": op.batch,
        "results": outcome,
        "ratios": ratios,
        "targets": _targets(op, outcome, ratios),
    }


def _targets(
    op: ops.Operation, outcome: Dict[str, Dict[str, Any]], ratios: Dict[str, float]
) -> List[Dict[str, Any]]:
    checked = []
    for peer, bound in op.targets:
        if peer == "rate":
            rate = outcome[ops.OURS].get("ops_per_s") or 0.0
            checked.append(
                {"kind": "rate", "min_per_s": bound, "value": rate, "met": rate >= bound}
            )
        elif peer in ratios:
            ratio = ratios[peer]
            checked.append(
                {"kind": "ratio", "peer": peer, "max": bound, "value": ratio, "met": ratio <= bound}
            )
        else:
            checked.append(
                {"kind": "ratio", "peer": peer, "max": bound, "value": None, "met": None}
            )
    return checked


def _import_result(measured: Dict[str, float]) -> Dict[str, Any]:
    result: Dict[str, Any] = dict(measured)
    result["targets"] = {"max_ms": IMPORT_TARGET_MS, "max_kib": IMPORT_TARGET_KIB}
    result["met"] = measured["import_ms"] <= IMPORT_TARGET_MS and (
        measured["rss_kib"] < 0 or measured["rss_kib"] <= IMPORT_TARGET_KIB
    )
    return result


def _run_bench(args: argparse.Namespace) -> int:
    document = measure(
        args.only,
        number=args.number,
        repeat=args.repeat,
        quick=args.quick,
        peers=not args.no_peers,
        measure_import=not args.no_import,
    )
    if args.json:
        print(json.dumps(document, indent=2, sort_keys=False))
    else:
        print(format_text(document))
    return 0


# -- text output ----------------------------------------------------------------------------------


def _fmt_us(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.2f} ms"
    return f"{value:.2f} µs" if value < 100 else f"{value:.0f} µs"


def format_text(document: Dict[str, Any]) -> str:
    """The human-readable table of one ``measure()`` document."""
    lines = [
        f"sigbridge bench: {document['implementation']} {document['python']} on "
        f"{document['platform']} ({document['cpu_count']} CPUs); best of {document['repeat']} "
        "repeats, time per operation; ratio = sigbridge / peer (below 1: sigbridge faster)"
    ]
    peers = [*ops.PEERS, ops.BASELINE]
    for entry in document["operations"]:
        results = entry["results"]
        ours = results[ops.OURS]
        line = f"{entry['title']}\n    {ops.OURS:<18} {_fmt_us(ours['us_per_op']):>10}"
        if entry["batch"] > 1:
            line += f"   ({ours['ops_per_s']:,.0f} per second)"
        lines.append(line)
        for peer in peers:
            if peer not in results:
                continue
            result = results[peer]
            label = f"{ops.OURS} sign" if peer == ops.BASELINE else peer
            if "us_per_op" in result:
                text = (
                    f"    {label:<18} {_fmt_us(result['us_per_op']):>10}   "
                    f"ratio {entry['ratios'][peer]:.3f}"
                )
                if result.get("note"):
                    text += f"   ({result['note']})"
            else:
                text = f"    {label:<18} {'-':>10}   skipped: {result.get('skipped', '')}"
            lines.append(text)
        for target in entry["targets"]:
            if target["kind"] == "rate":
                verdict = "met" if target["met"] else "MISSED"
                lines.append(
                    f"    target: at least {target['min_per_s']:,.0f} per second: "
                    f"{target['value']:,.0f} ({verdict})"
                )
            elif target["value"] is None:
                lines.append(
                    f"    target: at most {target['max']}x {target['peer']}: not measured "
                    "(peer not installed)"
                )
            else:
                verdict = "met" if target["met"] else "MISSED"
                what = (
                    "signing the same request" if target["peer"] == ops.BASELINE else target["peer"]
                )
                lines.append(
                    f"    target: at most {target['max']}x {what}: "
                    f"{target['value']:.3f}x ({verdict})"
                )
    imported = document.get("import")
    if imported:
        memory = (
            f"+{imported['rss_kib'] / 1024:.1f} MiB resident"
            if imported["rss_kib"] >= 0
            else "memory not measurable here"
        )
        lines.append(
            f"import signers: {imported['import_ms']:.1f} ms, {memory} "
            f"(target at most {IMPORT_TARGET_MS:.0f} ms and {IMPORT_TARGET_KIB / 1024:.0f} MiB: "
            f"{'met' if imported['met'] else 'MISSED'})"
        )
    return "\n".join(lines)


# -- report: merge per-interpreter files ----------------------------------------------------------


class Run:
    """One interpreter's results, from one file: per operation, µs/op per implementation."""

    def __init__(self, source: str, python: str, machine: str) -> None:
        self.source = source
        self.python = python
        self.machine = machine
        self.titles: Dict[str, str] = {}
        self.us: Dict[str, Dict[str, float]] = {}
        self.imported: Optional[Dict[str, float]] = None

    def add(self, operation: str, implementation: str, us_per_op: float, title: str) -> None:
        self.titles.setdefault(operation, title)
        self.us.setdefault(operation, {})[implementation] = us_per_op

    @property
    def version(self) -> str:
        return ".".join(self.python.split(".")[:2])


def _version_key(version: str) -> Tuple[int, ...]:
    try:
        return tuple(int(p) for p in version.split("."))
    except ValueError:
        return (999,)


def load_results(paths: Sequence[str], stat: str = "median") -> List[Run]:
    """Read pytest-benchmark JSON files and ``sigbridge bench --json`` files (a directory stands
    for the ``.json`` files in it)."""
    files: List[str] = []
    for path in paths:
        if os.path.isdir(path):
            found = sorted(n for n in os.listdir(path) if n.endswith(".json"))
            if not found:
                raise BenchError(f"{path}: no .json files in this directory")
            files.extend(os.path.join(path, n) for n in found)
        else:
            files.append(path)
    runs = []
    for path in files:
        try:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
        except OSError as exc:
            raise BenchError(f"{path}: cannot read: {exc.strerror or exc}") from None
        except ValueError as exc:
            raise BenchError(f"{path}: not JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BenchError(f"{path}: not a benchmark result (expected a JSON object)")
        if "benchmarks" in data:
            runs.append(_from_pytest_benchmark(path, data, stat))
        elif "operations" in data:
            runs.append(_from_bench(path, data))
        else:
            raise BenchError(f"{path}: neither pytest-benchmark JSON nor 'sigbridge bench --json'")
    return runs


def _from_pytest_benchmark(path: str, data: Dict[str, Any], stat: str) -> Run:
    info = data.get("machine_info") or {}
    cpu = info.get("cpu") or {}
    machine = " ".join(
        str(x)
        for x in (
            cpu.get("brand_raw") or info.get("processor") or "",
            f"({info.get('machine', '')})",
            info.get("system", ""),
            info.get("release", ""),
        )
        if x
    )
    run_ = Run(path, str(info.get("python_version", "?")), machine.strip())
    for bench in data.get("benchmarks", []):
        extra = bench.get("extra_info") or {}
        operation = extra.get("operation")
        implementation = extra.get("implementation")
        if operation == "import" and "import_ms" in extra:
            run_.imported = {
                "import_ms": float(extra["import_ms"]),
                "rss_kib": float(extra["rss_kib"]),
            }
            continue
        stats = bench.get("stats") or {}
        if not operation or not implementation or stat not in stats:
            continue
        batch = int(extra.get("batch", 1)) or 1
        run_.add(
            operation,
            implementation,
            float(stats[stat]) / batch * 1e6,
            extra.get("title", operation),
        )
    return run_


def _from_bench(path: str, data: Dict[str, Any]) -> Run:
    run_ = Run(path, str(data.get("python", "?")), str(data.get("platform", "")))
    for entry in data.get("operations", []):
        for implementation, result in (entry.get("results") or {}).items():
            if "us_per_op" in result:
                run_.add(
                    entry["name"],
                    implementation,
                    float(result["us_per_op"]),
                    entry.get("title", entry["name"]),
                )
    imported = data.get("import")
    if imported:
        run_.imported = {
            "import_ms": float(imported["import_ms"]),
            "rss_kib": float(imported["rss_kib"]),
        }
    return run_


def _ordered_operations(runs: Sequence[Run]) -> List[Tuple[str, str]]:
    known = [op.name for op in ops.OPERATIONS]
    seen: Dict[str, str] = {}
    for run_ in runs:
        for name, title in run_.titles.items():
            seen.setdefault(name, title)
    return sorted(
        seen.items(),
        key=lambda item: (known.index(item[0]) if item[0] in known else len(known), item[0]),
    )


def _by_version(runs: Sequence[Run]) -> Dict[str, Run]:
    merged: Dict[str, Run] = {}
    for run_ in runs:
        merged[run_.version] = run_  # a later file for the same version wins
    return dict(sorted(merged.items(), key=lambda item: _version_key(item[0])))


def markdown_report(runs: Sequence[Run], stat: str = "median") -> str:
    """One Markdown table: operation x Python version, sigbridge's time and its ratios."""
    if not runs:
        raise BenchError("--report: no files")
    versions = _by_version(runs)
    machines = sorted({r.machine for r in versions.values() if r.machine})
    lines = [
        "| operation | " + " | ".join(f"Python {v}" for v in versions) + " |",
        "|---|" + "---|" * len(versions),
    ]
    for name, title in _ordered_operations(list(versions.values())):
        cells = []
        for run_ in versions.values():
            times = run_.us.get(name, {})
            ours = times.get(ops.OURS)
            if ours is None:
                cells.append("-")
                continue
            sign = times.get(ops.BASELINE)
            if sign:
                cells.append(f"{_fmt_us(ours)} ({ours / sign:.2f}x sign)")
                continue
            ratios = [f"{ours / times[p]:.2f}" if times.get(p) else "-" for p in REPORT_PEERS]
            cells.append(f"{_fmt_us(ours)} ({' / '.join(ratios)})")
        lines.append(f"| {title} | " + " | ".join(cells) + " |")
    if any(r.imported for r in versions.values()):
        cells = []
        for run_ in versions.values():
            imported = run_.imported
            if not imported:
                cells.append("-")
            elif imported["rss_kib"] >= 0:
                cells.append(
                    f"{imported['import_ms']:.1f} ms, +{imported['rss_kib'] / 1024:.1f} MiB"
                )
            else:
                cells.append(f"{imported['import_ms']:.1f} ms")
        lines.append(
            "| `import signers` (time, resident memory added) | " + " | ".join(cells) + " |"
        )
    header = [
        "Time per operation for sigbridge, from the natural input (method, URL, headers, body) to "
        "the signed result; in parentheses the ratio sigbridge / botocore and sigbridge / awscrt "
        f"measured in the same run (below 1: sigbridge is faster; - where the peer was not "
        f"installed). Verify rows go from the received request to the verdict; in parentheses "
        f"their ratio to signing the same request (x sign), measured in the same run. "
        f"Statistic: {stat}.",
        "",
        "Machine: " + ("; ".join(machines) if machines else "not recorded") + ".",
        "",
    ]
    return "\n".join(header + lines) + "\n"


def _pyplot() -> Any:
    try:
        matplotlib: Any = importlib.import_module("matplotlib")
        matplotlib.use("Agg")
        return importlib.import_module("matplotlib.pyplot")
    except ImportError:
        raise BenchError(
            "--chart needs matplotlib, which is not installed: pip install 'sigbridge[chart]'"
        ) from None


def chart(runs: Sequence[Run], path: str) -> None:
    """Draw the report as a PNG: sigbridge's µs/op and its ratio to botocore, per version."""
    plt = _pyplot()
    versions = _by_version(runs)
    operations = _ordered_operations(list(versions.values()))
    figure, (top, bottom) = plt.subplots(2, 1, figsize=(11, 8), constrained_layout=True)
    width = 0.8 / max(1, len(versions))
    for index, (version, run_) in enumerate(versions.items()):
        xs = [i + index * width for i in range(len(operations))]
        ours = [run_.us.get(name, {}).get(ops.OURS, 0.0) for name, _ in operations]
        ratio = []
        for name, _ in operations:
            times = run_.us.get(name, {})
            peer = times.get("botocore")
            ratio.append(times[ops.OURS] / peer if peer and ops.OURS in times else 0.0)
        top.bar(xs, ours, width, label=f"Python {version}")
        bottom.bar(xs, ratio, width, label=f"Python {version}")
    ticks = [i + width * (len(versions) - 1) / 2 for i in range(len(operations))]
    for axis in (top, bottom):
        axis.set_xticks(ticks)
        axis.set_xticklabels([name for name, _ in operations], rotation=20, ha="right", fontsize=8)
        axis.legend(fontsize=8)
    top.set_ylabel("sigbridge µs per operation")
    top.set_yscale("log")
    formatter = importlib.import_module("matplotlib.ticker").FormatStrFormatter("%g")
    top.yaxis.set_major_formatter(formatter)
    top.yaxis.set_minor_formatter(formatter)
    bottom.set_ylabel("sigbridge / botocore")
    bottom.axhline(1.0, color="grey", linewidth=0.8)
    top.set_title("sigbridge benchmarks by Python version")
    try:
        figure.savefig(path, dpi=120)
    except OSError as exc:
        raise BenchError(f"--chart: cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(figure)


def _run_report(args: argparse.Namespace) -> int:
    runs = load_results(args.report, args.stat)
    if args.chart:
        _pyplot()  # fail before printing anything when the chart cannot be drawn
    text = markdown_report(runs, args.stat)
    if args.output:
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(text)
        except OSError as exc:
            raise BenchError(
                f"--output: cannot write {args.output}: {exc.strerror or exc}"
            ) from None
    else:
        print(text, end="")
    if args.chart:
        chart(runs, args.chart)
    return 0


if __name__ == "__main__":
    sys.exit(main())
