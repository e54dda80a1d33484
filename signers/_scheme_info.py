"""The registry's record of one registered name (``signers.registry.SchemeInfo``).

Its own module so that ``import signers`` (which loads the registry) does not load ``typing``:
the registry builds records only after entry-point discovery, which has loaded ``typing``
already (``importlib.metadata`` imports it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, FrozenSet, NamedTuple, Optional

if TYPE_CHECKING:
    from .protocols import Signer

__all__ = ["SchemeInfo"]


class SchemeInfo(NamedTuple):
    """One registered name: the entry point, and what loading it gave (or why it failed).

    ``target`` is the scheme the factory implements (it differs from ``name`` for an alias);
    ``factory`` is ``None`` and ``error`` says why when the entry point failed to load;
    ``dist`` is the distribution that declared it.
    """

    name: str
    target: str
    description: str
    features: FrozenSet[str]
    factory: Optional[Callable[..., Signer]]
    error: Optional[str]
    dist: Optional[str]

    @property
    def is_alias(self) -> bool:
        return self.name != self.target

    def __repr__(self) -> str:
        state = f"error={self.error!r}" if self.error else f"target={self.target!r}"
        return f"SchemeInfo({self.name!r}, {state})"
