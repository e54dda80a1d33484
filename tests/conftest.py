"""Fixtures every test folder may use; the values they are built from live in tests/_support.py
(import those directly where a module-level constant reads better than a fixture).

Heavy tests carry ``@pytest.mark.slow`` (a server, a subprocess, a long hypothesis run);
``pytest -m "not slow"`` is the quick loop.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import pytest

import tests._support
from signers import Credentials
from tests._module_marks import module_marks, rejects_every_test
from tests._support import AK, CREDS, SECRET


def pytest_configure(config: pytest.Config) -> None:
    """In the quick loop (``-m`` deselects the slow tests) property tests run a few examples
    each (``tests._support.examples``); the full suite runs their long count."""
    expression = config.getoption("markexpr", "") or ""
    tests._support.QUICK_LOOP = rejects_every_test(expression, frozenset({"slow"}))


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> Optional[bool]:
    """A test module all of whose tests ``-m`` deselects (``pytestmark = pytest.mark.slow`` under
    ``-m "not slow"``) is not imported: its imports (moto, aiohttp, dask ...) made the quick loop
    slower for nothing.  The full suite imports and runs every module, as before."""
    name = collection_path.name
    if not (name.startswith("test_") and name.endswith(".py")):
        return None
    expression = config.getoption("markexpr", "") or ""
    if rejects_every_test(expression, module_marks(collection_path)):
        return True
    return None


@pytest.fixture
def example_credentials_env(monkeypatch: pytest.MonkeyPatch) -> Credentials:
    """AWS's example key pair in ``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY``, no session
    token: what the command line finds in the environment."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    return CREDS


@pytest.fixture
def offline_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy setting and no AWS configuration file of the machine: a test chooses its
    proxies itself, and nothing may leave the machine."""
    for name in (
        "HTTP_PROXY",
        "http_proxy",
        "HTTPS_PROXY",
        "https_proxy",
        "NO_PROXY",
        "no_proxy",
        "ALL_PROXY",
        "all_proxy",
        "AWS_PROFILE",
        "AWS_CONFIG_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
