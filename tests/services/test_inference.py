"""Region and signing-name inference: the cases that were wrong, every host form, the request's
evidence, explicit values and the refusals.

Expected values come from botocore's endpoint rules (``_oracle``) wherever botocore can produce
the host; forms botocore no longer generates (legacy S3 spellings, legacy global hosts) carry the
AWS documentation they come from.
"""

from __future__ import annotations

from typing import Any, Dict, List, Optional, Tuple

import pytest

from signers.errors import AmbiguousScope, InvalidRequest
from signers.model import Request
from signers.services import infer

from ._oracle import s3_endpoint

AT_TARGET = "X-Amz-Target"


def _infer(url: str, headers: Any = (), body: bytes = b"", **kw: Any) -> Tuple[str, str]:
    result = infer(Request("POST", url, headers, body), **kw)
    return result.service, result.region


# -- the three that were wrong -----------------------------------------------------------------


def test_autoscaling_plans_target_on_the_autoscaling_host() -> None:
    request = Request(
        "POST",
        "https://autoscaling.ap-northeast-1.amazonaws.com/",
        [
            (AT_TARGET, "AnyScaleScalingPlannerFrontendService.DescribeScalingPlans"),
            ("Content-Type", "application/x-amz-json-1.1"),
        ],
        b"{}",
    )
    result = infer(request)
    # botocore signs this API as autoscaling-plans (its model's signingName)
    from ._oracle import session

    model = session().get_service_model("autoscaling-plans")
    assert model.metadata["targetPrefix"] == "AnyScaleScalingPlannerFrontendService"
    assert (result.service, result.region) == (model.signing_name, "ap-northeast-1")
    assert "X-Amz-Target prefix 'AnyScaleScalingPlannerFrontendService'" in result.service_source
    assert "legacy endpoint" in result.service_source
    assert result.services == ("autoscaling-plans",)


def test_opensearch_domain_host_signs_as_es() -> None:
    host = "search-mydomain-abc123xyz.ap-northeast-1.es.amazonaws.com"
    result = infer(Request("GET", f"https://{host}/_search"))
    assert (result.service, result.region) == ("es", "ap-northeast-1")
    assert result.service_source.startswith("OpenSearch domain host")


def test_opensearch_serverless_collection_host_signs_as_aoss() -> None:
    result = infer(Request("GET", "https://07tjusf2h91cunochc.us-east-1.aoss.amazonaws.com/idx"))
    assert (result.service, result.region) == ("aoss", "us-east-1")
    assert "OpenSearch Serverless" in result.service_source


# -- host forms, botocore as the oracle -----------------------------------------------------------

S3_FORMS: List[Tuple[str, Dict[str, Any]]] = [
    ("virtual-hosted", {"Bucket": "mybucket", "Region": "us-west-2"}),
    ("virtual-hosted-dotted", {"Bucket": "my.bucket.name", "Region": "eu-west-1"}),
    ("path-style", {"Region": "us-west-2"}),
    ("dualstack", {"Bucket": "mybucket", "Region": "us-west-2", "UseDualStack": True}),
    ("fips", {"Bucket": "mybucket", "Region": "us-west-2", "UseFIPS": True}),
    (
        "fips-dualstack",
        {"Bucket": "mybucket", "Region": "us-west-2", "UseFIPS": True, "UseDualStack": True},
    ),
    ("global", {"Bucket": "mybucket", "Region": "us-east-1", "UseGlobalEndpoint": True}),
    ("aws-global", {"Region": "aws-global"}),
    ("china", {"Bucket": "mybucket", "Region": "cn-north-1"}),
    ("govcloud", {"Bucket": "mybucket", "Region": "us-gov-west-1"}),
    (
        "access-point",
        {
            "Bucket": "arn:aws:s3:us-west-2:123456789012:accesspoint/myendpoint",
            "Region": "us-west-2",
        },
    ),
    (
        "object-lambda",
        {
            "Bucket": "arn:aws:s3-object-lambda:us-west-2:123456789012:accesspoint/mybanner",
            "Region": "us-west-2",
        },
    ),
    (
        "outposts",
        {
            "Bucket": "arn:aws:s3-outposts:us-west-2:123456789012:outpost/op-01234567890123456/"
            "accesspoint/reports",
            "Region": "us-west-2",
        },
    ),
    ("express", {"Bucket": "mybucket--usw2-az1--x-s3", "Region": "us-west-2"}),
    ("express-control", {"Region": "us-west-2", "UseS3ExpressControlEndpoint": True}),
]


