"""Hosts botocore resolves only from extra parameters, and hosts several APIs share: inference
refuses the first without a region and tells the second apart by the request (botocore, the
test-time oracle, resolves and names the signing names)."""

from __future__ import annotations

import pytest

from signers.errors import AmbiguousScope
from signers.model import Request
from signers.services import infer

from ._oracle import resolve, session


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
