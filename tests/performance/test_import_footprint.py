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
from typing import List, Tuple

import pytest

pytestmark = pytest.mark.slow  # each check runs a fresh interpreter

ROOT = Path(__file__).resolve().parents[2]

# Modules that signing does not need and that are expensive to import.
KEPT_OUT = ["typing", "re", "enum", "collections", "functools", "threading", "contextlib"]

_PROBE = (
    "import sys; before = set(sys.modules); {statement}; "
    "print(' '.join(sorted(before))); print(' '.join(sorted(set(sys.modules) - before)))"
)


def _probe(statement: str) -> Tuple[List[str], List[str]]:
    """The modules loaded before ``statement`` (the interpreter's start-up) and by it."""
    # -S: no site, so no .pth file of the environment (a virtualenv's loads typing) runs at
    # start-up; -I would drop PYTHONPATH, which points at the source tree so that its
    # ``signers`` (standard library only) is the one imported
    env = dict(os.environ)
    env.pop("PYTHONPROFILEIMPORTTIME", None)
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    done = subprocess.run(
        [sys.executable, "-S", "-c", _PROBE.format(statement=statement)],
        cwd=str(ROOT),
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    startup, _, loaded = done.stdout.partition("\n")
    return startup.split(), loaded.split()


def _newly_loaded(statement: str) -> List[str]:
    return _probe(statement)[1]


def test_the_probe_sees_typing_when_something_imports_it() -> None:
    # (the check below can fail: the same probe reports typing and re as soon as they load)
    startup, loaded = _probe("import signers, typing, re")
    assert "typing" not in startup
    assert "typing" in loaded
    assert "re" in loaded
    assert "signers" in loaded


@pytest.mark.parametrize("module", KEPT_OUT)
def test_import_signers_keeps_module_out(module: str) -> None:
    if module in sys.builtin_module_names:
        pytest.skip(f"{module} is built into this interpreter")
    startup, loaded = _probe("import signers")
    assert "signers.model" in loaded
    if module in startup:
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
