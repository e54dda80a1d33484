"""The typed keyword form of the SigV4 options agrees with what SigV4Options.__init__ takes."""

from __future__ import annotations

import inspect
from typing import Optional, get_type_hints

import pytest

from signers.options import SigV4AOptions, SigV4Options
from signers.protocols import SigV4FamilyKwargs, SigV4Kwargs

# Written out here (not read from the code): the keywords whose None means "the default or the
# preset's choice" (expires: 3600 on a presigned URL; the three booleans: what s3= implies).
NONE_MEANS_DEFAULT = {"expires", "normalize_path", "double_encode", "sign_body"}


def test_every_init_keyword_is_in_the_typed_form() -> None:
    taken = set(inspect.signature(SigV4Options.__init__).parameters) - {"self"}
    assert set(get_type_hints(SigV4Kwargs)) == taken


@pytest.mark.parametrize("name", sorted(get_type_hints(SigV4FamilyKwargs)))
def test_keyword_type_matches_init(name: str) -> None:
    declared = get_type_hints(SigV4FamilyKwargs)[name]
    taken = get_type_hints(SigV4Options.__init__)[name]
    if name in NONE_MEANS_DEFAULT:
        assert declared == taken
    else:
        # None is refused (service) or not taken at all: the typed form leaves it out
        assert declared == taken or taken == Optional[declared]


@pytest.mark.parametrize("name", sorted(NONE_MEANS_DEFAULT))
def test_none_is_the_default(name: str) -> None:
    assert SigV4Options(region="us-east-1", service="s3", **{name: None}) == SigV4Options(
        region="us-east-1", service="s3"
    )
    assert SigV4AOptions(region_set="*", service="s3", **{name: None}) == SigV4AOptions(
        region_set="*", service="s3"
    )
