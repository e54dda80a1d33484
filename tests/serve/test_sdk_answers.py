"""serve answers in the shape SDKs parse (issue 13 section 3): botocore's STS, EC2 and S3
clients succeed against it with no retry and no parser error; ``schemes`` refuses the others in
each protocol's shape."""

from __future__ import annotations

import hashlib
import json
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

import signers
from signers import Credentials, Request
from tests._support import AK, SECRET, TOKEN
from tests.serve.support import AK2, account_of, botocore_client, now, running

pytest.importorskip("botocore")
from botocore.exceptions import ClientError

pytestmark = pytest.mark.slow  # servers on sockets


def _ok(result):
    metadata = result["ResponseMetadata"]
    assert metadata["HTTPStatusCode"] in (200, 204)
    assert metadata["RetryAttempts"] == 0
    return account_of(metadata["HTTPHeaders"])


def test_sts_get_caller_identity():
    with running() as (server, _):
        sts = botocore_client("sts", server.url, key=AK2, token=TOKEN)
        result = sts.get_caller_identity()
        account = _ok(result)
        assert (account["scheme"], account["service"], account["access_key"]) == (
            "sigv4",
            "sts",
            AK2,
        )
        assert result["ResponseMetadata"]["RequestId"]


@pytest.mark.parametrize("signature_version", ["v4", "v2"])
def test_ec2_describe_regions(signature_version):
    with running() as (server, _):
        ec2 = botocore_client("ec2", server.url, signature_version=signature_version)
        result = ec2.describe_regions()
        account = _ok(result)
        assert account["scheme"] == {"v4": "sigv4", "v2": "sigv2"}[signature_version]
        assert result["ResponseMetadata"]["RequestId"]  # EC2's <requestId>
        assert result.get("Regions", []) == []


def test_s3_object_and_bucket_operations():
    with running() as (server, logs):
        s3 = botocore_client("s3", server.url, s3={"addressing_style": "path"})
        _ok(s3.create_bucket(Bucket="bucket"))
        _ok(s3.head_bucket(Bucket="bucket"))
        body = b"hello, world\n" * 1000
        put = s3.put_object(Bucket="bucket", Key="dir/a b.txt", Body=body)
        assert _ok(put)["scheme"] == "sigv4"
        assert put["ETag"] == '"' + hashlib.md5(body).hexdigest() + '"'
        got = s3.get_object(Bucket="bucket", Key="dir/a b.txt")
        content = got["Body"].read()
        assert json.loads(content) == _ok(got)  # the object's content is the account
        assert got["ETag"] == '"' + hashlib.md5(content).hexdigest() + '"'
        head = s3.head_object(Bucket="bucket", Key="dir/a b.txt")
        # HeadObject describes the object GetObject would return to the same request
        shown = json.dumps(account_of(head["ResponseMetadata"]["HTTPHeaders"])).encode()
        assert head["ContentLength"] == len(shown)
        listed = s3.list_objects_v2(Bucket="bucket", Prefix="dir/", Delimiter="/")
        _ok(listed)
        assert (listed["KeyCount"], listed["Prefix"], listed["IsTruncated"]) == (0, "dir/", False)
        assert listed.get("Contents", []) == []
        assert s3.list_objects(Bucket="bucket", Prefix="x")["Prefix"] == "x"
        assert s3.list_buckets()["Buckets"] == []
        assert s3.get_bucket_location(Bucket="bucket")["LocationConstraint"] is None
        _ok(s3.copy_object(Bucket="bucket", Key="copy", CopySource="bucket/dir/a b.txt"))
        deleted = s3.delete_object(Bucket="bucket", Key="dir/a b.txt")
        assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
        _ok(s3.delete_objects(Bucket="bucket", Delete={"Objects": [{"Key": "copy"}]}))
        assert s3.delete_bucket(Bucket="bucket")["ResponseMetadata"]["HTTPStatusCode"] == 204
        assert not any(" 500 " in line for line in logs)


def test_s3_multipart_upload():
    with running() as (server, _):
        s3 = botocore_client("s3", server.url, s3={"addressing_style": "path"})
        created = s3.create_multipart_upload(Bucket="b", Key="big")
        upload = created["UploadId"]
        assert (created["Bucket"], created["Key"]) == ("b", "big")
        part = s3.upload_part(Bucket="b", Key="big", UploadId=upload, PartNumber=1, Body=b"x" * 10)
        assert part["ETag"] == '"' + hashlib.md5(b"x" * 10).hexdigest() + '"'
        done = s3.complete_multipart_upload(
            Bucket="b",
            Key="big",
            UploadId=upload,
            MultipartUpload={"Parts": [{"ETag": part["ETag"], "PartNumber": 1}]},
        )
        assert (done["Bucket"], done["Key"]) == ("b", "big")
        aborted = s3.abort_multipart_upload(Bucket="b", Key="big", UploadId=upload)
        assert aborted["ResponseMetadata"]["HTTPStatusCode"] == 204


