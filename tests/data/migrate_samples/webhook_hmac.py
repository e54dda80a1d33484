"""Check a shop's webhook: HMAC-SHA256 of the body, base64, compared with a header.

Nothing here talks to AWS: the scan must not report it.
"""

import base64
import hashlib
import hmac


def is_authentic(secret: bytes, body: bytes, header_value: str) -> bool:
    digest = hmac.new(secret, body, hashlib.sha256).digest()
    expected = base64.b64encode(digest).decode("ascii")
    return hmac.compare_digest(expected, header_value)


def sign_callback(secret: bytes, fields: dict) -> str:
    message = "&".join(f"{k}={fields[k]}" for k in sorted(fields))
    mac = hmac.new(secret, message.encode(), hashlib.sha1).digest()
    return base64.b64encode(mac).decode("ascii")
