"""Inferring the SigV4 region and signing name from an AWS host name, and saying how sure we are.

The signing name is not always the first label of the host: SES answers on ``email.*`` but signs
as ``ses``, IoT data on ``data-ats.iot.*`` as ``iotdata``, an OpenSearch domain
``search-NAME-ID.REGION.es.amazonaws.com`` as ``es``.  :func:`infer_scope` reads the host alone
through the service table of :mod:`signers.services` (generated from botocore's endpoint data);
when the host does not decide, it says so instead of guessing and callers ask for ``region=`` /
``service=``.  :func:`signers.services.infer` also reads the request (``X-Amz-Target``,
``Action``/``Version``) and is the one to use when a request is at hand.
"""

from __future__ import annotations

from typing import Dict, NamedTuple, Optional, Tuple

__all__ = ["Scope", "infer_scope", "SIGNING_NAME_BY_HOST_PREFIX", "GLOBAL_ENDPOINTS"]


class Scope(NamedTuple):
    """An inferred ``(service, region)`` and a human-readable account of where each came from.

    ``global_endpoint`` is true when the region comes from a host name without one (a legacy
    global endpoint such as ``ec2.amazonaws.com`` or ``bucket.s3.amazonaws.com``), not from the
    host itself.
    """

    service: Optional[str]
    region: Optional[str]
    reason: str
    global_endpoint: bool = False


#: Kept for compatibility: a few host prefixes whose signing name differs from the prefix.  The
#: service table (:func:`signers.services.service`) holds every one; inference reads the table.
SIGNING_NAME_BY_HOST_PREFIX: Dict[str, str] = {
    "email": "ses",
    "data.iot": "iotdata",
    "data-ats.iot": "iotdata",
    "runtime.sagemaker": "sagemaker",
    "api.sagemaker": "sagemaker",
    "runtime.lex": "lex",
    "models.lex": "lex",
    "api.ecr": "ecr",
    "streams.dynamodb": "dynamodb",
    "queue": "sqs",
    "aps-workspaces": "aps",
    "api.pricing": "pricing",
    "api.mediatailor": "mediatailor",
    "bedrock-runtime": "bedrock",
    "bedrock-agent-runtime": "bedrock",
}

#: Kept for compatibility: endpoints without a region in the host name and the region they sign
#: for.  The service table lists every partition's (:attr:`ServiceInfo.global_endpoints`).
GLOBAL_ENDPOINTS: Dict[str, Tuple[str, str]] = {
    "iam.amazonaws.com": ("iam", "us-east-1"),
    "sts.amazonaws.com": ("sts", "us-east-1"),
    "route53.amazonaws.com": ("route53", "us-east-1"),
    "cloudfront.amazonaws.com": ("cloudfront", "us-east-1"),
    "organizations.us-east-1.amazonaws.com": ("organizations", "us-east-1"),
    "s3.amazonaws.com": ("s3", "us-east-1"),
    "s3-external-1.amazonaws.com": ("s3", "us-east-1"),
    "ec2.amazonaws.com": ("ec2", "us-east-1"),
    "sdb.amazonaws.com": ("sdb", "us-east-1"),
    "queue.amazonaws.com": ("sqs", "us-east-1"),
    "elasticloadbalancing.amazonaws.com": ("elasticloadbalancing", "us-east-1"),
    "autoscaling.amazonaws.com": ("autoscaling", "us-east-1"),
    "monitoring.amazonaws.com": ("monitoring", "us-east-1"),
    "sns.amazonaws.com": ("sns", "us-east-1"),
    "rds.amazonaws.com": ("rds", "us-east-1"),
    "elasticmapreduce.amazonaws.com": ("elasticmapreduce", "us-east-1"),
}


def infer_scope(host: str) -> Scope:
    """Infer the signing name and region from ``host`` (port and case ignored).

    Either may be ``None``; ``reason`` then says why and ends in ``give region`` /
    ``give service``.  A host shared by APIs that sign differently (only the request tells
    them apart) leaves ``service`` ``None``.
    """
    from .services import _host_scope

    service, region, reason, global_endpoint = _host_scope(host)
    return Scope(service, region, reason, global_endpoint)
