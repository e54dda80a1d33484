"""Region and signing-name inference from host names."""

from __future__ import annotations

import pytest

from signers.endpoints import infer_scope


@pytest.mark.parametrize(
    "host, service, region",
    [
        ("ec2.us-west-1.amazonaws.com", "ec2", "us-west-1"),
        ("sqs.eu-west-1.amazonaws.com", "sqs", "eu-west-1"),
        ("bucket.s3.amazonaws.com", "s3", "us-east-1"),
        ("bucket.s3.eu-central-1.amazonaws.com", "s3", "eu-central-1"),
        ("bucket.s3-us-west-2.amazonaws.com", "s3", "us-west-2"),
        ("s3.dualstack.ap-south-1.amazonaws.com", "s3", "ap-south-1"),
        ("sts.amazonaws.com", "sts", "us-east-1"),
        ("email.us-east-1.amazonaws.com", "ses", "us-east-1"),
        ("data-ats.iot.eu-west-1.amazonaws.com", "iotdata", "eu-west-1"),
        ("dynamodb-fips.us-gov-west-1.amazonaws.com", "dynamodb", "us-gov-west-1"),
        ("ec2.cn-north-1.amazonaws.com.cn", "ec2", "cn-north-1"),
        ("EC2.US-WEST-1.AMAZONAWS.COM:443", "ec2", "us-west-1"),
    ],
)
def test_known_hosts(host: str, service: str, region: str) -> None:
    scope = infer_scope(host)
    assert (scope.service, scope.region) == (service, region)
    assert scope.reason


@pytest.mark.parametrize("host", ["localhost", "minio.internal:9000", "[::1]", "amazonaws.com"])
def test_unknown_hosts_say_so(host: str) -> None:
    scope = infer_scope(host)
    assert scope.service is None or scope.region is None
    assert "give" in scope.reason