@pytest.mark.parametrize("params", [p for _, p in S3_FORMS], ids=[f"s3::{n}" for n, _ in S3_FORMS])
def test_s3_host_forms_match_botocore(params: Dict[str, Any]) -> None:
    expected = s3_endpoint(**params)
    assert expected.signing_region is not None
    result = infer(Request("GET", f"https://{expected.host}/key"))
    assert (result.service, result.region) == (expected.signing_name, expected.signing_region)
    assert expected.host in result.service_source


@pytest.mark.parametrize(
    "params, why",
    [
        ({"Bucket": "mybucket", "Region": "us-west-2", "Accelerate": True}, "Transfer Accel"),
        (
            {
                "Bucket": "arn:aws:s3::123456789012:accesspoint/mfzwi23gnjvgw.mrap",
                "Region": "us-west-2",
            },
            "multi-region access point",
        ),
    ],
    ids=["s3::accelerate", "s3::multi-region-access-point"],
)
def test_s3_hosts_without_a_region_ask_for_one(params: Dict[str, Any], why: str) -> None:
    # botocore signs these with the client's region (accelerate) or SigV4A's '*' (MRAP): the host
    # alone cannot say which
    expected = s3_endpoint(**params)
    with pytest.raises(AmbiguousScope) as caught:
        infer(Request("GET", f"https://{expected.host}/key"))
    assert "--region" in str(caught.value) and why in str(caught.value)
    result = infer(Request("GET", f"https://{expected.host}/key"), region="us-west-2")
    assert result.service == expected.signing_name


# (service, region, UseFIPS, UseDualStack): one host per spelling botocore generates today
GENERIC_FORMS = [
    ("ec2", "us-west-2", False, False),
    ("ec2", "us-west-2", True, False),  # svc-fips.region
    ("ec2", "us-west-2", False, True),  # svc.region.api.aws (dual-stack)
    ("ec2", "cn-north-1", False, False),  # .amazonaws.com.cn
    ("ec2", "cn-north-1", False, True),  # China dual-stack suffix
    ("dynamodb", "us-gov-west-1", True, False),
    ("batch", "us-east-1", True, False),  # fips.batch.region
    ("ses", "eu-west-1", False, False),  # email.* signs as ses
    ("iot-data", "eu-west-1", False, False),  # data-ats.iot.* signs as iotdata
    ("sagemaker-runtime", "us-east-1", False, False),  # runtime.sagemaker.*
    ("es", "us-west-2", False, True),  # aos.region.api.aws
    ("geo-maps", "us-west-2", False, False),  # maps.geo.region
    ("sqs", "eu-west-1", False, False),
    ("iam", "us-west-2", False, False),  # iam.amazonaws.com signs for us-east-1
    ("iam", "cn-north-1", False, False),  # China's partition endpoint
    ("iam", "us-gov-west-1", False, False),
    ("sts", "aws-global", False, False),  # sts.amazonaws.com
    ("route53", "us-west-2", False, False),
    ("route53", "cn-north-1", False, False),
    ("cloudfront", "eu-central-1", False, False),
    ("organizations", "eu-west-1", False, False),
    ("health", "aws-global", False, False),  # global.health.amazonaws.com
    ("networkmanager", "aws-global", False, False),  # global, but signs for us-west-2
    ("sustainability", "us-west-2", False, False),  # names us-west-2, SigV4 signs us-east-1
]


