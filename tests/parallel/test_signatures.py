"""What help() and inspect.signature show of the bulk functions, whose parameters are written
once (signers._parameters): the lists below are the documented ones, written out here."""

from __future__ import annotations

import inspect

import pytest

from signers import parallel

POOL = ["self", "signer", "method", "base_url", "keys", "at", "headers"]
ONE_CALL = [
    "signer", "method", "base_url", "keys", "credentials", "at",
    "headers", "jobs", "start_method", "chunk_size",
]  # fmt: skip


@pytest.mark.parametrize(
    ("function", "names", "returns"),
    [
        (parallel.PresignPool.presign_many, POOL, "Iterator[SignedRequest]"),
        (parallel.PresignPool.presign_urls, POOL, "Iterator[str]"),
        (parallel.PresignPool.url_lines, POOL, "Iterator[str]"),
        (parallel.presign_many, ONE_CALL, "Iterator[SignedRequest]"),
        (parallel.presign_urls, ONE_CALL, "Iterator[str]"),
    ],
    ids=lambda value: getattr(value, "__qualname__", None),
)
def test_the_signature_shown_is_the_documented_one(function, names, returns) -> None:
    shown = inspect.signature(function)
    assert list(shown.parameters) == names
    assert shown.return_annotation == returns
    assert shown.parameters["at"].default is None
    assert shown.parameters["headers"].kind is inspect.Parameter.KEYWORD_ONLY
    assert shown.parameters["headers"].default == ()
    assert function.__annotations__["return"] == returns
    assert "form" not in function.__annotations__
    assert function.__doc__ and function.__name__ == function.__qualname__.split(".")[-1]


def test_a_bound_method_shows_no_self() -> None:
    pool = parallel.PresignPool.__new__(parallel.PresignPool)
    assert list(inspect.signature(pool.presign_urls).parameters) == POOL[1:]
