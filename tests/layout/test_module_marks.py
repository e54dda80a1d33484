"""The quick loop's shortcut: a module whose ``pytestmark`` makes ``-m`` reject every test is not
imported (tests/conftest.py).  It must never leave out a module that has a test to run."""

from __future__ import annotations

from pathlib import Path
from typing import Set

import pytest

from tests._module_marks import module_marks, rejects_every_test

TESTS = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("source", "marks"),
    [
        ("pytestmark = pytest.mark.slow\n", {"slow"}),
        ("pytestmark = pytest.mark.slow  # servers\n", {"slow"}),
        ("pytestmark = [pytest.mark.slow, pytest.mark.timing]\n", {"slow", "timing"}),
        (
            "pytestmark = [\n    pytest.mark.slow,\n    pytest.mark.usefixtures('x'),\n]\n",
            {"slow", "usefixtures"},
        ),
        ("pytestmark = pytest.mark.usefixtures('offline_environment')\n", {"usefixtures"}),
        # not read: a condition, a name from elsewhere, two assignments, none
        ("pytestmark = pytest.mark.slow if X else []\n", set()),
        ("pytestmark = SLOW\n", set()),
        ("pytestmark = pytest.mark.slow\npytestmark = []\n", set()),
        ("import pytest\n\ndef test_x():\n    pass\n", set()),
    ],
)
def test_module_marks(tmp_path: Path, source: str, marks: Set[str]) -> None:
    path = tmp_path / "test_sample.py"
    path.write_text(source)
    assert module_marks(path) == marks


@pytest.mark.parametrize(
    ("expression", "marks", "rejected"),
    [
        ("not slow", {"slow"}, True),
        ("not slow", {"timing"}, False),
        ("not slow", set(), False),
        ("not slow", {"slow", "usefixtures"}, True),
        ("slow", {"slow"}, False),
        ("not timing", {"slow", "timing"}, True),
        # a test in the module may add the mark timing, which this expression selects
        ("not slow or timing", {"slow"}, False),
        ("not slow or timing", {"slow", "timing"}, False),
        ("not (slow or timing)", {"timing"}, True),
        ("not slow and not timing", {"slow"}, True),
        ("", {"slow"}, False),
        # not read: anything beyond names, and/or/not and parentheses
        ("not slow and foo(x=1)", {"slow"}, False),
        ("not sl-ow", {"slow"}, False),
    ],
)
def test_rejects_every_test(expression: str, marks: Set[str], rejected: bool) -> None:
    assert rejects_every_test(expression, frozenset(marks)) is rejected


def test_the_repository_s_slow_modules_are_read_as_slow() -> None:
    # (each of these marks its whole module slow; none may be read as something else)
    for relative in ("serve/test_cli.py", "call/test_call_moto.py", "tools/test_serve.py"):
        assert "slow" in module_marks(TESTS / relative)
    assert module_marks(TESTS / "conformance" / "test_harness.py") == frozenset()
