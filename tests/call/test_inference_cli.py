"""`sign`, `presign` and `call` take the region and signing name from the host *and* the request
(signers.services.infer), refuse with exit 2 when they disagree or nothing decides, and
`--explain` says where each came from.

Expected scopes are the ones AWS documents for these endpoints (issue 12's three examples):
Auto Scaling Plans signs as ``autoscaling-plans`` on its legacy ``autoscaling`` host, an
OpenSearch domain as ``es``, an OpenSearch Serverless collection as ``aoss``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, List

import pytest

from .support import AK, FakeImds, Result, assert_no_secret, aws_file, keys_in_environment, run

AT = ["--at", "2026-01-15T10:00:00Z"]
PLANS = "AnyScaleScalingPlannerFrontendService.DescribeScalingPlans"


def scope_of(result: Result) -> str:
    """The credential scope in the printed Authorization header or presigned URL."""
    text = result.text
    found = re.search(r"Credential=[^/]+/(\d{8}/[^,&\s]+)", text) or re.search(
        r"X-Amz-Credential=[^%]+%2F([^&\s]+)", text
    )
    assert found, text
    return found.group(1).replace("%2F", "/")


@pytest.fixture(autouse=True)
def _keys(monkeypatch: Any) -> None:
    keys_in_environment(monkeypatch)


def test_auto_scaling_plans_target_on_the_autoscaling_host() -> None:
    result = run(
        [
            "sign",
            "POST",
            "https://autoscaling.ap-northeast-1.amazonaws.com/",
            "-H",
            f"X-Amz-Target: {PLANS}",
            "-H",
            "Content-Type: application/x-amz-json-1.1",
            "-d",
            "{}",
            "--explain",
            *AT,
        ]
    )
    assert result.code == 0, result.err
    assert scope_of(result) == "20260115/ap-northeast-1/autoscaling-plans/aws4_request"
    assert "# service autoscaling-plans: X-Amz-Target prefix" in result.text
    assert "# region ap-northeast-1: host 'autoscaling.ap-northeast-1.amazonaws.com'" in result.text


def test_auto_scaling_without_target_stays_auto_scaling() -> None:
    url = "https://autoscaling.ap-northeast-1.amazonaws.com/?Action=DescribeAutoScalingGroups"
    result = run(["sign", "GET", url + "&Version=2011-01-01", *AT])
    assert result.code == 0, result.err
    assert scope_of(result) == "20260115/ap-northeast-1/autoscaling/aws4_request"


@pytest.mark.parametrize(
    "url, scope",
    [
        (
            "https://search-mydomain-abc123xyz.ap-northeast-1.es.amazonaws.com/_search",
            "20260115/ap-northeast-1/es/aws4_request",
        ),
        (
            "https://vpc-logs-1a2b3c.eu-west-1.es.amazonaws.com/_cluster/health",
            "20260115/eu-west-1/es/aws4_request",
        ),
        (
            "https://0123456789abcdefghij.us-east-1.aoss.amazonaws.com/index/_doc/1",
            "20260115/us-east-1/aoss/aws4_request",
        ),
    ],
    ids=["opensearch-domain", "opensearch-vpc-domain", "opensearch-serverless"],
)
@pytest.mark.parametrize("command", ["sign", "presign"])
def test_opensearch_hosts(command: str, url: str, scope: str) -> None:
    result = run([command, "GET", url, *AT])
    assert result.code == 0, result.err
    assert scope_of(result) == scope


@pytest.mark.parametrize(
    "argv, words",
    [
        # the host is ECS, the target DynamoDB: they disagree
        (
            [
                "sign",
                "POST",
                "https://ecs.us-east-1.amazonaws.com/",
                "-H",
                "X-Amz-Target: DynamoDB_20120810.ListTables",
            ],
            ["cannot infer the service", "--service"],
        ),
        # the target names Auto Scaling Plans, the host is EC2's
        (
            [
                "presign",
                "POST",
                "https://ec2.us-east-1.amazonaws.com/",
                "-H",
                f"X-Amz-Target: {PLANS}",
            ],
            ["--service"],
        ),
        # nothing decides: not an AWS host, no API named
        (["sign", "GET", "https://example.com/"], ["--service", "--region"]),
        (["presign", "GET", "http://127.0.0.1:9000/bucket/key"], ["--service", "--region"]),
        (["call", "GET", "http://127.0.0.1:9/"], ["--service", "--region"]),
    ],
    ids=["target-vs-host", "presign-target-vs-host", "custom-host", "ip-host", "call"],
)
def test_refusals_say_what_to_pass(argv: List[str], words: List[str]) -> None:
    result = run(argv)
    assert result.code == 2
    assert result.err.count("\n") == 1 and result.err.startswith("sigbridge: error: ")
    for word in words:
        assert word in result.err
    assert result.out == b""
    assert_no_secret(result)


def test_explain_names_given_values_too() -> None:
    url = "https://search-mydomain-abc123xyz.ap-northeast-1.es.amazonaws.com/_search"
    result = run(["sign", "GET", url, "--region", "us-west-2", "--service", "es", "--explain"])
    assert result.code == 0, result.err
    assert "# region us-west-2: --region" in result.text
    assert "# service es: --service" in result.text
    assert f"# credentials {AK}: environment" in result.text
    result = run(["sign", "GET", url, "-o", "region=eu-north-1", "--explain"])
    assert "# region eu-north-1: -o region" in result.text
    assert "# service es: OpenSearch domain host" in result.text


def test_the_host_names_the_region_over_the_configured_one(monkeypatch: Any) -> None:
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    result = run(["sign", "GET", "https://sts.eu-west-1.amazonaws.com/", "--explain", *AT])
    assert scope_of(result) == "20260115/eu-west-1/sts/aws4_request"


def test_a_host_without_region_takes_the_configured_one(
    monkeypatch: Any, clean_environment: Path
) -> None:
    url = "https://api.example.com/prod/items"
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-central-1")
    result = run(["sign", "GET", url, "--service", "execute-api", "--explain", *AT])
    assert result.code == 0, result.err
    assert scope_of(result) == "20260115/eu-central-1/execute-api/aws4_request"
    assert "# region eu-central-1: AWS_DEFAULT_REGION" in result.text
    monkeypatch.delenv("AWS_DEFAULT_REGION")
    aws_file(clean_environment, "config", "[default]\noutput = json\nregion = ap-south-1\n")
    result = run(["sign", "GET", url, "--service", "execute-api", "--explain", *AT])
    assert scope_of(result) == "20260115/ap-south-1/execute-api/aws4_request"
    assert "# region ap-south-1: profile 'default' (~/.aws/config line 3)" in result.text
    # an explicit region still wins
    result = run(["sign", "GET", url, "--service", "execute-api", "--region", "sa-east-1", *AT])
    assert scope_of(result) == "20260115/sa-east-1/execute-api/aws4_request"


@pytest.mark.slow
def test_a_host_without_region_asks_instance_metadata_last(monkeypatch: Any) -> None:
    with FakeImds(region="ca-central-1") as imds:
        monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
        monkeypatch.setenv("AWS_EC2_METADATA_SERVICE_ENDPOINT", imds.url)
        result = run(
            ["sign", "GET", "https://api.example.com/", "--service", "execute-api", "--explain"]
        )
        assert result.code == 0, result.err
        assert "# region ca-central-1: EC2 instance metadata" in result.text
        # a request whose signing name is not decided asks nothing of the network
        before = len(imds.seen)
        assert run(["sign", "GET", "https://api.example.com/"]).code == 2
        assert len(imds.seen) == before


def test_region_missing_says_where_it_may_come_from() -> None:
    result = run(["sign", "GET", "https://api.example.com/", "--service", "execute-api"])
    assert result.code == 2
    assert "--region" in result.err and "AWS_REGION" in result.err
