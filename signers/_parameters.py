"""One parameter list shown under several names, for help() and ``inspect.signature``.

A public function whose parameters are another's less a leading one it fixes (each result form
of :class:`signers.parallel.PresignPool`: one implementation's, less the form; an HTTP
adapter's ``AWSAuth``: :class:`signers.adapters._signing.Signing`'s, less the adapter's name)
is written once as ``(*args, **kwargs)``.  The type checker reads the real parameters through a
``ParamSpec`` where such a function is made; :func:`show_parameters` sets the
``__signature__`` and ``__annotations__`` that help() and ``inspect.signature`` read, so that
both see the same list.
"""

from __future__ import annotations

import inspect
from typing import Any, Callable, Optional

__all__ = ["show_parameters"]


def show_parameters(
    function: Callable[..., Any],
    source: Callable[..., Any],
    *,
    drop: int = 1,
    self_first: bool = False,
    returns: Optional[str] = None,
) -> None:
    """Show ``source``'s parameters less the first ``drop`` as ``function``'s (after ``self``
    with ``self_first``), returning ``returns`` (default: what ``source`` returns)."""
    whole = inspect.signature(source)
    shown = list(whole.parameters.values())[drop:]
    if self_first:
        shown.insert(0, inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD))
    returned = whole.return_annotation if returns is None else returns
    function.__signature__ = whole.replace(  # type: ignore[attr-defined]
        parameters=shown, return_annotation=returned
    )
    annotations = {p.name: p.annotation for p in shown if p.annotation is not p.empty}
    if returned is not inspect.Signature.empty:
        annotations["return"] = returned
    function.__annotations__ = annotations
