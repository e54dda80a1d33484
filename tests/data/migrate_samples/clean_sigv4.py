"""A SigV4 client.  It replaced 'Authorization: AWS key:sig' and SignatureVersion=2 long ago."""

import base64
import datetime
import hashlib
import hmac
import urllib.parse

MESSAGE = "AWS credentials are missing"


def _sign(key, message):
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


def signing_key(secret_key, date, region, service):
    key = _sign(("AWS4" + secret_key).encode("utf-8"), date)
    for part in (region, service, "aws4_request"):
        key = _sign(key, part)
    return key


def authorization(access_key, secret_key, region, service, query, body):
    now = datetime.datetime.now(datetime.timezone.utc)
    amz_date = now.strftime("%Y%m%dT%H%M%SZ")
    date = amz_date[:8]
    canonical_query = "&".join(
        urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~")
        for k, v in sorted(query.items())
    )
    content_md5 = base64.b64encode(hashlib.md5(body).digest()).decode()
    scope = f"{date}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(["AWS4-HMAC-SHA256", amz_date, scope, canonical_query])
    key = signing_key(secret_key, date, region, service)
    signature = hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
    header = f"AWS4-HMAC-SHA256 Credential={access_key}/{scope}, Signature={signature}"
    return header, content_md5
