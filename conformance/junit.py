"""JUnit XML as CI servers read it: the one writer behind the harness's and the probe's reports.

A document is ``testsuites`` > ``testsuite`` (one per scheme) > ``testcase``.  A case that did not
pass holds one ``failure``, ``error`` or ``skipped`` element (pytest's choice of words); every
suite, and the document, counts its tests, failures, errors and skipped cases.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Dict, NamedTuple, Optional, Sequence

__all__ = ["Case", "Suite", "document"]

# The count each element adds to, in the order the attributes are written.
_COUNTED = {"failure": "failures", "error": "errors", "skipped": "skipped"}


class Case(NamedTuple):
    """One ``testcase``; ``outcome`` is ``""`` (passed) or the element it holds."""

    classname: str
    name: str
    seconds: Optional[float] = None
    outcome: str = ""
    message: str = ""
    #: the outcome element's ``type`` attribute (left out when empty)
    type: str = ""
    #: the outcome element's text (a diff, what was sent and answered)
    text: Optional[str] = None


class Suite(NamedTuple):
    """One ``testsuite``; ``timed``: it carries the sum of its cases' seconds."""

    name: str
    cases: Sequence[Case]
    timed: bool = False


def document(name: str, suites: Sequence[Suite]) -> bytes:
    """The UTF-8 JUnit XML of ``suites`` under a ``testsuites`` element named ``name``."""
    root = ET.Element("testsuites", name=name)
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for suite in suites:
        tally = dict.fromkeys(totals, 0)
        tally["tests"] = len(suite.cases)
        for case in suite.cases:
            if case.outcome:
                tally[_COUNTED[case.outcome]] += 1
        node = ET.SubElement(root, "testsuite", name=suite.name)
        for key, value in tally.items():
            node.set(key, str(value))
            totals[key] += value
        if suite.timed:
            node.set("time", f"{sum(case.seconds or 0.0 for case in suite.cases):.6f}")
        for case in suite.cases:
            _add_case(node, case)
    for key, value in totals.items():
        root.set(key, str(value))
    data: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return data


def _add_case(suite: ET.Element, case: Case) -> None:
    attributes: Dict[str, str] = {"classname": case.classname, "name": case.name}
    if case.seconds is not None:
        attributes["time"] = f"{case.seconds:.6f}"
    node = ET.SubElement(suite, "testcase", attributes)
    if not case.outcome:
        return
    details = {"message": case.message}
    if case.type:
        details["type"] = case.type
    outcome = ET.SubElement(node, case.outcome, details)
    if case.text is not None:
        outcome.text = case.text
