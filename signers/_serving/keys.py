"""Key files and ``--credential`` values: the credentials ``serve`` and ``proxy`` accept.

A file is JSON (``{"AK": "SECRET"}``, ``{"AK": {"secret_key": ..., "token": ...}}`` or a list of
``{"access_key", "secret_key", "token"}``) or lines of ``ACCESS_KEY SECRET_KEY [TOKEN]`` (``#``
starts a comment).  Errors name the file and line, never a secret.
"""

from __future__ import annotations

import json
from typing import Any, List, Mapping

from ..errors import InvalidCredentials
from ..model import Credentials

__all__ = ["load_credentials_file", "parse_credential"]


def parse_credential(spec: str) -> Credentials:
    """``AK:SECRET`` or ``AK:SECRET:TOKEN`` (the form of ``--credential``)."""
    parts = spec.strip().split(":")
    if len(parts) not in (2, 3) or not parts[0] or not parts[1]:
        raise InvalidCredentials(
            "credential: expected ACCESS_KEY:SECRET_KEY[:SESSION_TOKEN]", field="credential"
        )
    return Credentials(parts[0], parts[1], parts[2] if len(parts) == 3 else None)


def _from_json(data: Any, source: str) -> List[Credentials]:
    def one(access_key: str, value: Any) -> Credentials:
        if isinstance(value, str):
            return Credentials(access_key, value)
        if isinstance(value, Mapping):
            secret = value.get("secret_key", value.get("secret_access_key"))
            token = value.get("token", value.get("session_token"))
            return Credentials(access_key, secret, token)
        raise InvalidCredentials(
            f"{source}: the entry for {access_key!r} is neither a secret nor an object",
            field="credentials file",
        )

    if isinstance(data, Mapping):
        return [one(str(k), v) for k, v in data.items()]
    if isinstance(data, list):
        out = []
        for item in data:
            if not isinstance(item, Mapping):
                raise InvalidCredentials(
                    f"{source}: list entries must be objects", field="credentials file"
                )
            key = item.get("access_key", item.get("access_key_id"))
            if not isinstance(key, str):
                raise InvalidCredentials(
                    f"{source}: a list entry has no access_key", field="credentials file"
                )
            out.append(one(key, item))
        return out
    raise InvalidCredentials(
        f"{source}: expected an object or a list of objects", field="credentials file"
    )


def load_credentials_file(path: str) -> List[Credentials]:
    """Credentials from a small file: JSON (``{"AK": "SECRET"}``, ``{"AK": {"secret_key": ...,
    "token": ...}}`` or a list of ``{"access_key", "secret_key", "token"}``) or lines of
    ``ACCESS_KEY SECRET_KEY [TOKEN]`` (``#`` starts a comment)."""
    try:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise InvalidCredentials(
            f"credentials file {path!r}: cannot read it ({type(exc).__name__})",
            field="credentials file",
        ) from None
    source = f"credentials file {path!r}"
    if text.lstrip().startswith(("{", "[")):
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise InvalidCredentials(
                f"{source}: not valid JSON (line {getattr(exc, 'lineno', '?')})",
                field="credentials file",
            ) from None
        return _from_json(data, source)
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        parts = line.split()
        if len(parts) not in (2, 3):
            raise InvalidCredentials(
                f"{source}, line {number}: expected ACCESS_KEY SECRET_KEY [TOKEN]",
                field="credentials file",
            )
        out.append(Credentials(*parts))
    return out
