"""The shared AWS config and credentials files, read as botocore reads them, with line numbers.

The format is the INI dialect of Python's ``configparser.RawConfigParser`` (which botocore uses):
``[section]`` headers; ``key = value`` or ``key: value`` split at the first delimiter, the key
lower-cased; whole-line comments starting with ``#`` or ``;`` (a ``#`` later in a line is part of
the value); a line indented deeper than its key continues the value; ``[DEFAULT]`` values show
through in every section; a repeated section or key is an error.  On top, botocore's
sub-sections: a value that starts on the line after its key (``s3 =`` then indented
``key = value`` lines) is a nested mapping.

Unlike configparser, every error names the file and the line: ``~/.aws/config line 7: ...``.
"""

from __future__ import annotations

import os
from typing import Dict, List, Optional, Tuple, Union

from ..errors import ConfigFileError, CredentialsError

__all__ = [
    "Value",
    "Section",
    "IniFile",
    "parse_ini",
    "read_ini",
    "display_path",
    "read_setting_file",
]

#: A value is a string, or a nested mapping for a sub-section (``s3 =`` + indented lines).
Value = Union[str, Dict[str, str]]

_COMMENT_PREFIXES = ("#", ";")
_DEFAULT_SECTION = "DEFAULT"


def display_path(path: str) -> str:
    """``path`` for messages: under the home directory it reads ``~/...``."""
    home = os.path.expanduser("~")
    if home not in ("~", "/") and (path == home or path.startswith(home.rstrip(os.sep) + os.sep)):
        return "~" + path[len(home.rstrip(os.sep)) :]
    return path


def read_setting_file(path: str, setting: str) -> str:
    """The text (UTF-8) of the file ``path`` that ``setting`` names (a token file); one that
    cannot be read is a one-line :class:`CredentialsError` naming the setting and the path."""
    try:
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        shown = display_path(path)
        message = f"{setting} {shown!r} cannot be read ({reason})"
        raise CredentialsError(message, source=shown) from None


class Section:
    """One ``[section]``: its values, and the line each key (and the header) is on."""

    __slots__ = ("line", "lines", "name", "values")

    def __init__(self, name: str, line: int) -> None:
        self.name = name
        self.line = line
        self.values: Dict[str, Value] = {}
        self.lines: Dict[str, int] = {}

    def __repr__(self) -> str:
        # Keys only: the values are secrets as often as not.
        return f"Section({self.name!r}, line={self.line}, keys={sorted(self.values)})"


class IniFile:
    """A parsed file: ``sections`` by name in file order; ``path`` as shown in messages."""

    __slots__ = ("path", "sections")

    def __init__(self, path: str, sections: Dict[str, Section]) -> None:
        self.path = path
        self.sections = sections

    def where(self, section: str, key: Optional[str] = None) -> str:
        """``"~/.aws/config line 7"``: where ``key`` (or the section header) is written."""
        found = self.sections.get(section)
        if found is None:
            return self.path
        line = found.lines.get(key, found.line) if key is not None else found.line
        return f"{self.path} line {line}"

    def __repr__(self) -> str:
        return f"IniFile({self.path!r}, sections={list(self.sections)})"


class _Option:
    # A key being read: its first line and the (line, text) pieces of its value.
    __slots__ = ("key", "line", "pieces")

    def __init__(self, key: str, line: int, first: str) -> None:
        self.key = key
        self.line = line
        self.pieces: List[Tuple[int, str]] = [(line, first)]


def _split_option(text: str) -> Optional[Tuple[str, str]]:
    # configparser's option pattern: the key runs to the FIRST '=' or ':'.
    cut = min((i for i in (text.find("="), text.find(":")) if i >= 0), default=-1)
    if cut < 0:
        return None
    return text[:cut].rstrip().lower(), text[cut + 1 :].strip()


def _nested(option: _Option, path: str) -> Dict[str, str]:
    # botocore's sub-section: every non-empty continuation line is ``key = value``.
    nested: Dict[str, str] = {}
    for line, text in option.pieces[1:]:
        if not text:
            continue
        key, sep, value = text.partition("=")
        if not sep:
            raise ConfigFileError(
                f"{path} line {line}: {_quote(text)} in sub-section {option.key!r} "
                "is not 'key = value'",
                path=path,
                line=line,
            )
        nested[key.strip()] = value.strip()
    return nested


