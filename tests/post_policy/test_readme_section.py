"""The README's browser-upload example runs as written and says what it shows."""

from __future__ import annotations

import re
from typing import Any, Dict

from tests._support import python_blocks, readme_section


def test_browser_post_example_runs() -> None:
    block = python_blocks(readme_section("### Browser POST uploads"))[0]
    namespace: Dict[str, Any] = {}
    exec(block, namespace)
    # the values the comments show
    for expression, shown in re.findall(r"^(\S[^#\n]*?)\s+# '([^']*)'$", block, re.M):
        assert eval(expression, namespace) == shown, expression
    assert namespace["verified"].scheme == "post-v4"
