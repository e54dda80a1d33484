"""The README's browser-upload example runs as written and says what it shows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Dict

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_browser_post_example_runs() -> None:
    start = README.index("### Browser POST uploads")
    end = README.find("\n## ", start)
    block = re.findall(r"```python\n(.*?)```", README[start : end if end != -1 else None], re.S)[0]
    namespace: Dict[str, Any] = {}
    exec(block, namespace)
    # the values the comments show
    for expression, shown in re.findall(r"^(\S[^#\n]*?)\s+# '([^']*)'$", block, re.M):
        assert eval(expression, namespace) == shown, expression
    assert namespace["verified"].scheme == "post-v4"
