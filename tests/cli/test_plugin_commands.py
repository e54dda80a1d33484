"""Plug-in subcommands (entry-point group ``sigbridge.commands``), from their own dist-info on the
path: one that works is listed and runs; one that fails to import is listed with the reason,
reported by name when invoked, and the other commands keep working."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests._support import VECTORS, child_env, write_distribution

pytestmark = pytest.mark.slow  # each test runs the command in a fresh interpreter

GREETING_MODULE = '''
"""A third-party sigbridge subcommand."""


class Greet:
    help = "say hello (a plug-in command)"

    @staticmethod
    def add_arguments(parser):
        parser.add_argument("--name", default="world")

    @staticmethod
    def run(args):
        print("hello, " + args.name)
        return 3


command = Greet()
'''

BROKEN_MODULE = 'raise ImportError("greeting plug-in needs a library that is not installed")\n'

NO_RUN_MODULE = "command = object()\n"


@pytest.fixture()
def site(tmp_path: Path) -> Path:
    site = tmp_path / "site"
    site.mkdir()
    (site / "greeting_command.py").write_text(GREETING_MODULE)
    (site / "broken_command.py").write_text(BROKEN_MODULE)
    (site / "no_run_command.py").write_text(NO_RUN_MODULE)
    write_distribution(
        site, "greeting_command", "[sigbridge.commands]\ngreet = greeting_command:command\n"
    )
    write_distribution(
        site, "broken_command", "[sigbridge.commands]\nbroken-cmd = broken_command:command\n"
    )
    write_distribution(
        site, "no_run_command", "[sigbridge.commands]\nno-run = no_run_command:command\n"
    )
    # A plug-in may not replace a built-in command.
    write_distribution(
        site, "shadow_command", "[sigbridge.commands]\nsign = greeting_command:command\n"
    )
    return site


def _sigbridge(site: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "signers.cli", *argv],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=str(site),
        env=child_env(site, COLUMNS="200"),
    )


def test_help_lists_working_and_broken_plugins(site: Path) -> None:
    done = _sigbridge(site, "--help")
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())  # (argparse wraps long names and lines)
    assert "greet say hello (a plug-in command)" in text
    assert "broken-cmd FAILED TO LOAD: ImportError: greeting plug-in needs a library" in text
    assert "no-run FAILED TO LOAD: TypeError: no_run_command:command has no" in text
    assert "sign print the signed request" in text  # the built-in, not the plug-in
    assert "sign say hello" not in text
    assert "Traceback" not in done.stderr


def test_a_working_plugin_runs_with_its_own_arguments(site: Path) -> None:
    done = _sigbridge(site, "greet", "--name", "sigbridge")
    assert (done.returncode, done.stdout, done.stderr) == (3, "hello, sigbridge\n", "")


@pytest.mark.parametrize("name, reason", [("broken-cmd", "ImportError"), ("no-run", "TypeError")])
def test_a_broken_plugin_is_reported_by_name(site: Path, name: str, reason: str) -> None:
    done = _sigbridge(site, name, "--anything")
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith(f"sigbridge: error: command {name!r} failed to load: {reason}")
    assert "Traceback" not in done.stderr


def test_the_other_commands_keep_working_beside_a_broken_plugin(site: Path) -> None:
    done = _sigbridge(
        site,
        "sign",
        "GET",
        "https://example.amazonaws.com/",
        "--region",
        "us-east-1",
        "--service",
        "service",
        "--at",
        "2015-08-30T12:36:00Z",
    )
    assert done.returncode == 0, done.stderr
    # aws-c-auth's get-vanilla: the published signature for this request
    expected = (VECTORS / "v4" / "get-vanilla" / "header-signature.txt").read_text()
    assert f"Signature={expected.strip()}" in done.stdout
    unknown = _sigbridge(site, "bogus")
    assert unknown.returncode == 2
    assert "invalid choice: 'bogus'" in unknown.stderr and "'greet'" in unknown.stderr
