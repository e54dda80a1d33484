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

#: Services whose hosts older botocore releases (the newest pip installs on Python 3.8 and 3.9)
#: resolve from rule sets the table's botocore has replaced: inference refuses those hosts, as the
#: table's botocore no longer sends there.
OLDER_RULE_SETS: Dict[str, str] = {
    "signin": "older rule sets send to REGION.signin.aws.amazon.com (and the cn/us-gov forms)",
}

REGIONS = ["us-west-2", "cn-north-1", "us-gov-west-1"]

# every test here is a long botocore run; the parameter lists alone (every service's model) took
# 0.3 s at collection, so the module is left out of the quick loop whole (tests/conftest.py)
pytestmark = pytest.mark.slow


def _check(name: str, region: str, resolved: Resolved) -> Optional[str]:
    """``None`` when inference agrees with botocore, else what differs."""
    request = Request("GET", resolved.url)
    if name in AMBIGUOUS:
        with pytest.raises(AmbiguousScope):
            infer(request)
        return None
    if name in OLDER_RULE_SETS and not same_botocore():
        try:
            infer(request)
        except AmbiguousScope:
            return None  # a host of the older rule set, unknown to the table
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
    older = name in OLDER_RULE_SETS and not same_botocore()
    if resolved.meta_url != resolved.url and name not in AMBIGUOUS and not older:
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
