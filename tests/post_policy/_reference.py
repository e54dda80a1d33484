"""Independent routes for the POST-policy tests: a step-by-step signer and the botocore oracle.

The reference signer follows the S3 pages literally (base64 of the UTF-8 policy is the string
to sign; SigV4: hex HMAC-SHA256 under the HMAC chain date -> region -> "s3" ->
"aws4_request" keyed with "AWS4" + secret; SigV2: base64 HMAC-SHA1 under the secret) and
imports nothing from ``signers``.  botocore is used only as a test-time oracle, its clock frozen
here and nowhere else.
"""

from __future__ import annotations

import base64
import contextlib
import datetime as dt
import hashlib
import hmac
import json
import types
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from unittest import mock

UTC = dt.timezone.utc
AK = "AKIAIOSFODNN7EXAMPLE"
SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
TOKEN = "FQoGZXIvYXdzEXAMPLE/token+with/slashes=="
AT = dt.datetime(2024, 5, 17, 12, 0, 0, tzinfo=UTC)
BUCKET = "examplebucket"
REGION = "eu-west-1"
VECTORS = Path(__file__).resolve().parents[2] / "vectors" / "post-policy"

Pairs = List[Tuple[str, str]]


def load_case(name: str) -> Tuple[Dict[str, Any], Path]:
    folder = VECTORS / name
    return json.loads((folder / "case.json").read_text(encoding="utf-8")), folder


def signing_key(secret: str, date: str, region: str, service: str = "s3") -> bytes:
    key = ("AWS4" + secret).encode("utf-8")
    for part in (date, region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return key


def sign_v4(policy_b64: str, secret: str, date: str, region: str) -> str:
    key = signing_key(secret, date, region)
    return hmac.new(key, policy_b64.encode("utf-8"), hashlib.sha256).hexdigest()


def sign_v2(policy_b64: str, secret: str) -> str:
    digest = hmac.new(secret.encode("utf-8"), policy_b64.encode("utf-8"), hashlib.sha1).digest()
    return base64.b64encode(digest).decode("ascii")


def encode(document: Any) -> str:
    text = document if isinstance(document, str) else json.dumps(document)
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def expiration(at: dt.datetime, seconds: int) -> str:
    return (at + dt.timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def v4_form(
    conditions: List[Any],
    fields: Pairs,
    *,
    at: dt.datetime = AT,
    region: str = REGION,
    secret: str = SECRET,
    access_key: str = AK,
    token: Optional[str] = None,
    expires: int = 3600,
    policy_text: Optional[str] = None,
    add_auth_conditions: bool = True,
) -> Pairs:
    """A SigV4 form signed by the reference: ``fields`` then the signing fields, the policy
    holding ``conditions`` (plus the algorithm/credential/date/token conditions)."""
    stamp = at.strftime("%Y%m%dT%H%M%SZ")
    credential = f"{access_key}/{stamp[:8]}/{region}/s3/aws4_request"
    auth = [
        ("x-amz-algorithm", "AWS4-HMAC-SHA256"),
        ("x-amz-credential", credential),
        ("x-amz-date", stamp),
    ]
    if token is not None:
        auth.append(("x-amz-security-token", token))
    extra = [{name: value} for name, value in auth] if add_auth_conditions else []
    document = policy_text
    if document is None:
        document = json.dumps(
            {"expiration": expiration(at, expires), "conditions": list(conditions) + extra}
        )
    policy = encode(document)
    return [
        *fields,
        *auth,
        ("policy", policy),
        ("x-amz-signature", sign_v4(policy, secret, stamp[:8], region)),
    ]


def v2_form(
    conditions: List[Any],
    fields: Pairs,
    *,
    at: dt.datetime = AT,
    secret: str = SECRET,
    access_key: str = AK,
    expires: int = 3600,
    policy_text: Optional[str] = None,
) -> Pairs:
    document = policy_text
    if document is None:
        document = json.dumps({"expiration": expiration(at, expires), "conditions": conditions})
    policy = encode(document)
    return [
        *fields,
        ("AWSAccessKeyId", access_key),
        ("policy", policy),
        ("signature", sign_v2(policy, secret)),
    ]


# -- botocore, the oracle ------------------------------------------------------------------------

_CLIENTS: Dict[Tuple[Any, ...], Any] = {}


def botocore_client(version: int, region: str, token: Optional[str], addressing: str) -> Any:
    """A botocore S3 client (cached: building one costs tens of milliseconds)."""
    import botocore.session
    from botocore.config import Config

    cache_key = (version, region, token, addressing)
    client = _CLIENTS.get(cache_key)
    if client is None:
        session = botocore.session.get_session()
        client = session.create_client(
            "s3",
            region_name=region,
            aws_access_key_id=AK,
            aws_secret_access_key=SECRET,
            aws_session_token=token,
            config=Config(
                signature_version="s3v4" if version == 4 else "s3",
                s3={"addressing_style": addressing},
            ),
        )
        _CLIENTS[cache_key] = client
    return client


def botocore_presigned_post(
    at: dt.datetime,
    *,
    version: int,
    region: str,
    token: Optional[str],
    addressing: str = "virtual",
    **kwargs: Any,
) -> Dict[str, Any]:
    """botocore's ``generate_presigned_post`` with its clock frozen at ``at``."""
    import botocore.auth
    import botocore.signers

    client = botocore_client(version, region, token, addressing)
    naive = at.astimezone(UTC).replace(tzinfo=None)
    modules = (botocore.signers, botocore.auth)
    with contextlib.ExitStack() as stack:
        if all(hasattr(module, "get_current_datetime") for module in modules):
            # newer botocore reads its clock through compat.get_current_datetime()
            for module in modules:
                stack.enter_context(
                    mock.patch.object(module, "get_current_datetime", return_value=naive)
                )
        else:
            # older releases (the last for Python 3.8) call datetime.datetime.utcnow()
            class Frozen(dt.datetime):
                @classmethod
                def utcnow(cls) -> dt.datetime:  # type: ignore[override]
                    return naive

            clock = types.SimpleNamespace(**vars(dt))
            clock.datetime = Frozen
            for module in modules:
                stack.enter_context(mock.patch.object(module, "datetime", clock))
        return client.generate_presigned_post(**kwargs)  # type: ignore[no-any-return]
