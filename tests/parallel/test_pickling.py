"""Every built-in signer pickles: ``pickle.loads(pickle.dumps(signer))`` has the same options and
signs the same request at the same instant to the same result (SigV4A, whose ECDSA signatures
differ on every call: the same canonical request and string to sign, and a signature the original
signer's public key accepts).  Credentials keep refusing to pickle; the provider for workers does.
"""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any, Dict, List, Tuple

import pytest

import signers
from signers import Credentials, Request
from signers.credentials import ChainCredentials
from tests._support import CREDS_TOKEN, SECRET, TOKEN, UTC
from tests._support import VECTOR_TIME as AT

# The registrations of sigbridge's own pyproject.toml (entry-point group sigbridge.signers).
BUILT_IN = {
    "sigv4", "v4", "s3v4", "sigv4-query", "v4-query", "s3v4-query",
    "sigv2", "v2", "s3-v2", "s3", "s3-v2-query", "s3-query",
    "sigv4a", "v4a", "s3v4a", "sigv4a-query", "v4a-query", "s3v4a-query",
}  # fmt: skip

S3_GET = Request("GET", "https://examplebucket.s3.amazonaws.com/photos/a b.jpg?versionId=3")
ECS_POST = Request(
    "POST",
    "https://ecs.us-east-1.amazonaws.com/",
    [("Content-Type", "application/x-amz-json-1.1"), ("X-Amz-Target", "X.ListClusters")],
    b"{}",
)
EC2_GET = Request("GET", "https://ec2.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15")
SQS_POST = Request(
    "POST",
    "https://sqs.us-east-1.amazonaws.com/",
    [("Content-Type", "application/x-www-form-urlencoded")],
    b"Action=ListQueues&Version=2012-11-05",
)

_V4 = {"region": "us-east-1", "service": "ecs"}
_V4_MORE = {
    **_V4,
    "normalize_path": False,
    "session_token": "unsigned",
    "unsigned_headers": ["x-amz-target"],
    "sign_body": True,
}
_V4A = {"region_set": ["us-east-1", "us-west-2"], "service": "ecs"}

# (name, options, request): each registered name with representative options.
CASES: List[Tuple[str, Dict[str, Any], Request]] = [
    ("sigv4", _V4, ECS_POST),
    ("sigv4", _V4_MORE, ECS_POST),
    ("v4", _V4, ECS_POST),
    ("s3v4", {"region": "us-east-1"}, S3_GET),
    ("sigv4-query", {**_V4, "expires": 600, "session_token": "unsigned"}, ECS_POST),
    ("v4-query", {"region": "us-east-1", "service": "ec2", "double_encode": False}, EC2_GET),
    ("s3v4-query", {"region": "eu-west-1", "expires": 86400}, S3_GET),
    ("sigv2", {}, EC2_GET),
    ("sigv2", {"signature_method": "HmacSHA1", "placement": "body"}, SQS_POST),
    ("v2", {"expires": dt.datetime(2015, 8, 30, 13, 0, tzinfo=UTC)}, EC2_GET),
    ("s3-v2", {}, S3_GET),
    ("s3", {"addressing": "path", "bucket": None, "extra_sub_resources": ["x-id"]}, S3_GET),
    ("s3-v2-query", {"expires": 3600}, S3_GET),
    ("s3-query", {"expires_at": dt.datetime(2015, 8, 31, tzinfo=UTC)}, S3_GET),
    ("sigv4a", _V4A, ECS_POST),
    ("v4a", {**_V4A, "session_token": "unsigned"}, ECS_POST),
    ("s3v4a", {"region_set": "*"}, S3_GET),
    ("sigv4a-query", {**_V4A, "expires": 900}, ECS_POST),
    ("v4a-query", _V4A, ECS_POST),
    ("s3v4a-query", {"region": "us-east-1"}, S3_GET),
]


def test_every_built_in_name_is_covered() -> None:
    registered = {info.name for info in signers.schemes()}
    assert registered >= BUILT_IN
    assert {name for name, _, _ in CASES} == BUILT_IN


def _ecdsa_or_skip(name: str) -> None:
    if "v4a" in name:
        pytest.importorskip("cryptography", reason="SigV4A needs the sigv4a extra")


@pytest.mark.parametrize(
    "name, options, request_",
    CASES,
    ids=[f"{name}::{i}" for i, (name, _, _) in enumerate(CASES)],
)
def test_a_signer_pickles_to_one_that_signs_alike(
    name: str, options: Dict[str, Any], request_: Request
) -> None:
    _ecdsa_or_skip(name)
    signer = signers.get_signer(name, **options)
    clone = pickle.loads(pickle.dumps(signer, protocol=pickle.HIGHEST_PROTOCOL))
    assert type(clone) is type(signer) and clone is not signer
    assert clone.options == signer.options and repr(clone) == repr(signer)
    assert clone.name == signer.name
    mine = signer.sign(request_, CREDS_TOKEN, AT)
    theirs = clone.sign(request_, CREDS_TOKEN, AT)
    if "v4a" not in name:
        assert theirs == mine
        return
    assert theirs.artifacts.canonical_request == mine.artifacts.canonical_request
    assert theirs.artifacts.string_to_sign == mine.artifacts.string_to_sign
    key = type(signer).public_key(CREDS_TOKEN)
    assert type(signer).verify_signature(mine.artifacts.string_to_sign, theirs.signature, key)


def test_credentials_still_refuse_to_pickle_without_showing_the_secret() -> None:
    with pytest.raises(TypeError) as info:
        pickle.dumps(CREDS_TOKEN)
    assert SECRET not in str(info.value) and TOKEN not in str(info.value)


def test_the_chain_provider_pickles_as_its_profile_alone(
    monkeypatch: pytest.MonkeyPatch, offline_environment: None
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDCHAIN")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    provider = ChainCredentials()
    assert provider.credentials() == Credentials("AKIDCHAIN", SECRET)  # resolved, then kept
    data = pickle.dumps(provider)
    assert SECRET.encode() not in data and b"AKIDCHAIN" not in data
    clone = pickle.loads(data)
    assert clone == provider and clone.profile is None
    assert clone.credentials() == Credentials("AKIDCHAIN", SECRET)
    assert pickle.loads(pickle.dumps(ChainCredentials("dev"))).profile == "dev"
    with pytest.raises(signers.InvalidCredentials, match="profile"):
        ChainCredentials(7)  # type: ignore[arg-type]
