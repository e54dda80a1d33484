"""Describe EC2 instances the way boto 2 signed them: a hand-built SignatureVersion=2 query.

The docstring mentions 'SignatureVersion': '2' and HmacSHA256; neither is code.
"""

import base64
import hashlib
import hmac
import time
import urllib.parse

HOST = "ec2.us-west-1.amazonaws.com"


def signed_url(access_key, secret_key, action):
    # old style: 'SignatureVersion': '2', 'SignatureMethod': 'HmacSHA256' (a comment, not code)
    params = {
        "Action": action,
        "Version": "2016-11-15",
        "AWSAccessKeyId": access_key,
        "SignatureVersion": "2",
        "SignatureMethod": "HmacSHA256",
        "Timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
    }
    query = "&".join(
        urllib.parse.quote(k, safe="-_.~") + "=" + urllib.parse.quote(v, safe="-_.~")
        for k, v in sorted(params.items())
    )
    string_to_sign = "\n".join(["GET", HOST, "/", query])
    digest = hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha256).digest()
    signature = base64.b64encode(digest).decode()
    return f"https://{HOST}/?{query}&Signature={urllib.parse.quote(signature, safe='')}"