def _quote(text: str) -> str:
    # Show the offending line, but only its start: a stray line may be a pasted secret.
    shown = text if len(text) <= 12 else text[:8] + "..."
    return repr(shown)


def _value(option: _Option, path: str) -> Value:
    value = "\n".join(text for _, text in option.pieces).rstrip()
    return _nested(option, path) if value.startswith("\n") else value


def _header(text: str) -> Optional[str]:
    # configparser's "\[(?P<header>.+)\]" matched at the start of the stripped line (greedy).
    if not text.startswith("["):
        return None
    end = text.rfind("]")
    return text[1:end] if end > 1 else None


class _Reader:
    """configparser's line loop, keeping line numbers for every key."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.sections: Dict[str, Section] = {}
        self.defaults = Section(_DEFAULT_SECTION, 0)
        self.section: Optional[Section] = None
        self.option: Optional[_Option] = None
        self.indent = 0
        # [DEFAULT]'s options, read as values only where they show through (as botocore reads
        # them: a malformed sub-section there is an error only once a section inherits it)
        self.default_options: Dict[str, _Option] = {}

    def finish(self) -> None:
        option, section = self.option, self.section
        self.option = None
        if option is None or section is None:
            return
        section.lines[option.key] = option.line
        if section is self.defaults:
            self.default_options[option.key] = option
        else:
            section.values[option.key] = _value(option, self.path)

    def fail(self, line: int, message: str) -> ConfigFileError:
        return ConfigFileError(f"{self.path} line {line}: {message}", path=self.path, line=line)

    def feed(self, number: int, line: str) -> None:
        text = line.strip()
        if text.startswith(_COMMENT_PREFIXES):
            return
        if not text:
            # An empty line inside a value is part of it (configparser keeps it).
            if self.option is not None:
                self.option.pieces.append((number, ""))
            return
        indent = len(line) - len(line.lstrip())
        if self.option is not None and indent > self.indent:
            self.option.pieces.append((number, text))
            return
        self.indent = indent
        self.finish()
        name = _header(text)
        if name is not None:
            self.start_section(number, name)
        elif self.section is None:
            raise self.fail(number, f"{_quote(text)} comes before any [section] header")
        else:
            self.start_option(number, text)

    def start_section(self, number: int, name: str) -> None:
        if name == _DEFAULT_SECTION:
            self.section = self.defaults
            return
        if name in self.sections:
            raise self.fail(
                number, f"section [{name}] repeats the one on line {self.sections[name].line}"
            )
        self.section = self.sections[name] = Section(name, number)

    def start_option(self, number: int, text: str) -> None:
        assert self.section is not None
        split = _split_option(text)
        if split is None or not split[0]:
            raise self.fail(number, f"{_quote(text)} is not 'key = value'")
        key, value = split
        if key in self.section.lines:
            raise self.fail(
                number,
                f"key {key!r} repeats in [{self.section.name}] "
                f"(first on line {self.section.lines[key]})",
            )
        self.option = _Option(key, number, value)

    def result(self) -> IniFile:
        self.finish()
        for key, option in self.default_options.items():
            # A [DEFAULT] value is read (a sub-section parsed) only where a section inherits
            # it, as botocore reads it: one every section sets again is never looked at.
            inheriting = [s for s in self.sections.values() if key not in s.values]
            if not inheriting:
                continue
            value = self.defaults.values[key] = _value(option, self.path)
            for section in inheriting:
                section.values[key] = value
                section.lines[key] = self.defaults.lines[key]
        return IniFile(self.path, self.sections)


def parse_ini(text: str, path: str) -> IniFile:
    """Parse the text of a shared config/credentials file; ``path`` is used in messages."""
    reader = _Reader(path)
    # Universal newlines, as a file opened in text mode reads them.
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    for number, line in enumerate(lines, 1):
        reader.feed(number, line)
    return reader.result()


def read_ini(path: str) -> Optional[IniFile]:
    """Read and parse ``path`` (``~`` and ``$VARS`` expanded); ``None`` when there is no file."""
    full = os.path.expanduser(os.path.expandvars(path))
    shown = display_path(full)
    if not os.path.isfile(full):
        return None
    try:
        with open(full, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigFileError(
            f"{shown}: cannot be read ({exc.strerror or type(exc).__name__})", path=shown
        ) from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ConfigFileError(
            f"{shown} line {line}: not UTF-8 text", path=shown, line=line
        ) from None
    return parse_ini(text, shown)
