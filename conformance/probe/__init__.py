"""``sigbridge probe``: differential testing of a live S3- or AWS-compatible verifier.

A catalogue of probes (:mod:`.catalogue` and its tables) is sent to an endpoint: *accept* probes
are correctly signed requests AWS accepts -- many of them the interop pitfalls that broke real
servers -- and *refuse* probes change one thing after signing, or sign with a key, time or scope
AWS refuses.  Each answer is judged against AWS's (:mod:`.judge`): ``pass``, ``incompatible``,
``insecure``, ``lenient``, ``code-differs`` or ``error``.

* :mod:`.model` -- probes, requests, answers, verdicts;
* :mod:`.context` -- what a probe's builder sees (endpoint, credentials, clock, signing);
* :mod:`.craft` -- hand-made signatures for requests the signers refuse to make;
* :mod:`.wire` -- sending with :mod:`http.client`, reading AWS's answer, redaction;
* :mod:`.runner` -- preflight, setup, bounded concurrent execution, cleanup;
* :mod:`.report` -- table, JSON, JUnit XML, HTML;
* :mod:`.cli` -- the ``sigbridge probe`` command.

Use it from code::

    from conformance.probe import ProbeConfig, run
    result = run(ProbeConfig(url="http://127.0.0.1:9000", credentials=creds, bucket="b"))
    result.counts()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from signers.lazy import lazy_attributes

__all__ = ["Probe", "ProbeConfig", "ProbeRun", "UsageError", "VERDICTS", "all_probes", "run"]

# (name -> the module defining it)
_LAZY = {
    **dict.fromkeys(("Probe", "VERDICTS"), ".model"),
    "ProbeConfig": ".context",
    **dict.fromkeys(("ProbeRun", "UsageError", "run"), ".runner"),
    "all_probes": ".catalogue",
}

if TYPE_CHECKING:
    from .catalogue import all_probes
    from .context import ProbeConfig
    from .model import VERDICTS, Probe
    from .runner import ProbeRun, UsageError, run


__getattr__, __dir__ = lazy_attributes(_LAZY, globals())
