"""The installed distribution, as tox tests it: the wheel built from the checkout and installed
into the environment (not an editable install), imported from site-packages, carrying the
vectors inside it.

tox sets ``SIGBRIDGE_EXPECT_INSTALLED=1`` and runs pytest with ``--import-mode=append`` (the
checkout goes to the end of ``sys.path``, so ``tests`` stays importable while ``signers`` and
``conformance`` come from site-packages).  Elsewhere (a development venv with an editable
install) the import test is skipped with that reason.
"""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import List

import pytest

import conformance
import signers
from tests._support import IMPORT_ROOT, REPO

EXPECT_INSTALLED = os.environ.get("SIGBRIDGE_EXPECT_INSTALLED") == "1"


def _site_packages() -> List[Path]:
    paths = sysconfig.get_paths()
    return sorted({Path(paths[key]).resolve() for key in ("purelib", "platlib")})


def test_the_package_under_test_is_the_installed_wheel() -> None:
    if not EXPECT_INSTALLED:
        pytest.skip("SIGBRIDGE_EXPECT_INSTALLED is not set (tox sets it): not required here")
    for module in (signers, conformance):
        where = Path(module.__file__ or "").resolve()
        assert where.parent != REPO / module.__name__, f"{module.__name__} from the checkout"
        assert any(site in where.parents for site in _site_packages()), where
    assert IMPORT_ROOT in _site_packages()  # what the child interpreters of the tests get


@pytest.mark.slow
def test_installed_distribution_carries_its_vectors(tmp_path: Path) -> None:
    """Under tox the package is a plain (non-editable) install: from any directory, the command
    runs the vectors bundled inside the installed distribution."""
    where = subprocess.run(
        [sys.executable, "-c", "import conformance; print(conformance.__file__)"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert where.returncode == 0, where.stderr
    package = Path(where.stdout.strip()).resolve().parent
    if package == REPO / "conformance":
        pytest.skip(
            "conformance is imported from the checkout here (an editable install): the vectors "
            "are bundled only into a built wheel"
        )
    done = subprocess.run(
        [sys.executable, "-m", "signers.cli", "conformance"],
        cwd=str(tmp_path),
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr
    last = done.stdout.strip().splitlines()
    assert last[-1].startswith("vectors: ") and Path(last[-1][9:]) == package / "_vectors"
    total = next(line for line in last if line.startswith("total"))
    assert total.split()[2] == "0"  # failed