@pytest.mark.slow
@pytest.mark.parametrize(
    "name, region, fips, dualstack",
    GENERIC_FORMS,
    ids=[
        f"{n}::{r}{'-fips' if f else ''}{'-dualstack' if d else ''}" for n, r, f, d in GENERIC_FORMS
    ],
)
def test_host_forms_match_botocore(name: str, region: str, fips: bool, dualstack: bool) -> None:
    from ._oracle import session, skip_unless_known

    skip_unless_known(name)
    client = session().create_client(
        name,
        region_name=region,
        aws_access_key_id="AKIDEXAMPLE",
        aws_secret_access_key="x",
        config=__import__("botocore.config").config.Config(
            use_fips_endpoint=fips, use_dualstack_endpoint=dualstack
        ),
    )
    from urllib.parse import urlsplit

    model = client.meta.service_model
    operation = model.operation_model(model.operation_names[0])
    endpoint = client._ruleset_resolver.construct_endpoint(operation, {}, {})
    schemes = [s for s in endpoint.properties.get("authSchemes", [{}]) if s.get("name") != "sigv4a"]
    scheme = schemes[0] if schemes else {}
    host = urlsplit(endpoint.url).hostname
    result = infer(Request("GET", f"https://{host}/"))
    expected = (scheme.get("signingName", model.signing_name), scheme.get("signingRegion", region))
    assert (result.service, result.region) == expected, host


# -- forms botocore no longer generates (expected values from AWS's documentation) -------------

LEGACY = [
    # S3 "legacy endpoints" (Amazon S3 user guide, "Virtual hosting of buckets"): s3-REGION
    ("bucket.s3-us-west-2.amazonaws.com", "s3", "us-west-2"),
    ("s3-eu-west-1.amazonaws.com", "s3", "eu-west-1"),
    ("bucket.s3-external-1.amazonaws.com", "s3", "us-east-1"),
    ("bucket.s3.amazonaws.com", "s3", "us-east-1"),
    ("s3.amazonaws.com", "s3", "us-east-1"),
    # the original US East endpoints, before regions were in host names
    ("ec2.amazonaws.com", "ec2", "us-east-1"),
    ("sdb.amazonaws.com", "sdb", "us-east-1"),
    ("queue.amazonaws.com", "sqs", "us-east-1"),
    ("elasticloadbalancing.amazonaws.com", "elasticloadbalancing", "us-east-1"),
    # region first: SQS's and EC2's older spelling
    ("eu-west-1.queue.amazonaws.com", "sqs", "eu-west-1"),
    ("eu-west-1.ec2.amazonaws.com", "ec2", "eu-west-1"),
    # FIPS as its own label, and dual-stack as a label before the region
    ("dynamodb.fips.us-east-1.amazonaws.com", "dynamodb", "us-east-1"),
    ("s3.dualstack.ap-south-1.amazonaws.com", "s3", "ap-south-1"),
    # resource names before a known prefix: an API Gateway API, an OpenSearch VPC domain
    ("a1b2c3d4e5.execute-api.us-east-1.amazonaws.com", "execute-api", "us-east-1"),
    ("vpc-logs-abc123xyz.eu-west-1.es.amazonaws.com", "es", "eu-west-1"),
    ("EC2.US-WEST-1.AMAZONAWS.COM:443", "ec2", "us-west-1"),
]


@pytest.mark.parametrize("host, service, region", LEGACY, ids=[h for h, _, _ in LEGACY])
def test_documented_host_forms(host: str, service: str, region: str) -> None:
    result = infer(Request("GET", f"https://{host}/"))
    assert (result.service, result.region) == (service, region)


# -- the request's own evidence ----------------------------------------------------------------


def test_target_names_the_api_on_a_custom_domain() -> None:
    headers = [(AT_TARGET, "AmazonEC2ContainerServiceV20141113.ListClusters")]
    result = infer(Request("POST", "http://localhost:4566/", headers, b"{}"), region="us-east-1")
    assert (result.service, result.region) == ("ecs", "us-east-1")
    assert result.region_source == "given"
    assert result.service_source.startswith("X-Amz-Target prefix 'AmazonEC2ContainerServiceV")


def test_query_action_and_version_name_the_api() -> None:
    body = b"Action=DescribeRegions&Version=2016-11-15"
    headers = [("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")]
    result = infer(Request("POST", "http://127.0.0.1:8000/", headers, body), region="eu-west-1")
    assert (result.service, result.services) == ("ec2", ("ec2",))
    assert "Action=DescribeRegions&Version=2016-11-15" in result.service_source
    url = "https://autoscaling.us-east-1.amazonaws.com/?Action=DescribeAutoScalingGroups&Version=2011-01-01"
    assert infer(Request("GET", url)).services == ("autoscaling",)


