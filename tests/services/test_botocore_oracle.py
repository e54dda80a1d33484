"""Every service in botocore, in every partition's main region: the host botocore sends to must
infer back to the signing name and region botocore signs with, or be refused as ambiguous.

The exceptions are listed with the reason, and each is itself asserted, so a list that goes
stale fails.
"""

from __future__ import annotations

from typing import Dict, List, Optional, Tuple

import pytest

from signers.errors import AmbiguousScope
from signers.model import Request
from signers.services import infer, service_names

from ._oracle import Resolved, endpoint_prefix, resolve, same_botocore, session, skip_unless_known

#: Hosts botocore uses that no request can be inferred from, and why.
AMBIGUOUS: Dict[str, str] = {
    "appconfigcloudextension": "botocore's endpoint is the local AppConfig agent (localhost:5333)",
    "codecatalyst": "bearer-token service on codecatalyst.global.*: the host names no region",
}
#: Where the signing name botocore's rule set names is never used to sign.
SIGNING_NAME_UNUSED: Dict[str, str] = {
    "importexport": "a SigV2 service; its rule set's SigV4 name 'IngestionService' is never used",
}
#: Global hosts two partitions share (the same DNS suffix): read as the aws partition's.
SHARED_ACROSS_PARTITIONS: Dict[Tuple[str, str], str] = {
    ("budgets", "us-gov-west-1"): "budgets.amazonaws.com",
    ("cloudfront", "us-gov-west-1"): "cloudfront.amazonaws.com",
}

REGIONS = ["us-west-2", "cn-north-1", "us-gov-west-1"]


def _check(name: str, region: str, resolved: Resolved) -> Optional[str]:
    """``None`` when inference agrees with botocore, else what differs."""
    request = Request("GET", resolved.url)
    if name in AMBIGUOUS:
        with pytest.raises(AmbiguousScope):
            infer(request)
        return None
    result = infer(request)
    signing_name = resolved.signing_name
    if name in SIGNING_NAME_UNUSED:
        signing_name = session().get_service_model(name).signing_name
    expected_region = resolved.signing_region
    if resolved.host == SHARED_ACROSS_PARTITIONS.get((name, region)):
        expected_region = "us-east-1"
    if expected_region is None:  # SigV4A only, region set '*': the signing name must agree
        got, want = result.service, signing_name
    else:
        got, want = (result.service, result.region), (signing_name, expected_region)
    return None if got == want else f"{resolved.host}: inferred {got}, botocore {want}"


def _names() -> List[str]:
    from ._oracle import session as oracle_session

    return sorted(oracle_session().get_available_services())


@pytest.mark.slow
def test_the_table_covers_every_botocore_service() -> None:
    if not same_botocore():
        pytest.skip("the installed botocore is not the one the table was generated from")
    assert list(service_names()) == _names()
    # each listed exception is still one
    for (name, region), host in SHARED_ACROSS_PARTITIONS.items():
        resolved = resolve(name, region)
        assert resolved is not None and resolved.host == host


@pytest.mark.slow
@pytest.mark.parametrize("name", _names())
def test_botocore_host_in_us_west_2_infers_back(name: str) -> None:
    skip_unless_known(name)
    resolved = resolve(name, "us-west-2")
    if resolved is None:
        pytest.skip(f"botocore resolves {name}'s endpoint only with parameters (see below)")
    assert _check(name, "us-west-2", resolved) is None
    # client.meta.endpoint_url (botocore's endpoints.json view) names the same signing name
    if resolved.meta_url != resolved.url and name not in AMBIGUOUS:
        result = infer(Request("GET", resolved.meta_url))
        assert result.service == infer(Request("GET", resolved.url)).service


def _global_services() -> List[str]:
    import json
    import os

    import botocore

    path = os.path.join(os.path.dirname(botocore.__file__), "data", "endpoints.json")
    with open(path, encoding="utf-8") as handle:
        partitions = json.load(handle)["partitions"]
    prefixes = {
        key
        for partition in partitions
        for key, entry in partition["services"].items()
        if entry.get("partitionEndpoint") or "aws-global" in entry.get("endpoints", {})
    }
    return [name for name in _names() if endpoint_prefix(name) in prefixes]


@pytest.mark.slow
@pytest.mark.parametrize("name", _global_services())
def test_global_endpoints_infer_back(name: str) -> None:
    # botocore's global pseudo-region (sts.amazonaws.com, global.health.amazonaws.com ...)
    skip_unless_known(name)
    resolved = resolve(name, "aws-global")
    if resolved is None or "aws-global" in resolved.host:
        pytest.skip(f"{name} has no host for the aws-global pseudo-region")
    assert _check(name, "aws-global", resolved) is None


@pytest.mark.slow
@pytest.mark.parametrize("region", REGIONS[1:])
def test_other_partitions_infer_back(region: str) -> None:
    failures = []
    known = set(service_names())
    for name in _names():
        if name not in known:
            continue
        resolved = resolve(name, region)
        if resolved is not None:
            failure = _check(name, region, resolved)
            if failure:
                failures.append(f"{name}: {failure}")
    assert failures == []


def test_cloudfront_key_value_store_needs_its_arn_and_then_a_region() -> None:
    # botocore resolves this service only from a KVS ARN: the host is account.cloudfront-kvs.global
    # and it signs with SigV4A over '*', so the region is the caller's to give
    arn = "arn:aws:cloudfront::123456789012:key-value-store/a1b2c3d4-5678-90ab-cdef-EXAMPLE11111"
    assert resolve("cloudfront-keyvaluestore", "us-west-2") is None
    resolved = resolve("cloudfront-keyvaluestore", "us-west-2", KvsARN=arn)
    assert resolved is not None and resolved.signing_region is None
    with pytest.raises(AmbiguousScope) as caught:
        infer(Request("GET", resolved.url))
    assert "--region" in str(caught.value)


def test_shared_hosts_are_told_apart_by_the_request() -> None:
    # autoscaling.REGION answers for three APIs; botocore sends each to its own host today, and
    # the request's X-Amz-Target picks the signing name on the shared legacy one
    for name in ("application-autoscaling", "autoscaling-plans"):
        model = session().get_service_model(name)
        target = model.metadata["targetPrefix"] + "." + model.operation_names[0]
        request = Request(
            "POST", "https://autoscaling.eu-west-1.amazonaws.com/", [("X-Amz-Target", target)]
        )
        assert infer(request).service == model.signing_name
