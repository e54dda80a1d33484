"""Each test starts without the credential chains a ChainCredentials kept in this process."""

from __future__ import annotations

from typing import Iterator

import pytest

from signers.credentials import _chain


@pytest.fixture(autouse=True)
def fresh_chains() -> Iterator[None]:
    _chain._CHAINS.clear()
    yield
    _chain._CHAINS.clear()
