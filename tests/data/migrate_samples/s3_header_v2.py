"""Upload to S3 with a hand-rolled legacy signature (Authorization: AWS key:signature)."""

import base64
import email.utils
import hashlib
import hmac
import http.client


def put_object(access_key, secret_key, bucket, key, body):
    date = email.utils.formatdate(usegmt=True)
    string_to_sign = "PUT\n\napplication/octet-stream\n%s\n/%s/%s" % (date, bucket, key)
    signature = base64.b64encode(
        hmac.new(secret_key.encode(), string_to_sign.encode(), hashlib.sha1).digest()
    ).decode()
    headers = {
        "Date": date,
        "Content-Type": "application/octet-stream",
        "Authorization": "AWS " + access_key + ":" + signature,
    }
    connection = http.client.HTTPSConnection(bucket + ".s3.amazonaws.com")
    connection.request("PUT", "/" + key, body, headers)
    return connection.getresponse().status


def authorization(access_key, signature):
    return f"AWS {access_key}:{signature}"


def authorization_percent(access_key, signature):
    return "AWS %s:%s" % (access_key, signature)


TEMPLATE = """GET /photos/puppy.jpg HTTP/1.1
Host: johnsmith.s3.amazonaws.com
Authorization: AWS {key}:{signature}
"""