def test_s3_legacy_client_puts_and_lists():
    # botocore's legacy signer signs a path-style bucket as '/b/' and sends '/b': S3 accepts
    # both forms (issue 9 item 17), and so does serve.
    with running() as (server, logs):
        s3 = botocore_client(
            "s3", server.url, signature_version="s3", s3={"addressing_style": "path"}
        )
        assert _ok(s3.put_object(Bucket="b", Key="k", Body=b"data"))["scheme"] == "s3-v2"
        assert s3.list_objects_v2(Bucket="b")["KeyCount"] == 0
        _ok(s3.create_bucket(Bucket="new"))
        wrong = botocore_client(
            "s3",
            server.url,
            secret="wrong",
            signature_version="s3",
            s3={"addressing_style": "path"},
        )
        with pytest.raises(ClientError) as info:
            wrong.list_objects_v2(Bucket="b")
        assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert info.value.response["Error"]["StringToSign"].endswith("\n/b")  # as sent
        assert [line.split(" ", 2)[2] for line in logs] == [
            "200 OK s3-v2",
            "200 OK s3-v2",
            "200 OK s3-v2",
            "403 SignatureDoesNotMatch",
        ]


def test_json_protocol_gets_an_empty_object():
    with running() as (server, _):
        dynamodb = botocore_client("dynamodb", server.url)
        result = dynamodb.list_tables()
        assert _ok(result)["service"] == "dynamodb"
        assert result.get("TableNames", []) == []


# -- schemes ---------------------------------------------------------------------------------


def _refused(call):
    with pytest.raises(ClientError) as info:
        call()
    return info.value.response


def test_schemes_refuses_the_others_in_each_protocol():
    with running(schemes=["sigv4"]) as (server, logs):
        legacy = botocore_client("s3", server.url, signature_version="s3")
        response = _refused(lambda: legacy.get_object(Bucket="b", Key="k"))
        assert response["Error"]["Code"] == "InvalidRequest"  # S3's answer, in S3's XML
        assert response["ResponseMetadata"]["HTTPStatusCode"] == 400
        assert "'s3-v2' is not accepted here (accepted: sigv4)" in response["Error"]["Message"]
        ec2 = botocore_client("ec2", server.url, signature_version="v2")
        response = _refused(ec2.describe_regions)
        assert response["Error"]["Code"] == "InvalidRequest"
        presigned = botocore_client("s3", server.url, signature_version="s3v4")
        url = presigned.generate_presigned_url(
            "get_object", Params={"Bucket": "b", "Key": "k"}, ExpiresIn=60
        )
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url, timeout=5)
        assert info.value.code == 400
        assert ET.fromstring(info.value.read()).findtext("Code") == "InvalidRequest"
        # the accepted scheme still goes through
        assert botocore_client("s3", server.url).list_objects_v2(Bucket="b")["KeyCount"] == 0
        assert sum("400 InvalidRequest" in line for line in logs) == 3
    with running(schemes=["sigv4-query"]) as (server, _):
        dynamodb = botocore_client("dynamodb", server.url)
        response = _refused(dynamodb.list_tables)
        assert response["Error"]["Code"] == "IncompleteSignatureException"  # JSON's __type


def test_schemes_names_are_checked():
    for bad in (["sigv5"], [], "sigv4,sigv2"):
        with pytest.raises(signers.InvalidOption) as info:
            signers.serve.make_server(credentials=[Credentials(AK, SECRET)], schemes=bad)
        assert "schemes" in str(info.value)


def test_sigv2_query_answer_is_named_after_the_action():
    with running() as (server, _):
        request = Request(
            "GET", server.url + "/?" + urllib.parse.urlencode({"Action": "ListQueues"})
        )
        signed = signers.get_signer("sigv2").sign(request, Credentials(AK, SECRET), now())
        with urllib.request.urlopen(signed.url, timeout=5) as response:
            root = ET.fromstring(response.read())
        assert root.tag == "ListQueuesResponse"
        assert root.find("ListQueuesResult") is not None
        assert root.findtext("ResponseMetadata/RequestId")
