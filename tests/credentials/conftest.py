"""Every credentials test runs in an empty AWS environment with its own HOME.

No AWS_* variable or proxy setting of the machine leaks in, and EC2 instance metadata is off
unless a test points it at its own fake server (nothing may reach the network).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests._support import empty_aws_environment


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    return empty_aws_environment(monkeypatch, tmp_path)
