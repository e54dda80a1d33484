"""The ``sigbridge`` command.

Every subcommand reports bad input as one line on standard error and exits with status 2; no
traceback reaches the user for an error in what they typed.

Each subcommand lives in its own module, imported only when it runs: :data:`COMMANDS` names the
module and its one-line help, and the module provides ``add_arguments(parser)`` and
``run(args) -> int``.  Only the invoked subcommand's parser is built, so ``sigbridge --version``
loads none of them.  Other distributions add subcommands through the entry-point group
``sigbridge.commands`` (:data:`COMMAND_GROUP`): an entry point names an object with the same two
functions and a ``help`` line.  Plug-in commands are loaded only for ``--help`` and when invoked;
one that fails to load is listed with the reason and reported by name when invoked, and the
other commands work as before.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, Callable, Dict, List, NamedTuple, Optional, Sequence, Tuple, Union

from .. import __version__
from ..errors import SigningError
from ._common import Parser, UsageError

__all__ = ["main", "build_parser", "UsageError", "COMMANDS", "COMMAND_GROUP", "Command"]

#: The entry-point group of plug-in subcommands.
COMMAND_GROUP = "sigbridge.commands"

_DESCRIPTION = "Sign and verify AWS API requests with every signature version in use."
_HELP_FLAGS = ("-h", "--help")


class Command(NamedTuple):
    """A built-in subcommand: the module that implements it and its one-line help.

    ``arguments`` names the module's function that adds the arguments (``presign`` shares the
    module of ``sign``); ``description`` is the ``--help`` text of the subcommand (default: the
    help line).
    """

    module: str
    help: str
    arguments: str = "add_arguments"
    description: str = ""


#: The built-in subcommands, in the order ``--help`` lists them.
COMMANDS: Dict[str, Command] = {
    "sign": Command("signers.cli.sign", "print the signed request"),
    "presign": Command("signers.cli.sign", "print a presigned URL", "add_presign_arguments"),
    "call": Command(
        "signers.cli.call",
        "sign a request with the credential chain, send it, print the answer",
        description="Sign a request ([METHOD] URL, or SERVICE OPERATION from the service "
        "table) with the standard credential chain, send it, and print the answer; a refusal "
        "is explained on standard error. Exit status: 0 for 2xx, 1 for another answer, 2 for "
        "bad input, 3 when no answer came.",
    ),
    "list": Command(
        "signers.cli.listing",
        "list the registered signers",
        description="List the registered signers (entry-point group sigbridge.signers) and "
        "their aliases; plug-ins that failed to load are named with the reason.",
    ),
    "explain": Command(
        "signers.cli.explain",
        "sign a request and show every stage with invisible characters made visible",
    ),
    "diff": Command(
        "signers.cli.diff",
        "compare our canonical request with a server's SignatureDoesNotMatch answer",
    ),
    "serve": Command(
        "signers.cli.serve",
        "run a local endpoint on 127.0.0.1 that verifies every request it receives",
    ),
    "proxy": Command(
        "signers.cli.proxy",
        "take SigV2 requests in and send them on signed with SigV4 (legacy programs)",
        description="A proxy for programs that cannot be changed: it checks each SigV2 or S3 "
        "legacy signature (--keys) or trusts it (--trust-legacy), signs the request again with "
        "SigV4 from the credential chain, and streams it to --upstream and the answer back.",
    ),
    "migrate": Command(
        "signers.cli.migrate",
        "turn a SigV2-signed request into SigV4, or scan Python code for SigV2",
    ),
    "bench": Command(
        "signers.cli.bench",
        "time signing on this interpreter against the installed peers; merge reports",
    ),
}

Run = Callable[[argparse.Namespace], int]


class _Loaded(NamedTuple):
    """A subcommand ready to mount: its help and description, and its two functions."""

    help: str
    description: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Run


# A plug-in command: loaded, or the one-line reason it failed to load.
_Plugin = Union[_Loaded, str]


def main(argv: Optional[Sequence[str]] = None) -> int:
    """Run ``sigbridge`` with ``argv`` (default: the process's arguments); the exit status."""
    arguments = list(sys.argv[1:] if argv is None else argv)
    try:
        name = _command_name(arguments)
        if name is None:
            listing = not _asks_version(arguments)
        else:
            listing = name not in COMMANDS or _top_help(arguments, name)
        plugins = _plugin_commands() if listing else {}
        broken = plugins.get(name) if name is not None else None
        if isinstance(broken, str):
            raise UsageError(f"sigbridge: error: command {name!r} failed to load: {broken}")
        parser = _parser(plugins, invoked=name, listing=listing)
        args = parser.parse_args(arguments)
        func: Optional[Run] = getattr(args, "func", None)
        if func is None:
            parser.print_help(sys.stderr)
            return 2
        return func(args)
    except UsageError as exc:
        print(str(exc), file=sys.stderr)
        return 2
    except SigningError as exc:
        print(f"sigbridge: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 1


def build_parser() -> argparse.ArgumentParser:
    """The whole parser: every subcommand with its arguments (this imports every subcommand's
    module and loads the plug-ins; ``main`` builds only what it runs)."""
    plugins = _plugin_commands()
    parser, sub = _top_parser()
    for name in [*COMMANDS, *plugins]:
        command = _builtin(name) if name in COMMANDS else plugins[name]
        _mount(sub, name, command, with_arguments=True)
    return parser


# -- which subcommand ------------------------------------------------------------------------------


def _command_name(arguments: Sequence[str]) -> Optional[str]:
    """The first positional argument: the subcommand (the top level's options take no value)."""
    for index, token in enumerate(arguments):
        if token == "--":
            return arguments[index + 1] if index + 1 < len(arguments) else None
        if not token.startswith("-") or token == "-":
            return token
    return None


def _options_before(arguments: Sequence[str], name: Optional[str]) -> List[str]:
    out = []
    for token in arguments:
        if token == name or token == "--":
            break
        out.append(token)
    return out


def _is_option(token: str, option: str) -> bool:
    # argparse accepts an unambiguous prefix of a long option (--vers for --version)
    return token == option or (len(token) > 2 and token[:2] == "--" and option.startswith(token))


def _top_help(arguments: Sequence[str], name: str) -> bool:
    """Whether the top-level help is asked for before the subcommand (``sigbridge -h sign``)."""
    return any(
        _is_option(t, flag) for t in _options_before(arguments, name) for flag in _HELP_FLAGS
    )


def _asks_version(arguments: Sequence[str]) -> bool:
    """Whether ``--version`` comes before any request for help (argparse acts on the first)."""
    for token in arguments:
        if any(_is_option(token, flag) for flag in _HELP_FLAGS):
            return False
        if _is_option(token, "--version"):
            return True
    return False


# -- the parser ------------------------------------------------------------------------------------


def _top_parser() -> Tuple[Parser, Any]:
    """The top-level parser and its subparsers action (argparse's type for it is private)."""
    parser = Parser(prog="sigbridge", description=_DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"sigbridge {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    return parser, sub


def _parser(
    plugins: Dict[str, _Plugin], *, invoked: Optional[str], listing: bool
) -> argparse.ArgumentParser:
    """The top-level parser with the invoked subcommand's arguments; with ``listing`` (for help
    and for an unknown name) every other subcommand too, with its help line only."""
    parser, sub = _top_parser()
    names: List[str] = [*COMMANDS, *plugins] if listing else []
    if invoked in COMMANDS and invoked not in names:
        names.append(invoked)
    for name in names:
        if name == invoked:
            command = _builtin(name) if name in COMMANDS else plugins[name]
            _mount(sub, name, command, with_arguments=True)
        elif name in COMMANDS:
            _mount(sub, name, COMMANDS[name], with_arguments=False)
        else:
            _mount(sub, name, plugins[name], with_arguments=False)
    return parser


def _mount(
    sub: Any, name: str, command: Union[Command, _Loaded, str], *, with_arguments: bool
) -> None:
    if isinstance(command, str):  # a plug-in that failed to load
        sub.add_parser(name, help=f"FAILED TO LOAD: {command}")
        return
    parser = sub.add_parser(
        name, help=command.help, description=command.description or command.help
    )
    if with_arguments and isinstance(command, _Loaded):
        command.add_arguments(parser)
        parser.set_defaults(func=command.run)


def _builtin(name: str) -> _Loaded:
    import importlib

    command = COMMANDS[name]
    module: Any = importlib.import_module(command.module)
    return _Loaded(
        command.help, command.description, getattr(module, command.arguments), module.run
    )


# -- plug-in commands ------------------------------------------------------------------------------


def _plugin_commands() -> Dict[str, _Plugin]:
    """The commands of the entry-point group, by name (a built-in name is not replaced)."""
    from importlib import metadata

    found: Dict[str, _Plugin] = {}
    everything: Any = metadata.entry_points()
    if hasattr(everything, "select"):
        group = everything.select(group=COMMAND_GROUP)
    else:  # Python 3.8 / 3.9: a dict of group -> entry points
        group = everything.get(COMMAND_GROUP, ())
    for entry_point in group:
        if entry_point.name not in COMMANDS and entry_point.name not in found:
            found[entry_point.name] = _load_plugin(entry_point)
    return dict(sorted(found.items()))


def _load_plugin(entry_point: Any) -> _Plugin:
    try:
        target = entry_point.load()
        add_arguments = getattr(target, "add_arguments", None)
        run = getattr(target, "run", None)
        if not callable(add_arguments) or not callable(run):
            raise TypeError(f"{entry_point.value} has no add_arguments(parser) and run(args)")
        help_text = str(getattr(target, "help", "") or (target.__doc__ or "").strip())
        help_text = help_text.splitlines()[0] if help_text else ""
        description = str(getattr(target, "description", "") or "")
        return _Loaded(help_text, description, add_arguments, run)
    except Exception as exc:  # a broken plug-in must not take the command down
        return f"{type(exc).__name__}: {exc}".splitlines()[0]
