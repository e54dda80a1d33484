"""Inferring the SigV4 region and signing name from an AWS host name, and saying how sure we are.

The signing name is not always the first label of the host: SES answers on ``email.*`` but signs
as ``ses``, IoT data on ``data-ats.iot.*`` as ``iotdata``, SageMaker runtime on
``runtime.sagemaker.*`` as ``sagemaker``.  When a host is not recognised, :func:`infer_scope`
says so instead of guessing silently; callers then ask for ``region=`` / ``service=``.
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


#: Host prefixes whose signing name differs from the prefix itself (a table of facts; extend it
#: rather than special-casing code).
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
    "monitoring": "monitoring",
    "aps-workspaces": "aps",
    "execute-api": "execute-api",
    "api.pricing": "pricing",
    "api.mediatailor": "mediatailor",
    "runtime.bedrock": "bedrock",
    "bedrock-runtime": "bedrock",
    "bedrock-agent-runtime": "bedrock",
}

#: Endpoints without a region in the host name, and the region they sign for.
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

_SUFFIXES = (".amazonaws.com.cn", ".amazonaws.com", ".api.aws")


def _is_region(label: str) -> bool:
    # us-east-1, eu-central-2, ap-southeast-3, us-gov-west-1, cn-north-1, il-central-1 ...
    parts = label.split("-")
    return len(parts) >= 3 and parts[-1].isdigit() and parts[0].isalpha() and len(parts[0]) == 2


def infer_scope(host: str) -> Scope:
    """Infer the signing name and region from ``host`` (port and case ignored)."""
    name = host.lower().rstrip(".")
    if name.startswith("["):
        return Scope(None, None, f"host {host!r} is an IP literal; give region and service")
    name = name.rsplit(":", 1)[0] if ":" in name else name
    if name in GLOBAL_ENDPOINTS:
        global_service, global_region = GLOBAL_ENDPOINTS[name]
        return Scope(
            global_service,
            global_region,
            f"global endpoint {name}: {global_service} in {global_region}",
            True,
        )
    suffix = next((s for s in _SUFFIXES if name.endswith(s)), None)
    if suffix is None:
        return Scope(None, None, f"host {host!r} is not an AWS endpoint; give region and service")
    labels = name[: -len(suffix)].split(".")
    # S3 in its many spellings: bucket.s3.amazonaws.com, bucket.s3.REGION..., s3-REGION...,
    # s3.dualstack.REGION..., bucket.s3-accelerate...
    for i, label in enumerate(labels):
        if label == "s3" or label.startswith("s3-") or label == "s3-accelerate":
            s3_region: Optional[str] = None
            if label.startswith("s3-") and _is_region(label[3:]):
                s3_region = label[3:]
            for candidate in labels[i + 1 :]:
                if _is_region(candidate):
                    s3_region = candidate
            if s3_region is None:
                return Scope(
                    "s3",
                    "us-east-1",
                    f"S3 host {name} without a region: us-east-1 (legacy global)",
                    True,
                )
            return Scope("s3", s3_region, f"S3 host {name}: s3 in {s3_region}")
    region = next((label for label in reversed(labels) if _is_region(label)), None)
    if region is None:
        return Scope(None, None, f"no region in host {host!r}; give region (and service)")
    index = labels.index(region)
    prefix = ".".join(labels[:index])
    if not prefix and index + 1 < len(labels):
        # The older region-first spelling: eu-west-1.queue.amazonaws.com (SQS),
        # eu-west-1.ec2.amazonaws.com, us-west-2.elasticloadbalancing.amazonaws.com.
        prefix = ".".join(labels[index + 1 :])
    if not prefix:
        return Scope(None, region, f"no service in host {host!r}; give service")
    if prefix.endswith("-fips"):
        prefix = prefix[: -len("-fips")]
    known = SIGNING_NAME_BY_HOST_PREFIX.get(prefix)
    if known is not None:
        return Scope(
            known, region, f"host prefix {prefix!r} signs as {known!r} (known); region {region}"
        )
    first = prefix.split(".")[-1]
    service = SIGNING_NAME_BY_HOST_PREFIX.get(first, first)
    return Scope(
        service,
        region,
        f"from host {name}: service {service!r} (host prefix; some services sign with another "
        f"name, pass service= if the server says so), region {region}",
    )
