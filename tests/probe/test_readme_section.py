"""The README's "For vendors" section: its commands parse, its verdicts are the probe's."""

from __future__ import annotations

import argparse
import re
import shlex
from pathlib import Path

from conformance.cli import add_arguments as conformance_arguments
from conformance.probe.cli import add_arguments as probe_arguments
from conformance.probe.model import VERDICTS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
SECTION = README[README.index("\n## For vendors\n") :]


def _parser(add: object) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser()
    add(parser)  # type: ignore[operator]
    return parser


def test_every_command_in_the_section_parses() -> None:
    blocks = re.findall(r"```\n(.*?)```", SECTION, re.S)
    commands = []
    for block in blocks:
        for line in block.replace("\\\n", " ").splitlines():
            line = line.split(" #", 1)[0].replace(" ...", "").strip().lstrip("$ ")
            for part in line.split("&&"):
                part = part.strip()
                if part.startswith("sigbridge "):
                    commands.append(shlex.split(part)[1:])
    names = [c[0] for c in commands]
    assert names.count("probe") >= 4 and names.count("conformance") == 2, names
    for argv in commands:
        add = probe_arguments if argv[0] == "probe" else conformance_arguments
        args = _parser(add).parse_args(argv[1:])
        if argv[0] == "conformance":
            assert args.signer


def test_the_verdicts_named_are_the_probes() -> None:
    named = set(re.findall(r"`(pass|incompatible|insecure|lenient|code-differs|error)`", SECTION))
    assert named == set(VERDICTS) - {"skipped"}


def test_the_summaries_shown_have_every_verdict() -> None:
    for line in re.findall(r"^pass \d+ .*$", SECTION, re.M):
        assert [w for w in line.split() if not w.isdigit()] == list(VERDICTS)
