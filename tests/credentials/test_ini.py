"""The INI reader against botocore's own (``botocore.configloader``) as the oracle, and its errors.

Every text botocore parses must parse to the same sections, values and sub-sections; every text
botocore refuses must be refused, with the file and line in the message.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Dict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from signers.credentials import ConfigFileError, SharedConfig
from signers.credentials._ini import parse_ini, read_ini

configloader = pytest.importorskip("botocore.configloader")
botocore_exceptions = pytest.importorskip("botocore.exceptions")


def ours(path: Path) -> Dict[str, Any]:
    parsed = read_ini(str(path))
    assert parsed is not None
    return {name: dict(section.values) for name, section in parsed.sections.items()}


def botocore_view(path: Path) -> Dict[str, Any]:
    return dict(configloader.raw_config_parse(str(path)))


SAMPLES = {
    "plain": "[default]\naws_access_key_id = AKID\naws_secret_access_key = abc/def+g==\n",
    "profiles": "[default]\nregion = us-east-1\n[profile dev]\nregion=eu-west-1\n[dev2]\nx = 1\n",
    "colon and case": "[default]\nRegion: us-west-2\nOutput =json\n",
    "first delimiter": "[default]\nkey = a=b:c\nother: d=e\n",
    "comments": "# top\n; also\n[default]\n  # indented comment\nkey = v # not a comment\n",
    "nested": "[default]\ns3 =\n  addressing_style = path\n  signature_version = v4\nregion = x\n",
    "nested with blanks": "[default]\ns3 =\n\n  a = 1\n\n  b = 2\n\nc = 3\n",
    "continuation": "[default]\nkey = first\n  second\n  third\n",
    "services": "[services dev]\nsts =\n  endpoint_url = http://h:1\n[profile p]\nservices = dev\n",
    "quoted profile": "[profile 'my dev']\nregion = x\n[profile   spaced  ]\nregion = y\n",
    "DEFAULT section": "[DEFAULT]\nregion = z\n[default]\nx = 1\n[profile a]\nregion = a\n",
    "crlf": "[default]\r\nregion = us-east-1\r\ns3 =\r\n  a = b\r\n",
    "empty value": "[default]\nkey =\nother = \n",
    # ("[a]b]" is left out: Python 3.8-3.10's configparser ends the name at the first "]", later
    # ones at the last; we follow the later ones.)
    "odd headers": "[a b]\nk = v\n[profile]\nk = v\n[profilex y]\nk = v\n",
}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_parses_as_botocore(tmp_path: Path, name: str) -> None:
    path = tmp_path / "config"
    path.write_bytes(SAMPLES[name].encode("utf-8"))
    assert ours(path) == botocore_view(path)


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_profile_map_as_botocore(tmp_path: Path, name: str) -> None:
    path = tmp_path / "config"
    path.write_bytes(SAMPLES[name].encode("utf-8"))
    expected = configloader.load_config(str(path))
    shared = SharedConfig(read_ini(str(path)), None, credentials_path=str(tmp_path / "none"))
    profiles = {name: shared.profile(name) for name in shared.profile_names()}
    assert profiles == expected["profiles"]
    for name, section in expected["services"].items():
        found = shared.services(name)
        assert found is not None and found.values == section


BAD = {
    "no section": ("key = v\n[default]\n", 1),
    "no delimiter": ("[default]\nregion = x\njunk line\n", 3),
    "empty key": ("[default]\n= value\n", 2),
    "repeated section": ("[default]\na = 1\n[other]\n[default]\n", 4),
    "repeated key": ("[default]\na = 1\nb = 2\nA = 3\n", 4),
    "bad sub-section line": ("[default]\ns3 =\n  ok = 1\n  not a pair\n", 4),
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_files_name_file_and_line(tmp_path: Path, name: str) -> None:
    text, line = BAD[name]
    path = tmp_path / "home" / ".aws" / "config"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(botocore_exceptions.ConfigParseError):
        configloader.raw_config_parse(str(path))
    with pytest.raises(ConfigFileError) as info:
        read_ini(str(path))
    message = str(info.value)
    assert message.startswith(f"~/.aws/config line {line}: "), message
    assert "\n" not in message
    assert info.value.line == line and info.value.path == "~/.aws/config"


def test_a_bad_line_is_not_echoed_whole(tmp_path: Path) -> None:
    # A stray line may be a pasted secret: only its first characters are shown.
    secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLE"
    with pytest.raises(ConfigFileError) as info:
        parse_ini(f"[default]\n{secret}\n", "~/.aws/credentials")
    assert secret not in str(info.value) and "line 2" in str(info.value)


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_bytes(b"[default]\nregion = x\nname = \xff\xfe\n")
    with pytest.raises(ConfigFileError) as info:
        read_ini(str(path))
    assert "line 3: not UTF-8" in str(info.value)


def test_missing_file_is_none(tmp_path: Path) -> None:
    assert read_ini(str(tmp_path / "absent")) is None


def test_where_points_at_the_key() -> None:
    parsed = parse_ini("# c\n[default]\n\nregion = x\n", "~/.aws/config")
    assert parsed.where("default", "region") == "~/.aws/config line 4"
    assert parsed.where("default") == "~/.aws/config line 2"


# -- generated files: botocore accepts exactly what we accept, with the same result ------------

_LINES = st.sampled_from(
    [
        "[default]",
        "[profile dev]",
        "[profile 'a b']",
        "[dev]",
        "[services s]",
        "[DEFAULT]",
        "[ default ]",
        "[]",
        "key = value",
        "Key: value",
        "key=",
        "s3 =",
        "a = b = c",
        "= v",
        "region = us-east-1 # c",
        "# comment",
        "; comment",
        "",
        "junk",
        "x = 1",
        "endpoint_url = http://h:1",
    ]
)
_INDENT = st.sampled_from(["", "", "", " ", "  ", "\t"])


@st.composite
def ini_texts(draw: Any) -> str:
    lines = draw(st.lists(st.tuples(_INDENT, _LINES), min_size=1, max_size=14))
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    return newline.join(indent + line for indent, line in lines) + newline


@pytest.mark.slow
@settings(
    max_examples=400, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=ini_texts())
def test_generated_files_agree_with_botocore(tmp_path: Path, text: str) -> None:
    path = tmp_path / "generated"
    path.write_bytes(text.encode("utf-8"))
    try:
        expected = botocore_view(path)
    except botocore_exceptions.ConfigParseError:
        with pytest.raises(ConfigFileError) as info:
            ours(path)
        assert " line " in str(info.value)
        return
    assert ours(path) == expected


def test_a_malformed_default_sub_section_matters_only_where_it_shows_through(
    tmp_path: Path,
) -> None:
    # Found by the generated-files test: botocore reads [DEFAULT] values only into sections.
    alone = tmp_path / "alone"
    alone.write_text("[DEFAULT]\nkey=\n [default]\n")
    assert ours(alone) == botocore_view(alone) == {}
    inherited = tmp_path / "inherited"
    inherited.write_text("[DEFAULT]\nkey=\n [default]\n[profile p]\nregion = r\n")
    with pytest.raises(botocore_exceptions.ConfigParseError):
        botocore_view(inherited)
    with pytest.raises(ConfigFileError) as info:
        ours(inherited)
    assert "line 3" in str(info.value)
    # a section that sets the key again: botocore never reads [DEFAULT]'s value for it
    overridden = tmp_path / "overridden"
    overridden.write_text("[DEFAULT]\nkey=\n [default]\n[default]\nkey = value\n")
    assert ours(overridden) == botocore_view(overridden) == {"default": {"key": "value"}}
