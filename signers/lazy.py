"""Names of a package loaded on first use (PEP 562 module ``__getattr__`` and ``__dir__``).

A package built on sigbridge -- a ``sigbridge.commands`` plug-in, say, whose ``--help`` line
should not load the whole command -- lists which module defines each lazy name; a name is
imported from its module (relative to the package) when first asked for, then kept::

    from signers.lazy import lazy_attributes

    __getattr__, __dir__ = lazy_attributes({"run": ".runner", "Report": ".report"}, globals())

It is the loader ``signers`` itself uses (:mod:`signers._lazy`), published as is.
"""

from __future__ import annotations

from ._lazy import lazy_attributes

__all__ = ["lazy_attributes"]
