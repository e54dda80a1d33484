"""What every benchmark operation shares: the instant, the credentials, the requests, and the
:class:`Subject` a factory returns (see :mod:`signers._tools.bench_ops`)."""

from __future__ import annotations

import datetime as _dt
import importlib
import types
from typing import Callable, Dict, NamedTuple, Tuple

__all__ = [
    "AT",
    "ACCESS_KEY",
    "SECRET_KEY",
    "REGION",
    "PEERS",
    "OURS",
    "BASELINE",
    "PeerMissing",
    "Subject",
    "Factory",
    "Headers",
    "ECS_URL",
    "ECS_HEADERS",
    "ECS_BODY",
    "S3_URL",
    "S3_BUCKET_URL",
    "S3_AUTH_PATH",
    "EC2_URL",
    "EC2_V2_BASE",
    "EC2_V2_PARAMS",
    "EC2_V2_URL",
    "BULK_KEYS",
    "EXPIRES",
    "import_peer",
    "signature_of_authorization",
    "signature_of_url",
    "legacy_signature_of_url",
]

UTC = _dt.timezone.utc
#: The instant every operation signs at (the aws-c-auth suite's).
AT = _dt.datetime(2015, 8, 30, 12, 36, tzinfo=UTC)
ACCESS_KEY = "AKIDEXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
REGION = "us-east-1"

#: Peer libraries, in display order: name -> the module whose absence skips it.
PEERS: Dict[str, str] = {
    "botocore": "botocore",
    "requests-aws4auth": "requests_aws4auth",
    "awscrt": "awscrt",
}

OURS = "sigbridge"
#: The implementation name of an operation's baseline (see :attr:`Operation.baseline`).
BASELINE = "sign"


class PeerMissing(Exception):
    """The peer library is not installed (or too old for this operation)."""


class Subject(NamedTuple):
    """One side of a comparison: do the operation, and say what it produced."""

    run: Callable[[], object]
    signature: Callable[[], str]
    note: str = ""


Factory = Callable[[], Subject]
Headers = Tuple[Tuple[str, str], ...]


def import_peer(module: str) -> types.ModuleType:
    """The peer library ``module``; :class:`PeerMissing` when it is not installed."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise PeerMissing(f"{module} is not installed") from exc


# -- the inputs -----------------------------------------------------------------------------------

ECS_URL = "https://ecs.us-east-1.amazonaws.com/"
ECS_HEADERS = (
    ("Content-Type", "application/x-amz-json-1.1"),
    ("X-Amz-Target", "AmazonEC2ContainerServiceV20141113.ListClusters"),
)
ECS_BODY = b"{}"
S3_URL = "https://examplebucket.s3.amazonaws.com/photos/2024/cat.jpg"
S3_BUCKET_URL = "https://examplebucket.s3.amazonaws.com"
EC2_URL = "https://ec2.amazonaws.com/?Action=DescribeRegions&Version=2016-11-15"
#: SigV2: EC2 DescribeInstances with 5 parameters, as a URL (ours) and as parameters (botocore's
#: natural input; it encodes them itself).
EC2_V2_BASE = "https://ec2.amazonaws.com/"
EC2_V2_PARAMS = (
    ("Action", "DescribeInstances"),
    ("Version", "2016-11-15"),
    ("Filter.1.Name", "tag:Name"),
    ("Filter.1.Value.1", "web-*"),
    ("MaxResults", "50"),
)
EC2_V2_URL = (
    EC2_V2_BASE + "?Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag%3AName"
    "&Filter.1.Value.1=web-%2A&MaxResults=50"
)
#: S3's legacy scheme signs the bucket of a virtual-hosted URL in the resource; botocore's S3
#: handlers hand HmacV1Auth that path as ``auth_path``.
S3_AUTH_PATH = "/examplebucket/photos/2024/cat.jpg"
BULK_KEYS = tuple(f"photos/2024/img-{i:05d}.jpg" for i in range(1000))
EXPIRES = 3600


def signature_of_authorization(value: str) -> str:
    return value.rpartition("Signature=")[2].strip()


def signature_of_url(url: str) -> str:
    return url.rpartition("X-Amz-Signature=")[2].partition("&")[0]


def legacy_signature_of_url(url: str) -> str:
    # SigV2 and S3's legacy presigned URLs carry a base64 signature, percent-encoded
    from urllib.parse import unquote

    return unquote(url.rpartition("Signature=")[2].partition("&")[0])
