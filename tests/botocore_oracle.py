"""botocore as a test-time oracle for SigV4: sign the same request at the same instant.

Used only by tests; the library never imports botocore.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Dict, List, Optional, Tuple

import pytest

pytest.importorskip("botocore")
import botocore.auth
import botocore.awsrequest
import botocore.credentials


def botocore_sign(
    auth_name: str,
    method: str,
    url: str,
    headers: List[Tuple[str, str]],
    body: bytes,
    *,
    access_key: str,
    secret_key: str,
    token: Optional[str],
    region: str,
    service: str,
    at: dt.datetime,
    monkeypatch: Any,
    expires: int = 3600,
) -> Dict[str, Any]:
    """Sign with botocore's ``auth_name`` class; return url, headers and the signature."""
    naive_utc = at.astimezone(dt.timezone.utc).replace(tzinfo=None)
    monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda: naive_utc)
    creds = botocore.credentials.Credentials(access_key, secret_key, token)
    cls = getattr(botocore.auth, auth_name)
    if auth_name.endswith("QueryAuth"):
        auth = cls(creds, service, region, expires=expires)
    else:
        auth = cls(creds, service, region)
    request = botocore.awsrequest.AWSRequest(method=method, url=url, data=body)
    for name, value in headers:
        request.headers[name] = value
    auth.add_auth(request)
    prepared = request.prepare()
    return {
        "url": prepared.url,
        "headers": dict(prepared.headers.items()),
        "authorization": prepared.headers.get("Authorization"),
    }
