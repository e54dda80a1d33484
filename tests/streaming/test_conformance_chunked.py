"""The harness's aws-chunked cases: every bundled one passes, and a case changed in one stage
fails at exactly that stage (so the harness really compares each chunk and the trailer)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import List

import pytest

from conformance import runner, vectors
from tests._bundled_vectors import bundled_vectors, catalog_of

ROOT = vectors.default_root()
CASES = sorted(
    f"{suite}/{p.name}"
    for suite in ("v4-chunked", "v4a-chunked")
    for p in (ROOT / suite).iterdir()
    if p.is_dir()
)


def _results(root: Path, pattern: str) -> List[runner.Result]:
    jobs = runner.select(runner.plan(catalog_of(root)), cases=[pattern])
    return [job.run() for job in jobs]


def test_the_bundled_cases_are_loaded_as_aws_chunked() -> None:
    assert len(CASES) == 7
    loaded = [v for v in bundled_vectors() if v.stream is not None]
    assert sorted(v.case for v in loaded) == CASES
    assert all("aws-chunked" in v.requires and v.location == "header" for v in loaded)


@pytest.mark.parametrize("case", CASES)
def test_each_bundled_case_passes(case: str) -> None:
    if case.startswith("v4a"):
        pytest.importorskip("cryptography")
    results = _results(ROOT, case)
    assert results and all(r.status == runner.PASSED for r in results), [
        runner.describe(r) for r in results
    ]


def _copy(tmp_path: Path, case: str) -> Path:
    suite = case.split("/")[0]
    shutil.copytree(ROOT / case, tmp_path / case)
    for name in ("LICENSE", "NOTICE"):
        shutil.copy(ROOT / suite / name, tmp_path / suite / name)
    return tmp_path / case


@pytest.mark.parametrize(
    "case, file, stage",
    [
        ("v4-chunked/aws-doc-chunked-upload", "chunk-2-signature.txt", "chunk-2-signature"),
        (
            "v4-chunked/aws-doc-chunked-upload",
            "chunk-3-string-to-sign.txt",
            "chunk-3-string-to-sign",
        ),
        ("v4-chunked/aws-doc-chunked-upload", "wire-length.txt", "wire-length"),
        ("v4-chunked/aws-doc-chunked-upload-trailer", "trailer-signature.txt", "trailer-signature"),
        ("v4-chunked/aws-doc-chunked-upload-trailer", "trailers.txt", "trailers"),
        ("v4-chunked/botocore-unsigned-trailer", "wire-sha256.txt", "wire-sha256"),
        (
            "v4a-chunked/aws-c-auth-trailing-headers",
            "trailer-string-to-sign.txt",
            "trailer-string-to-sign",
        ),
    ],
)
def test_a_changed_stage_fails_there(tmp_path: Path, case: str, file: str, stage: str) -> None:
    if case.startswith("v4a"):
        pytest.importorskip("cryptography")
    folder = _copy(tmp_path, case)
    path = folder / file
    text = path.read_text()
    path.write_text(text.replace("a", "b", 1) if "a" in text else text + "0")
    results = _results(tmp_path, case)
    assert results
    for result in results:
        assert result.status == runner.FAILED and result.stage == stage, runner.describe(result)


def test_a_missing_chunk_is_noticed(tmp_path: Path) -> None:
    folder = _copy(tmp_path, "v4-chunked/aws-doc-chunked-upload")
    (folder / "chunk-4-signature.txt").write_text("0" * 64)
    for result in _results(tmp_path, "aws-doc-chunked-upload"):
        assert result.status == runner.FAILED and result.stage == "chunk-4", runner.describe(result)
