"""The operation form builds the request botocore would send (botocore's serializer and endpoint
resolver are the test-only oracle), and refuses what the service table cannot build."""

from __future__ import annotations

import functools
import json
from typing import Any, Dict, List
from urllib.parse import parse_qsl

import pytest

from signers import Credentials, Request
from signers._tools.call import (
    aws_error,
    endpoint_for,
    find_operation,
    masked_request,
    operation_request,
    scrub,
)
from signers.errors import InvalidOption, InvalidRequest
from signers.services import service

from .support import AK, SECRET, TOKEN

botocore_session = pytest.importorskip("botocore.session")


@functools.lru_cache(maxsize=None)
def _session() -> Any:
    return botocore_session.get_session()


def _client(name: str, region: str = "us-east-1") -> Any:
    return _session().create_client(
        name, region_name=region, aws_access_key_id=AK, aws_secret_access_key=SECRET
    )


def _botocore_request(name: str, operation: str, params: Dict[str, Any]) -> Dict[str, Any]:
    client = _client(name)
    model = client.meta.service_model.operation_model(operation)
    return dict(client._serializer.serialize_to_request(params, model))


@pytest.mark.parametrize(
    "name, operation, arguments, params",
    [
        ("ecs", "ListClusters", ["{}"], {}),
        ("ecs", "ListClusters", [], {}),
        ("ecs", "CreateCluster", ['{"clusterName": "prod"}'], {"clusterName": "prod"}),
        ("autoscaling-plans", "DescribeScalingPlans", ["{}"], {}),
        ("dynamodb", "ListTables", ['{"Limit": 5}'], {"Limit": 5}),
        ("opensearchserverless", "ListCollections", ["{}"], {}),
    ],
)
def test_json_operations_match_botocore(
    name: str, operation: str, arguments: List[str], params: Dict[str, Any]
) -> None:
    ours = operation_request(find_operation(name, operation), arguments, "https://e.example/")
    theirs = _botocore_request(name, operation, params)
    assert ours.method == theirs["method"] == "POST"
    assert ours.path == theirs["url_path"] == "/"
    for header in ("Content-Type", "X-Amz-Target"):
        assert ours.header(header) == theirs["headers"][header]
    assert json.loads(ours.body_bytes or b"") == json.loads(theirs["body"] or b"{}")


@pytest.mark.parametrize(
    "name, operation, arguments, params",
    [
        ("ec2", "DescribeRegions", [], {}),
        (
            "ec2",
            "DescribeInstances",
            ["Filter.1.Name=instance-state-name", "Filter.1.Value.1=running"],
            {"Filters": [{"Name": "instance-state-name", "Values": ["running"]}]},
        ),
        ("sts", "GetCallerIdentity", [], {}),
        ("iam", "ListUsers", ['{"MaxItems": 10}'], {"MaxItems": 10}),
        (
            "sts",
            "AssumeRole",
            ["RoleArn=arn:aws:iam::123456789012:role/a b", "RoleSessionName=s+1/ü"],
            {"RoleArn": "arn:aws:iam::123456789012:role/a b", "RoleSessionName": "s+1/ü"},
        ),
    ],
)
def test_query_operations_match_botocore(
    name: str, operation: str, arguments: List[str], params: Dict[str, Any]
) -> None:
    ours = operation_request(find_operation(name, operation), arguments, "https://e.example")
    theirs = _botocore_request(name, operation, params)
    assert ours.method == theirs["method"] == "POST"
    assert ours.url == "https://e.example/"
    content_type = theirs["headers"]["Content-Type"]
    assert ours.header("Content-Type") == content_type
    assert parse_qsl((ours.body_bytes or b"").decode(), keep_blank_values=True) == [
        (k, str(v)) for k, v in theirs["body"].items()
    ]


@pytest.mark.parametrize(
    "name", ["ecs", "ec2", "sts", "iam", "autoscaling-plans", "sqs", "sdb", "organizations", "ce"]
)
@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "cn-north-1"])
def test_endpoints_match_botocore(name: str, region: str, monkeypatch: Any) -> None:
    # STS: the regional hosts, botocore's default today (older releases are asked for them).
    monkeypatch.setenv("AWS_STS_REGIONAL_ENDPOINTS", "regional")
    try:
        expected = _client(name, region).meta.endpoint_url.rstrip("/")
    except Exception as exc:  # a service botocore has no endpoint for in that partition
        pytest.skip(f"botocore: {type(exc).__name__}")
    endpoint = endpoint_for(service(name), region, "--region")
    assert endpoint.url.rstrip("/") == expected


