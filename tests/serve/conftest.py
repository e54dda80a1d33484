"""Every serve / proxy test runs in an empty AWS environment: no AWS_* variable, proxy setting or
config file of the machine leaks in, and instance metadata is off (nothing may reach the
network; the servers the tests talk to run on 127.0.0.1)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support import empty_aws_environment


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return empty_aws_environment(monkeypatch, tmp_path, config_files=True)
