"""Verdicts: what an answer says about the verifier, judged against what AWS does.

A probe judges the verifier, not the storage behind it:

* *accepted*: a 2xx, or a 404 / 405 / 409 -- answers a server can only give once it has let the
  request through (no such key, a method not allowed on it, a conflict);
* *refused*: any other 4xx (AWS refuses with 400 or 403 and an authentication code);
* anything else (1xx, 3xx, 5xx) cannot be judged: ``error``.

An accept probe passes when accepted and is ``incompatible`` when refused.  A refuse probe
passes when refused with AWS's status and one of AWS's codes, is ``code-differs`` when refused
otherwise, and when accepted is what the probe says accepting means: ``insecure`` (a signature,
key, token or time AWS would refuse got through) or ``lenient``.
"""

from __future__ import annotations

from typing import Tuple

from .model import ACCEPT, CODE_DIFFERS, ERROR, INCOMPATIBLE, PASS, Answer, Probe

__all__ = ["ACCEPTED_ERRORS", "accepted", "refused", "judge", "describe"]

#: Statuses a server gives only after it accepted the signature.
ACCEPTED_ERRORS = frozenset({404, 405, 409})


def accepted(status: int) -> bool:
    return 200 <= status < 300 or status in ACCEPTED_ERRORS


def refused(status: int) -> bool:
    return 400 <= status < 500 and status not in ACCEPTED_ERRORS


def describe(answer: Answer, limit: int = 160) -> str:
    """``403 SignatureDoesNotMatch: The request signature ...`` on one line, bounded."""
    text = str(answer.status)
    if answer.code:
        text += " " + answer.code
    elif not accepted(answer.status):
        text += " (no error code)"
    if answer.message and not accepted(answer.status):
        message = " ".join(answer.message.split())
        if len(message) > limit:
            message = message[:limit] + "..."
        text += ": " + message
    return text


def judge(probe: Probe, answer: Answer) -> Tuple[str, str]:
    """``(verdict, one-line detail)`` of ``answer`` to ``probe``."""
    got = describe(answer)
    if probe.kind == ACCEPT:
        if accepted(answer.status):
            return PASS, got
        if refused(answer.status):
            return INCOMPATIBLE, f"refused what AWS accepts: {got}"
        return ERROR, f"cannot judge the answer: {got}"
    if accepted(answer.status):
        return probe.if_accepted, f"accepted ({got}); AWS refuses with {probe.expected}"
    if refused(answer.status):
        if answer.status == probe.status and answer.code in probe.codes:
            return PASS, got
        return CODE_DIFFERS, f"refused with {got}; AWS answers {probe.expected}"
    return ERROR, f"cannot judge the answer: {got}"
