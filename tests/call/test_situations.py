"""Issue 12's five situations, end to end, each as the command a user types.

Every command runs as its own process against real parts on 127.0.0.1: moto's server where it
implements the API, else ``sigbridge serve`` (its own process too), which verifies the
signature, the credential scope it is started for, and the session token.  The README shows
the same commands with AWS's endpoints in place of ``--endpoint-url``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator

import pytest

from .support import (
    AK,
    SECRET,
    TOKEN,
    FakeImds,
    assert_no_secret,
    moto_server,
    serve_process,
    typed,
    write,
)

pytestmark = pytest.mark.slow

INSTANCE_KEY = "ASIAIMDSEXAMPLE"
KEYS = {"AWS_ACCESS_KEY_ID": AK, "AWS_SECRET_ACCESS_KEY": SECRET}


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    pytest.importorskip("moto")
    with moto_server() as url:
        yield url


@pytest.fixture
def accepted(tmp_path: Path) -> Path:
    """The credentials ``sigbridge serve`` accepts: the user's keys, the instance role's and
    a Lambda's temporary ones (with their session token)."""
    entries: Dict[str, Any] = {
        AK: SECRET,
        INSTANCE_KEY: {"secret_key": SECRET, "token": TOKEN},
        "ASIALAMBDAEXAMPLE": {"secret_key": SECRET, "token": TOKEN},
    }
    return write(tmp_path / "accepted.json", json.dumps(entries))


def account(result: Any) -> Dict[str, Any]:
    assert result.code == 0, result.err
    assert_no_secret(result)
    found: Dict[str, Any] = json.loads(result.out)
    return found


def test_listing_ecs_clusters_from_a_script(moto: str) -> None:
    created = typed(
        f'sigbridge call ecs CreateCluster \'{{"clusterName": "batch"}}\' '
        f"--region us-east-1 --endpoint-url {moto}",
        KEYS,
    )
    assert created.code == 0, created.err
    listed = typed(
        "sigbridge call ecs ListClusters '{}'",
        {
            **KEYS,
            "AWS_REGION": "us-east-1",
            "AWS_ENDPOINT_URL_ECS": moto,
        },
    )
    assert listed.code == 0, listed.err
    arns = json.loads(listed.out)["clusterArns"]
    assert "arn:aws:ecs:us-east-1:123456789012:cluster/batch" in arns
    assert_no_secret(listed)


def test_ec2_with_instance_role_credentials_and_session_token(
    accepted: Path, monkeypatch: Any
) -> None:
    # No keys anywhere: the chain ends at the instance's metadata service (IMDSv2), which also
    # gives the region; serve checks the scope and the session token that came with the role.
    monkeypatch.delenv("AWS_EC2_METADATA_DISABLED")
    with FakeImds(access_key=INSTANCE_KEY, region="eu-central-1") as imds, serve_process(
        accepted, "--service", "ec2", "--region", "eu-central-1"
    ) as ec2:
        env = {"AWS_EC2_METADATA_SERVICE_ENDPOINT": imds.url}
        result = typed(
            "sigbridge call ec2 DescribeInstances Filter.1.Name=instance-state-name "
            f"Filter.1.Value.1=running --endpoint-url {ec2} -v",
            env,
        )
        found = account(result)
        assert (found["access_key"], found["region"], found["service"]) == (
            INSTANCE_KEY,
            "eu-central-1",
            "ec2",
        )
        assert "x-amz-security-token" in found["signed_headers"]
        assert "* region eu-central-1: EC2 instance metadata" in result.err
        assert f"* credentials {INSTANCE_KEY}: EC2 instance metadata" in result.err
        assert [s.method for s in imds.seen][:1] == ["PUT"]  # IMDSv2 token first


def test_auto_scaling_plans(accepted: Path) -> None:
    with serve_process(
        accepted, "--service", "autoscaling-plans", "--region", "ap-northeast-1"
    ) as plans:
        by_operation = typed(
            "sigbridge call autoscaling-plans DescribeScalingPlans '{}' "
            f"--region ap-northeast-1 --endpoint-url {plans}",
            KEYS,
        )
        assert account(by_operation)["service"] == "autoscaling-plans"
        # The request as the Auto Scaling Plans reference shows it, on the autoscaling host:
        # the target names the API, so it signs as autoscaling-plans.
        by_url = typed(
            "sigbridge call POST https://autoscaling.ap-northeast-1.amazonaws.com/ "
            "-H 'X-Amz-Target: AnyScaleScalingPlannerFrontendService.DescribeScalingPlans' "
            f"-H 'Content-Type: application/x-amz-json-1.1' -d '{{}}' --endpoint-url {plans}",
            KEYS,
        )
        assert account(by_url)["service"] == "autoscaling-plans"
        # What hand-rolled code did (the host's name as signing name) is refused as AWS does.
        wrong = typed(
            "sigbridge call POST https://autoscaling.ap-northeast-1.amazonaws.com/ "
            "-H 'X-Amz-Target: AnyScaleScalingPlannerFrontendService.DescribeScalingPlans' "
            f"-d '{{}}' --service autoscaling --endpoint-url {plans}",
            KEYS,
        )
        assert wrong.code == 1 and "HTTP 403" in wrong.err


def test_opensearch_domain_from_a_lambda(accepted: Path) -> None:
    # A Lambda function's environment: temporary keys, a session token and AWS_REGION.
    lambda_env = {
        "AWS_ACCESS_KEY_ID": "ASIALAMBDAEXAMPLE",
        "AWS_SECRET_ACCESS_KEY": SECRET,
        "AWS_SESSION_TOKEN": TOKEN,
        "AWS_REGION": "ap-northeast-1",
    }
    with serve_process(accepted, "--service", "es", "--region", "ap-northeast-1") as domain:
        result = typed(
            "sigbridge call POST "
            "https://search-mydomain-abc123xyz.ap-northeast-1.es.amazonaws.com/movies/_search "
            "-H 'Content-Type: application/json' -d '{\"query\": {\"match_all\": {}}}' "
            f"--endpoint-url {domain}",
            lambda_env,
        )
        found = account(result)
        assert (found["service"], found["region"]) == ("es", "ap-northeast-1")
        assert "x-amz-security-token" in found["signed_headers"]


def test_replacing_a_hand_rolled_sigv2_describe_instances(accepted: Path) -> None:
    with serve_process(accepted) as ec2:
        result = typed(
            "sigbridge call ec2 DescribeInstances Filter.1.Name=instance-state-name "
            f"Filter.1.Value.1=running --scheme sigv2 --endpoint-url {ec2}",
            KEYS,
        )
        assert account(result)["scheme"] == "sigv2"
        # the same call in SigV4, the migration's target, verifies too
        result = typed(
            "sigbridge call ec2 DescribeInstances Filter.1.Name=instance-state-name "
            f"Filter.1.Value.1=running --region us-east-1 --endpoint-url {ec2}",
            KEYS,
        )
        assert account(result)["scheme"] == "sigv4"
