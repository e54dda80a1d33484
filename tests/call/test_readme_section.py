"""The README's `sigbridge call` section is true: each `$ sigbridge call` command runs as written
(sent to a local `sigbridge serve` with `--endpoint-url` added, which verifies it), and the
refusal shown is the one the command prints."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any, List

import pytest

from signers import Credentials

from .support import AK, SECRET, aws_file, run, serving, typed

pytestmark = pytest.mark.slow

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
TITLE = "## Sending requests: `sigbridge call`"


def section() -> str:
    start = README.index(TITLE)
    end = README.find("\n## ", start + len(TITLE))
    return README[start : end if end != -1 else None]


def blocks() -> List[str]:
    return re.findall(r"```\n(.*?)```", section(), re.S)


def commands() -> List[str]:
    joined = blocks()[0].replace("\\\n", " ")
    return [line[2:] for line in joined.splitlines() if line.startswith("$ sigbridge call ")]


def test_the_five_situations_run_as_written(clean_environment: Path, monkeypatch: Any) -> None:
    found = commands()
    assert len(found) == 6
    aws_file(
        clean_environment,
        "credentials",
        f"[dev]\naws_access_key_id = AKIDDEV\naws_secret_access_key = {SECRET}\n",
    )
    aws_file(clean_environment, "config", "[profile dev]\nregion = eu-west-3\n")
    env = {"AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SECRET, "AWS_REGION": "us-east-1"}
    services = []
    with serving([Credentials(AK, SECRET), Credentials("AKIDDEV", SECRET)]) as url:
        for command in found:
            result = typed(f"{command} --endpoint-url {shlex.quote(url)}", env)
            assert result.code == 0, (command, result.err)
            account = json.loads(result.out)
            services.append(account["service"] or account["scheme"])
    assert services == ["ecs", "ec2", "autoscaling-plans", "autoscaling-plans", "es", "sigv2"]


def test_the_refusal_shown_is_the_one_printed(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    with serving() as url:
        argv = ["call", "GET", url + "/a/./b", "--service", "execute-api"]
        result = run([*argv, "--region", "us-east-1", "-o", "normalize_path=false", "--fail"])
    assert result.code == 1
    shown = blocks()[1]
    for line in shown.splitlines():
        if line.strip() and line.strip() != "…":
            assert line in result.err.splitlines(), line
