"""botocore as the test oracle: the host it sends a request to, and the name and region it signs
with.  Used only by the tests in this folder; the library never imports botocore.

The host and signing values come from the endpoint rule set, as botocore resolves them for a real
request (``client._ruleset_resolver``, the resolver every botocore call goes through), with the
first operation botocore can resolve without parameters.
"""

from __future__ import annotations

import gzip
import os
import re
from typing import Any, Dict, NamedTuple, Optional
from urllib.parse import urlsplit

import pytest

botocore_session = pytest.importorskip("botocore.session")


class Resolved(NamedTuple):
    url: str
    host: str
    signing_name: str
    #: the SigV4 signing region; ``None`` when the rule set offers SigV4A only (region set ``*``)
    signing_region: Optional[str]
    meta_url: str


_SESSION: Dict[str, Any] = {}


def same_botocore() -> bool:
    """Whether the installed botocore is the one the shipped table was generated from (older
    interpreters get an older botocore: services and operations differ)."""
    import botocore

    from signers.services import data_version

    return bool(botocore.__version__ == data_version())


def skip_unless_known(name: str) -> None:
    """Skip a service the installed botocore and the table do not both have."""
    from signers.services import service_names

    if name not in service_names():
        pytest.skip(f"{name} is not in the table (botocore {_table_version()})")
    if name not in session().get_available_services():
        pytest.skip(f"{name} is not in the installed botocore")


def _table_version() -> str:
    from signers.services import data_version

    return data_version()


def _is_sigv4(scheme: Dict[str, Any]) -> bool:
    # sigv4, and S3 Express's sigv4-s3express (SigV4 plus a session token header); not sigv4a
    name = str(scheme.get("name", ""))
    return name.startswith("sigv4") and name != "sigv4a"


def session() -> Any:
    if "session" not in _SESSION:
        _SESSION["session"] = botocore_session.get_session()
    return _SESSION["session"]


def resolve(name: str, region: str, **call_args: Any) -> Optional[Resolved]:
    """What botocore does for service ``name`` in ``region`` (``None``: it needs parameters)."""
    client = session().create_client(
        name, region_name=region, aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x"
    )
    model = client.meta.service_model
    endpoint = None
    for operation in model.operation_names:
        try:
            endpoint = client._ruleset_resolver.construct_endpoint(
                model.operation_model(operation), dict(call_args), {}
            )
            break
        except Exception:  # this operation needs parameters; try the next
            continue
    if endpoint is None:
        return None
    schemes = endpoint.properties.get("authSchemes") or [{"name": "sigv4"}]
    sigv4 = [s for s in schemes if _is_sigv4(s)]
    scheme = sigv4[0] if sigv4 else schemes[0]
    signing_region = scheme.get("signingRegion", region) if sigv4 else None
    return Resolved(
        endpoint.url,
        urlsplit(endpoint.url).hostname or "",
        scheme.get("signingName", model.signing_name),
        signing_region,
        client.meta.endpoint_url,
    )


def s3_endpoint(**params: Any) -> Resolved:
    """S3's rule set evaluated with ``params`` (Bucket, Region, UseFIPS, UseDualStack ...)."""
    client = session().create_client(
        "s3", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="x"
    )
    provider = client._ruleset_resolver._provider
    endpoint = provider.resolve_endpoint(**params)
    schemes = endpoint.properties.get("authSchemes") or [{}]
    sigv4 = [s for s in schemes if _is_sigv4(s)]
    scheme = sigv4[0] if sigv4 else schemes[0]
    region = scheme.get("signingRegion") if sigv4 else None
    return Resolved(
        endpoint.url, urlsplit(endpoint.url).hostname or "", scheme["signingName"], region, ""
    )


def endpoint_prefix(name: str) -> str:
    """The ``endpointPrefix`` of botocore's model for service ``name``, as
    ``get_service_model(name).endpoint_prefix`` gives it, read from the head of the model's file:
    the metadata comes first, and parsing all 400-odd models whole takes seconds, at collection
    time when a parameter list needs it.  A file laid out otherwise is parsed whole."""
    loader = session().get_component("data_loader")
    version = loader.determine_latest_version(name, "service-2")
    for root in loader.search_paths:
        for suffix in (".json", ".json.gz"):
            path = os.path.join(root, name, version, "service-2" + suffix)
            if os.path.isfile(path):
                opener: Any = gzip.open if suffix.endswith(".gz") else open
                with opener(path, "rt", encoding="utf-8") as handle:
                    head = str(handle.read(8192))
                found = re.search(r'"endpointPrefix"\s*:\s*"([^"]+)"', head)
                if found:
                    return found.group(1)
    return str(session().get_service_model(name).endpoint_prefix)
