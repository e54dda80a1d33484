"""Region and configured endpoint URLs, with botocore's client configuration as the oracle."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

import pytest

from signers.credentials import ConfigFileError, CredentialsError, endpoint_url, resolve_region

from .support import write

botocore_session = pytest.importorskip("botocore.session")

SERVICES = ["sts", "elasticbeanstalk", "cognito-idp"]

CASES: Dict[str, Dict[str, object]] = {
    "nothing": {},
    "service variable": {"env": {"AWS_ENDPOINT_URL_{SID}": "http://service.env:1"}},
    "global variable": {"env": {"AWS_ENDPOINT_URL": "http://global.env:2"}},
    "service variable first": {
        "env": {"AWS_ENDPOINT_URL_{SID}": "http://service.env:1", "AWS_ENDPOINT_URL": "http://g:2"}
    },
    "profile endpoint_url": {"config": "[default]\nendpoint_url = http://profile.cfg:3\n"},
    "services section first": {
        "config": "[default]\nendpoint_url = http://profile.cfg:3\nservices = local\n"
        "[services local]\n{key} =\n  endpoint_url = http://section.cfg:4\n"
        "other =\n  endpoint_url = http://other.cfg:5\n"
    },
    "services section of another service": {
        "config": "[default]\nendpoint_url = http://profile.cfg:3\nservices = local\n"
        "[services local]\nunrelated_service =\n  endpoint_url = http://other.cfg:5\n"
    },
    "environment over the files": {
        "env": {"AWS_ENDPOINT_URL": "http://global.env:2"},
        "config": "[default]\nendpoint_url = http://profile.cfg:3\n",
    },
    "ignored by the environment": {
        "env": {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true", "AWS_ENDPOINT_URL": "http://g:2"},
        "config": "[default]\nendpoint_url = http://profile.cfg:3\n",
    },
    "ignored by the profile": {
        "env": {"AWS_ENDPOINT_URL": "http://g:2"},
        "config": "[default]\nignore_configured_endpoint_urls = true\n",
    },
    "the environment's false wins over the profile's true": {
        "env": {"AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "false"},
        "config": "[default]\nignore_configured_endpoint_urls = true\nendpoint_url = http://p:3\n",
    },
    "named profile": {
        "env": {"AWS_PROFILE": "dev"},
        "config": "[default]\nendpoint_url = http://default:1\n[profile dev]\nendpoint_url = http://dev:2\n",
    },
}


@pytest.mark.slow
@pytest.mark.parametrize("client_name", SERVICES)
@pytest.mark.parametrize("case", sorted(CASES))
def test_endpoint_url_as_botocore(
    monkeypatch: pytest.MonkeyPatch, clean_environment: Path, case: str, client_name: str
) -> None:
    session = botocore_session.Session()
    service_id = session.get_service_model(client_name).service_id
    key = str(service_id).replace(" ", "_").replace("-", "_").lower()
    setup = CASES[case]
    env: Dict[str, str] = setup.get("env", {})  # type: ignore[assignment]
    for name, value in env.items():
        monkeypatch.setenv(name.replace("{SID}", key.upper()), value)
    config: Optional[str] = setup.get("config")  # type: ignore[assignment]
    if config:
        write(clean_environment / ".aws" / "config", config.replace("{key}", key))
    client = botocore_session.Session().create_client(client_name, region_name="us-east-1")
    expected = client.meta.endpoint_url
    ours = endpoint_url(str(service_id))
    if ours is None:
        assert expected.endswith(".amazonaws.com"), expected
    else:
        assert ours == expected


def test_service_id_spelling(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_ENDPOINT_URL_ELASTIC_BEANSTALK", "http://eb:1")
    assert endpoint_url("Elastic Beanstalk") == "http://eb:1"
    assert endpoint_url("elastic-beanstalk") == "http://eb:1"
    with pytest.raises(CredentialsError, match="service_id"):
        endpoint_url("  ")


def test_missing_services_section(clean_environment: Path) -> None:
    write(clean_environment / ".aws" / "config", "[default]\nservices = gone\n")
    with pytest.raises(ConfigFileError) as info:
        endpoint_url("sts")
    assert str(info.value) == (
        "~/.aws/config line 2: profile 'default' names services section 'gone', "
        "which ~/.aws/config does not have"
    )


@pytest.mark.parametrize(
    ("env", "config", "profile"),
    [
        ({}, "", None),
        ({"AWS_DEFAULT_REGION": "eu-north-1"}, "[default]\nregion = us-west-2\n", None),
        ({}, "[default]\nregion = us-west-2\n", None),
        ({}, "[default]\nregion = us-west-2\n[profile dev]\nregion = ap-south-1\n", "dev"),
        ({"AWS_PROFILE": "dev"}, "[profile dev]\nregion = ap-south-1\n", None),
    ],
)
def test_region_as_botocore(
    monkeypatch: pytest.MonkeyPatch,
    clean_environment: Path,
    env: Dict[str, str],
    config: str,
    profile: Optional[str],
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    if config:
        write(clean_environment / ".aws" / "config", config)
    expected = botocore_session.Session(profile=profile).get_config_variable("region")
    assert resolve_region(profile) == expected


def test_aws_region_comes_first(monkeypatch: pytest.MonkeyPatch, clean_environment: Path) -> None:
    # The SDKs' shared rule (botocore reads only AWS_DEFAULT_REGION): AWS_REGION first.
    write(clean_environment / ".aws" / "config", "[default]\nregion = us-west-2\n")
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-north-1")
    monkeypatch.setenv("AWS_REGION", "sa-east-1")
    assert resolve_region() == "sa-east-1"


def test_unknown_profile_for_settings(clean_environment: Path) -> None:
    with pytest.raises(CredentialsError, match="profile 'nope' not found"):
        resolve_region("nope")
    with pytest.raises(CredentialsError, match="profile 'nope' not found"):
        endpoint_url("sts", "nope")
