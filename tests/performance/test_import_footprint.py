"""What ``import signers`` loads: only what signing needs, never ``typing`` and friends.

``typing`` alone was about two thirds of the import's time on CPython 3.11 (it brings ``re``,
``enum``, ``collections``, ``functools`` and ``contextlib``); ``threading`` brings ``functools``
and ``collections`` too.  Each check runs a fresh interpreter, so modules other tests imported do
not hide a regression, and compares with a bare interpreter, so modules the interpreter's own
start-up loads (site, a .pth file) are not blamed on the package.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Modules that signing does not need and that are expensive to import.
KEPT_OUT = ["typing", "re", "enum", "collections", "functools", "threading", "contextlib"]

_PROBE = (
    "import sys; before = set(sys.modules); {statement}; "
    "print(' '.join(sorted(set(sys.modules) - before)))"
)


def _newly_loaded(statement: str) -> List[str]:
    # -I would drop PYTHONPATH; run from the source tree so its ``signers`` is the one imported
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(statement=statement)],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return done.stdout.split()


def test_the_probe_sees_typing_when_something_imports_it() -> None:
    # (the check below can fail: the same probe reports typing and re as soon as they load)
    loaded = _newly_loaded("import signers, typing, re")
    assert "typing" in loaded
    assert "re" in loaded
    assert "signers" in loaded


@pytest.mark.parametrize("module", KEPT_OUT)
def test_import_signers_keeps_module_out(module: str) -> None:
    if module in sys.builtin_module_names:
        pytest.skip(f"{module} is built into this interpreter")
    bare = _newly_loaded("pass")
    loaded = _newly_loaded("import signers")
    assert "signers.model" in loaded
    if module in bare:
        pytest.skip(f"{module} is loaded by this interpreter's start-up")
    assert module not in loaded, f"import signers loaded {module}"


def test_import_signers_loads_only_its_signing_modules() -> None:
    loaded = _newly_loaded("import signers")
    ours = sorted(name for name in loaded if name == "signers" or name.startswith("signers."))
    assert ours == [
        "signers",
        "signers._cache",
        "signers._encoding",
        "signers._http",
        "signers._lazy",
        "signers._redact",
        "signers.errors",
        "signers.model",
        "signers.registry",
    ]
