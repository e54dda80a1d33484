"""Each test starts without the credential chains a ChainCredentials kept in this process."""

from __future__ import annotations

from typing import Iterator

import pytest

from signers import parallel


@pytest.fixture(autouse=True)
def fresh_chains() -> Iterator[None]:
    parallel._CHAINS.clear()
    yield
    parallel._CHAINS.clear()
