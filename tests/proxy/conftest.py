"""The proxy tests run in the serve tests' clean AWS environment (no machine settings leak in)."""

from __future__ import annotations

from tests.serve.conftest import clean_environment

__all__ = ["clean_environment"]
