"""The README's checksums example runs as written and its comments tell the truth."""

from __future__ import annotations

import importlib.util
import re
from typing import Any, Dict

from tests._support import python_blocks, readme_section


def test_checksums_example_runs_and_its_comments_are_true() -> None:
    block = python_blocks(readme_section("### Checksums"))[0]
    namespace: Dict[str, Any] = {}
    exec(block, namespace)
    # Each line "expression   # 'value' ..." claims the expression gives 'value'; the
    # expressions have no side effects, so they are evaluated again after the whole block.
    claims = re.findall(r"^([a-z][^=\n]*?\))\s+# ('[^']*')", block, re.M)
    assert len(claims) == 4
    for expression, value in claims:
        result = eval(expression, namespace)
        if expression.startswith("checksums.backend("):
            assert result == ("awscrt" if importlib.util.find_spec("awscrt") else "python")
        else:
            assert result == eval(value), expression