def test_rpcv2_cbor_path_names_the_api() -> None:
    url = "http://localhost:4566/service/GraniteServiceVersion20100801/operation/GetMetricData"
    result = infer(Request("POST", url, [("smithy-protocol", "rpc-v2-cbor")]), region="us-east-1")
    assert result.service == "monitoring"


def test_target_that_contradicts_the_host_is_refused() -> None:
    headers = [(AT_TARGET, "AmazonEC2ContainerServiceV20141113.ListClusters")]
    with pytest.raises(AmbiguousScope) as caught:
        infer(Request("POST", "https://dynamodb.us-east-1.amazonaws.com/", headers, b"{}"))
    message = str(caught.value)
    assert "--service" in message and "dynamodb" in message and "ecs" in message
    assert caught.value.field == "service"
    # the caller resolves it by saying which
    assert _infer("https://dynamodb.us-east-1.amazonaws.com/", headers, service="ecs")[0] == "ecs"


def test_target_of_the_hosts_own_api_agrees() -> None:
    headers = [(AT_TARGET, "DynamoDB_20120810.GetItem")]
    result = infer(Request("POST", "https://dynamodb.eu-west-1.amazonaws.com/", headers, b"{}"))
    assert (result.service, result.region) == ("dynamodb", "eu-west-1")
    assert "X-Amz-Target" in result.service_source and "host" in result.service_source


# -- explicit values, refusals -------------------------------------------------------------------


def test_explicit_values_fill_only_what_is_missing() -> None:
    url = "https://ec2.us-west-2.amazonaws.com/"
    result = infer(Request("GET", url), region="eu-west-3")
    assert (result.region, result.region_source) == ("eu-west-3", "given")
    assert (result.service, result.service_source) == ("ec2", "host 'ec2.us-west-2.amazonaws.com'")
    result = infer(Request("GET", url), service="custom")
    assert (result.service, result.service_source) == ("custom", "given")
    assert result.region == "us-west-2"
    assert result.lines() == [
        "region us-west-2: host 'ec2.us-west-2.amazonaws.com'",
        "service custom: given",
    ]


def test_global_endpoint_source_says_which_region_it_signs_for() -> None:
    result = infer(Request("GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08"))
    assert result.region_source == "global endpoint iam.amazonaws.com signs for us-east-1"


@pytest.mark.parametrize(
    "url, missing",
    [
        ("http://localhost:9000/bucket/key", "--service NAME and --region NAME"),
        ("https://minio.example.net/bucket", "--service NAME and --region NAME"),
        ("http://[::1]:8080/", "--service NAME and --region NAME"),
        ("https://amazonaws.com/", "--service NAME and --region NAME"),
        ("https://codecatalyst.global.api.aws/", "--region NAME"),
    ],
)
def test_nothing_decides_one_line_naming_the_flags(url: str, missing: str) -> None:
    with pytest.raises(AmbiguousScope) as caught:
        infer(Request("GET", url))
    message = str(caught.value)
    assert "\n" not in message and message.endswith("pass " + missing)
    assert isinstance(caught.value, InvalidRequest)


def test_unknown_aws_prefix_is_assumed_and_says_so() -> None:
    # a service newer than the table: botocore's own default (signing name = endpoint prefix)
    result = infer(Request("GET", "https://brandnewsvc.eu-west-1.amazonaws.com/"))
    assert (result.service, result.region) == ("brandnewsvc", "eu-west-1")
    assert "not in the service table" in result.service_source
    assert "assumed" in result.service_source


def test_endpoints_shim_reads_the_table() -> None:
    from signers.endpoints import infer_scope

    scope = infer_scope("search-mydomain-abc123xyz.ap-northeast-1.es.amazonaws.com")
    assert (scope.service, scope.region, scope.global_endpoint) == ("es", "ap-northeast-1", False)
    scope = infer_scope("iam.amazonaws.com")
    assert (scope.service, scope.region, scope.global_endpoint) == ("iam", "us-east-1", True)
    scope = infer_scope("localhost:9000")
    assert scope.service is None and scope.region is None and "give" in scope.reason


def test_optional_region_value_is_kept_as_given() -> None:
    region: Optional[str] = "us-east-1"
    result = infer(Request("GET", "http://localhost/"), service="s3", region=region)
    assert result == infer(Request("GET", "http://localhost/"), service="s3", region="us-east-1")
    assert result.services == ()
