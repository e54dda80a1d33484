"""botocore as a test-time oracle for SigV4: sign the same request at the same instant.

Used only by tests; the library never imports botocore.
"""

from __future__ import annotations

import datetime as dt
import types
from typing import Any, Dict, List, Optional, Tuple

import pytest

pytest.importorskip("botocore")
import botocore.auth
import botocore.awsrequest
import botocore.credentials


def freeze_botocore_clock(monkeypatch: Any, at: dt.datetime) -> None:
    """Make botocore's signers see ``at`` as now (tests only; never the library): newer botocore
    reads the clock through ``get_current_datetime()``, older releases through
    ``datetime.datetime.utcnow()`` (and ``now(tz)``); both are pinned."""
    aware_utc = at.astimezone(dt.timezone.utc)
    naive_utc = aware_utc.replace(tzinfo=None)
    if hasattr(botocore.auth, "get_current_datetime"):  # botocore >= 1.37-ish
        monkeypatch.setattr(botocore.auth, "get_current_datetime", lambda *_, **__: naive_utc)

    class _FrozenDatetime(dt.datetime):
        @classmethod
        def utcnow(cls) -> dt.datetime:  # type: ignore[override]
            return naive_utc

        @classmethod
        def now(cls, tz: Optional[dt.tzinfo] = None) -> dt.datetime:  # type: ignore[override]
            return naive_utc if tz is None else aware_utc.astimezone(tz)

    fake = types.SimpleNamespace(**{k: getattr(dt, k) for k in dir(dt) if not k.startswith("__")})
    fake.datetime = _FrozenDatetime
    monkeypatch.setattr(botocore.auth, "datetime", fake)


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
    freeze_botocore_clock(monkeypatch, at)
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
