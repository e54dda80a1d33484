"""`sigbridge call` against moto's server on 127.0.0.1 (started and stopped here): ECS, EC2,
STS in the operation form, S3 put/get/list in the URL form, all through ``--endpoint-url``.

moto answers as the services do (it does not check signatures: `test_call_serve` does); what
is checked here is that the requests the operation form builds are the ones the services
understand, and that bodies come back byte for byte.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any, Iterator, List

import pytest

from .support import assert_no_secret, keys_in_environment, moto_server, run

pytestmark = pytest.mark.slow
pytest.importorskip("moto")


@pytest.fixture(scope="module")
def moto() -> Iterator[str]:
    with moto_server() as url:
        yield url


@pytest.fixture(autouse=True)
def _keys(monkeypatch: Any) -> None:
    keys_in_environment(monkeypatch)


def call(moto: str, *words: str) -> Any:
    result = run(["call", *words, "--region", "us-east-1", "--endpoint-url", moto])
    assert_no_secret(result)
    return result


def local_names(xml: bytes, tag: str) -> List[str]:
    root = ET.fromstring(xml)
    return [e.text or "" for e in root.iter() if e.tag.rpartition("}")[2] == tag]


def test_ecs_create_and_list_clusters(moto: str) -> None:
    created = call(moto, "ecs", "CreateCluster", '{"clusterName": "prod"}')
    assert created.code == 0, created.err
    assert json.loads(created.out)["cluster"]["clusterName"] == "prod"
    listed = call(moto, "ecs", "ListClusters", "{}")
    assert listed.code == 0, listed.err
    assert any(arn.endswith(":cluster/prod") for arn in json.loads(listed.out)["clusterArns"])


def test_ec2_describe_regions(moto: str) -> None:
    result = call(moto, "ec2", "DescribeRegions")
    assert result.code == 0, result.err
    assert "eu-west-1" in local_names(result.out, "regionName")


def test_ec2_describe_instances_with_a_filter(moto: str) -> None:
    run_instances = call(
        moto, "ec2", "RunInstances", "ImageId=ami-12c6146b", "MinCount=1", "MaxCount=1"
    )
    assert run_instances.code == 0, run_instances.err
    started = local_names(run_instances.out, "instanceId")[0]
    running = call(
        moto,
        "ec2",
        "DescribeInstances",
        "Filter.1.Name=instance-state-name",
        "Filter.1.Value.1=running",
    )
    assert running.code == 0, running.err
    assert started in local_names(running.out, "instanceId")
    stopped = call(
        moto,
        "ec2",
        "DescribeInstances",
        "Filter.1.Name=instance-state-name",
        "Filter.1.Value.1=stopped",
    )
    assert started not in local_names(stopped.out, "instanceId")


def test_sts_get_caller_identity(moto: str) -> None:
    result = call(moto, "sts", "GetCallerIdentity")
    assert result.code == 0, result.err
    assert local_names(result.out, "Account") == ["123456789012"]


def test_s3_put_get_list_in_the_url_form(moto: str, tmp_path: Path) -> None:
    bucket = "https://s3.us-east-1.amazonaws.com/call-bucket"
    assert call(moto, "PUT", bucket).code == 0
    payload = bytes(range(256)) * 64
    source = tmp_path / "payload.bin"
    source.write_bytes(payload)
    key = bucket + "/dir/a b+c/ü.bin"
    put = call(moto, "PUT", key, "-d", f"@{source}")
    assert put.code == 0, put.err
    target = tmp_path / "copy.bin"
    got = call(moto, "GET", key, "--output", str(target))
    assert got.code == 0 and got.out == b""
    assert target.read_bytes() == payload
    listed = call(moto, "GET", bucket + "?list-type=2&prefix=dir/")
    assert listed.code == 0, listed.err
    assert local_names(listed.out, "Key") == ["dir/a b+c/ü.bin"]
    head = call(moto, "-i", "HEAD", key)
    assert head.code == 0 and head.text.startswith("HTTP/1.1 200")
    assert f"Content-Length: {len(payload)}" in head.text.replace(
        "content-length", "Content-Length"
    )


def test_s3_missing_key_is_exit_1_with_aws_code(moto: str) -> None:
    missing = call(moto, "GET", "https://s3.us-east-1.amazonaws.com/call-bucket-2/nothing")
    assert missing.code == 1
    assert "sigbridge: HTTP 404" in missing.err and "NoSuchBucket" in missing.err
    assert b"NoSuchBucket" in missing.out  # the body is printed, as curl does
    failed = call(moto, "GET", "https://s3.us-east-1.amazonaws.com/call-bucket-2/x", "--fail")
    assert failed.code == 1 and failed.out == b"" and "NoSuchBucket" in failed.err
