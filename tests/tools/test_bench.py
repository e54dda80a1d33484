"""signers._tools.bench: report merging on small crafted files, a tiny run.  No timing asserted."""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from signers._tools import bench
from signers._tools import bench_ops as _bench_ops


def _run(argv: List[str]) -> int:
    parser = argparse.ArgumentParser(prog="sigbridge bench")
    bench.add_arguments(parser)
    return bench.run(parser.parse_args(argv))


def _pytest_benchmark_file(
    path: Path, python: str, rows: List[Dict[str, Any]], imported: Any = None
) -> Path:
    benchmarks = []
    for row in rows:
        benchmarks.append(
            {
                "group": row["operation"],
                "name": f"test_operation[{row['operation']}::{row['implementation']}]",
                "stats": {
                    "min": row["median"] * 0.9,
                    "median": row["median"],
                    "mean": row["median"] * 1.1,
                },
                "extra_info": {
                    "operation": row["operation"],
                    "implementation": row["implementation"],
                    "title": row.get("title", row["operation"]),
                    "batch": row.get("batch", 1),
                },
            }
        )
    if imported:
        benchmarks.append(
            {
                "group": "import",
                "name": "test_import_signers",
                "stats": {"min": 0.02, "median": 0.02, "mean": 0.02},
                "extra_info": {"operation": "import", "implementation": "sigbridge", **imported},
            }
        )
    document = {
        "machine_info": {
            "python_version": python,
            "machine": "x86_64",
            "system": "Linux",
            "release": "6.1",
            "cpu": {"brand_raw": "Test CPU 3000"},
        },
        "benchmarks": benchmarks,
    }
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


@pytest.fixture
def two_versions(tmp_path: Path) -> List[Path]:
    ecs = "sigv4-header-ecs-post"
    bulk = "sigv4-query-bulk-s3"
    py38 = _pytest_benchmark_file(
        tmp_path / "bench-py38.json",
        "3.8.18",
        [
            {"operation": ecs, "implementation": "sigbridge", "median": 8e-6, "title": "ECS POST"},
            {"operation": ecs, "implementation": "botocore", "median": 80e-6},
            {"operation": bulk, "implementation": "sigbridge", "median": 3e-3, "batch": 1000},
        ],
        imported={"import_ms": 7.5, "rss_kib": 2048.0},
    )
    py312 = _pytest_benchmark_file(
        tmp_path / "bench-py312.json",
        "3.12.1",
        [
            {"operation": ecs, "implementation": "sigbridge", "median": 4e-6, "title": "ECS POST"},
            {"operation": ecs, "implementation": "botocore", "median": 40e-6},
            {"operation": ecs, "implementation": "awscrt", "median": 8e-6},
            {"operation": "sigv2-new-op", "implementation": "sigbridge", "median": 2e-6},
        ],
    )
    return [py312, py38]  # out of order on purpose


def test_report_merges_versions_into_one_table(two_versions: List[Path]) -> None:
    runs = bench.load_results([str(p) for p in two_versions])
    text = bench.markdown_report(runs)
    lines = text.splitlines()
    header = next(line for line in lines if line.startswith("| operation"))
    assert header == "| operation | Python 3.8 | Python 3.12 |"
    ecs = next(line for line in lines if line.startswith("| ECS POST"))
    # 8 µs with botocore at 80 µs and no awscrt; 4 µs against 40 µs and 8 µs
    assert ecs == "| ECS POST | 8.00 µs (0.10 / -) | 4.00 µs (0.10 / 0.50) |"
    bulk = next(line for line in lines if "bulk" in line)
    assert "3.00 µs (- / -)" in bulk and bulk.endswith("| - |")  # per URL: batch of 1000
    assert any(line.startswith("| sigv2-new-op | - | 2.00 µs") for line in lines)
    imported = next(line for line in lines if "import signers" in line)
    assert "7.5 ms, +2.0 MiB" in imported
    assert "Test CPU 3000" in text and "Statistic: median" in text
    # operations of the shared table come first, in its order; unknown ones after
    order = [line.split(" | ")[0] for line in lines if line.startswith("| ") and "---" not in line]
    assert order.index("| ECS POST") < order.index("| sigv2-new-op")


def test_report_verify_rows_show_the_ratio_to_signing(tmp_path: Path) -> None:
    verify = "verify-sigv4-header-ecs-post"
    path = _pytest_benchmark_file(
        tmp_path / "bench-py311.json",
        "3.11.7",
        [
            {"operation": verify, "implementation": "sigbridge", "median": 6e-6, "title": "V"},
            {"operation": verify, "implementation": "sign", "median": 5e-6},
        ],
    )
    text = bench.markdown_report(bench.load_results([str(path)]))
    assert "| V | 6.00 µs (1.20x sign) |" in text


def test_report_statistic_and_bench_json_input(two_versions: List[Path], tmp_path: Path) -> None:
    runs = bench.load_results([str(two_versions[1])], stat="min")
    assert runs[0].us["sigv4-header-ecs-post"]["sigbridge"] == pytest.approx(7.2)
    own = {
        "tool": "sigbridge bench",
        "python": "3.11.7",
        "platform": "Linux-test",
        "operations": [
            {
                "name": "sigv4-query-s3-get",
                "title": "S3 presign",
                "batch": 1,
                "results": {
                    "sigbridge": {"us_per_op": 5.0},
                    "botocore": {"us_per_op": 40.0},
                    "awscrt": {"skipped": "not installed"},
                },
            }
        ],
        "import": {"import_ms": 9.0, "rss_kib": -1.0},
    }
    path = tmp_path / "own.json"
    path.write_text(json.dumps(own), encoding="utf-8")
    text = bench.markdown_report(bench.load_results([str(path)]))
    assert "| S3 presign | 5.00 µs (0.12 / -) |" in text
    assert "| 9.0 ms |" in text