def test_global_endpoint_signs_for_its_own_region() -> None:
    endpoint = endpoint_for(service("iam"), "eu-west-1", "--region")
    assert endpoint.url == "https://iam.amazonaws.com/" and endpoint.region == "us-east-1"
    assert "global endpoint" in endpoint.source
    # a global API needs no region at all
    assert endpoint_for(service("iam"), None, "").region == "us-east-1"


@pytest.mark.parametrize(
    "name, operation, fragment",
    [
        ("ecs", "ListCluster", "did you mean ListClusters"),
        ("ecs", "listclusters", "did you mean ListClusters"),
        ("ec2", "Frobnicate", "has no operation 'Frobnicate'"),
        ("nosuchservice", "Op", "not in the service table"),
        ("s3", "ListBuckets", "URL form"),
        ("lambda", "ListFunctions", "URL form"),
    ],
)
def test_refusals_are_one_line(name: str, operation: str, fragment: str) -> None:
    with pytest.raises((InvalidOption, InvalidRequest)) as caught:
        find_operation(name, operation)
    assert fragment in str(caught.value) and "\n" not in str(caught.value)


@pytest.mark.parametrize(
    "name, arguments, fragment",
    [
        ("ecs", ["{not json"], "not a JSON document"),
        ("ecs", ["[1]"], "expected a JSON object"),
        ("ecs", ["{}", "{}"], "one JSON document"),
        ("ec2", ["novalue"], "expected Name=Value"),
        ("ec2", ['{"Filter": [1]}'], "flat names"),
    ],
)
def test_bad_parameters(name: str, arguments: List[str], fragment: str) -> None:
    operation = find_operation(name, "ListClusters" if name == "ecs" else "DescribeInstances")
    with pytest.raises(InvalidRequest) as caught:
        operation_request(operation, arguments, "https://e.example/")
    assert fragment in str(caught.value)


def test_masked_request_hides_signature_and_token_not_the_access_key() -> None:
    credentials = Credentials(AK, SECRET, TOKEN)
    import signers

    signer = signers.get_signer("sigv4", region="us-east-1", service="sts")
    signed = signer.sign(Request("GET", "https://sts.amazonaws.com/?Action=X"), credentials)
    shown = "\n".join(masked_request(signed.request, 0, {}))
    assert AK in shown and TOKEN not in shown and signed.signature not in shown
    assert "Signature=<masked>" in shown and "X-Amz-Security-Token: <masked>" in shown
    presigned = signers.get_signer("sigv4-query", region="us-east-1", service="s3").sign(
        Request("GET", "https://b.s3.amazonaws.com/k"), credentials
    )
    shown = "\n".join(masked_request(presigned.request, 0, {}))
    assert "X-Amz-Signature=<masked>" in shown and "X-Amz-Security-Token=<masked>" in shown
    assert TOKEN not in shown and presigned.signature not in shown
    legacy = signers.get_signer("s3-v2").sign(
        Request("GET", "https://b.s3.amazonaws.com/k"), credentials
    )
    shown = "\n".join(masked_request(legacy.request, 0, {}))
    assert f"Authorization: AWS {AK}:<masked>" in shown and legacy.signature not in shown
    # the last guard: secret and token (raw and URL-encoded) never survive scrub()
    text = f"a {SECRET} b {TOKEN} c {signers._encoding.uri_encode(TOKEN)}"
    assert SECRET not in scrub(text, credentials) and TOKEN not in scrub(text, credentials)


@pytest.mark.parametrize(
    "headers, body, code, message",
    [
        (
            [],
            b"<Error><Code>SignatureDoesNotMatch</Code><Message>no match</Message></Error>",
            "SignatureDoesNotMatch",
            "no match",
        ),
        (
            [],
            b"<ErrorResponse><Error><Type>Sender</Type><Code>InvalidClientTokenId</Code>"
            b"<Message>The security token included in the request is invalid.</Message>"
            b"</Error></ErrorResponse>",
            "InvalidClientTokenId",
            "The security token included in the request is invalid.",
        ),
        (
            [],
            b'{"__type": "com.amazon.coral.service#UnrecognizedClientException", '
            b'"message": "bad token"}',
            "UnrecognizedClientException",
            "bad token",
        ),
        (
            [("x-amzn-ErrorType", "AccessDeniedException:http://internal.amazon.com/")],
            b'{"Message": "denied"}',
            "AccessDeniedException",
            "denied",
        ),
        ([], b"<html>502 Bad Gateway</html>", None, None),
        ([], b"", None, None),
    ],
    ids=["s3-xml", "query-xml", "json-type", "rest-json-header", "html", "empty"],
)
def test_aws_error_reads_xml_json_and_headers(
    headers: List[Any], body: bytes, code: Any, message: Any
) -> None:
    found = aws_error(headers, body)
    assert (found.code, found.message) == (code, message)
