"""The README shows the tables ``sigbridge conformance`` really prints: after ``pip install .``
(no ``cryptography``: the SigV4A cases skipped, the skip line saying how to enable them) and
after ``pip install '.[sigv4a]'``.  Both are produced here by the command itself, the first with
``cryptography`` made unimportable, and compared line for line (the last line, which names
where the vectors were read from, differs by machine and is left out)."""

from __future__ import annotations

import re
import sys
from pathlib import Path
from typing import Any, List

import pytest

from signers.cli import main as sigbridge

# heavy: botocore/hypothesis runs or whole-suite scans, left out of the quick loop
pytestmark = pytest.mark.slow

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
ENABLE = "pip install 'sigbridge[sigv4a]'"


def _readme_table(install: str) -> List[str]:
    section = README[README.index("## Conformance harness") :]
    section = section[: section.index("\n## ", 1)]
    for block in re.findall(r"```\n(.*?)```", section, re.S):
        lines = block.rstrip("\n").split("\n")
        if lines[:2] == [f"$ {install}", "$ sigbridge conformance"]:
            return lines[2:]
    raise AssertionError(f"no table after '$ {install}' in the README")


def _printed(capsys: Any) -> List[str]:
    assert sigbridge(["conformance"]) == 0
    return capsys.readouterr().out.rstrip("\n").split("\n")


def _without_vectors_line(lines: List[str]) -> List[str]:
    assert lines[-1].startswith("vectors: ")
    return lines[:-1]


def _hide_cryptography(monkeypatch: Any) -> None:
    import signers

    monkeypatch.delitem(sys.modules, "signers._ecdsa", raising=False)
    monkeypatch.delattr(signers, "_ecdsa", raising=False)
    for name in [n for n in sys.modules if n.split(".")[0] == "cryptography"] + ["cryptography"]:
        monkeypatch.setitem(sys.modules, name, None)  # an import of any of them now fails


def test_plain_install_table(capsys: Any, monkeypatch: Any) -> None:
    _hide_cryptography(monkeypatch)
    printed = _without_vectors_line(_printed(capsys))
    assert printed == _without_vectors_line(_readme_table("pip install ."))
    skip_lines = [line for line in printed if line.strip().startswith("skipped ")]
    assert sum(ENABLE in line for line in skip_lines) == 2  # sigv4a and sigv4a-query


def test_sigv4a_install_table(capsys: Any) -> None:
    pytest.importorskip("cryptography")
    printed = _without_vectors_line(_printed(capsys))
    assert printed == _without_vectors_line(_readme_table("pip install '.[sigv4a]'"))
    assert not any(ENABLE in line for line in printed)