def test_report_command_reads_a_directory_and_writes_a_file(
    two_versions: List[Path], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "report.md"
    assert _run(["--report", str(tmp_path), "--output", str(out)]) == 0
    assert "| operation | Python 3.8 | Python 3.12 |" in out.read_text(encoding="utf-8")
    assert capsys.readouterr().out == ""
    assert bench.main(["report", *map(str, two_versions)]) == 0
    assert "Python 3.12" in capsys.readouterr().out


@pytest.mark.parametrize(
    "content, fragment",
    [
        ("not json", "not JSON"),
        ("[1, 2]", "expected a JSON object"),
        ('{"something": 1}', "neither pytest-benchmark"),
    ],
)
def test_report_refuses_bad_files(tmp_path: Path, capsys: Any, content: str, fragment: str) -> None:
    path = tmp_path / "bad.json"
    path.write_text(content, encoding="utf-8")
    assert _run(["--report", str(path)]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1 and "Traceback" not in err
    assert _run(["--report", str(tmp_path / "missing.json")]) == 2
    assert "cannot read" in capsys.readouterr().err


def test_chart_without_matplotlib_is_a_clear_error(
    two_versions: List[Path], tmp_path: Path, capsys: Any, monkeypatch: Any
) -> None:
    real_import = importlib.import_module

    def no_matplotlib(name: str, *args: Any) -> Any:
        if name.startswith("matplotlib"):
            raise ImportError("No module named 'matplotlib'")
        return real_import(name, *args)

    monkeypatch.setattr(importlib, "import_module", no_matplotlib)
    code = _run(["--report", *map(str, two_versions), "--chart", str(tmp_path / "c.png")])
    captured = capsys.readouterr()
    assert code == 2 and captured.out == ""  # nothing printed before the error
    assert "needs matplotlib" in captured.err and "sigbridge[chart]" in captured.err


def test_chart_is_a_png(two_versions: List[Path], tmp_path: Path) -> None:
    pytest.importorskip("matplotlib")
    target = tmp_path / "chart.png"
    bench.chart(bench.load_results([str(p) for p in two_versions]), str(target))
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.slow
def test_quick_run_prints_json(capsys: Any) -> None:
    # Every operation once through, peers included when installed: the JSON parses and each
    # peer either passed the same-signature check or says why it was skipped.
    assert _run(["--quick", "--number", "2", "--repeat", "1", "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["python"] == ".".join(map(str, sys.version_info[:3]))
    names = [entry["name"] for entry in document["operations"]]
    assert names == [op.name for op in _bench_ops.OPERATIONS]
    for entry in document["operations"]:
        ours = entry["results"]["sigbridge"]
        assert ours["us_per_op"] > 0 and ours["number"] == 2
        for peer, result in entry["results"].items():
            if peer == "sigbridge":
                continue
            assert result.get("check") == "same signature" or "skipped" in result
            assert result.get("check") != "mismatch", (entry["name"], peer)
            if "us_per_op" in result:
                assert entry["ratios"][peer] == pytest.approx(
                    ours["us_per_op"] / result["us_per_op"]
                )
    assert document["import"]["import_ms"] > 0


def test_text_output_and_filters(capsys: Any) -> None:
    code = _run(
        ["--only", "sigv4-key", "--number", "3", "--repeat", "1", "--no-import", "--no-peers"]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "signing key derivation" in out and "ECS" not in out and "import signers" not in out
    assert _run(["--list"]) == 0
    assert "sigv4-query-bulk-s3" in capsys.readouterr().out


@pytest.mark.parametrize(
    "argv, fragment",
    [
        (["--only", "nope"], "no operation matches nope"),
        (["--number", "0"], "--number must be at least 1"),
    ],
)
def test_bad_options_are_one_line(capsys: Any, argv: List[str], fragment: str) -> None:
    assert _run([*argv, "--no-import"]) == 2
    err = capsys.readouterr().err
    assert fragment in err and err.count("\n") == 1


def test_operations_table_is_well_formed() -> None:
    names = [op.name for op in _bench_ops.OPERATIONS]
    assert len(names) == len(set(names))
    for op in _bench_ops.OPERATIONS:
        assert op.batch >= 1 and op.title
        for peer, _ in op.peers:
            assert peer in _bench_ops.PEERS
        if op.baseline:
            assert _bench_ops.operation(op.baseline).baseline == ""
        for peer, bound in op.targets:
            if peer == _bench_ops.BASELINE:
                assert op.baseline, op.name
            else:
                assert peer == "rate" or peer in dict(op.peers), (op.name, peer)
            assert bound > 0


def test_the_cache_hit_row_times_hits_even_after_the_key_was_evicted() -> None:
    from signers import _crypto

    _crypto.clear_signing_key_cache()
    subject = _bench_ops.build(_bench_ops.operation("sigv4-key-cached").ours)
    cache_key = (_bench_ops.SECRET_KEY, "20150830", _bench_ops.REGION, "ecs", "AWS4")
    assert _crypto._signing_key_of(cache_key) is not None  # made before any timing
    assert subject.run() is _crypto._signing_key_of(cache_key)
