"""sigbridge proxy end to end (issue 13 section 4): botocore's legacy S3 client and a SigV2 EC2
client -> proxy -> an upstream that accepts only SigV4 (serve in front of moto's server)."""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET

import pytest

import signers
from signers import Credentials, Request
from tests.proxy.support import LEGACY_KEY, LEGACY_SECRET, proxying, sigv4_only_upstream
from tests.serve.support import account_of, botocore_client, chain_environment

pytest.importorskip("moto.server")
from botocore.exceptions import ClientError

pytestmark = pytest.mark.slow

PATH = {"addressing_style": "path"}


def _legacy_s3(proxy, **options):
    options.setdefault("key", LEGACY_KEY)
    options.setdefault("secret", LEGACY_SECRET)
    return botocore_client("s3", proxy.url, signature_version="s3", s3=PATH, **options)


def test_legacy_s3_client_puts_gets_lists(monkeypatch):
    chain_environment(monkeypatch)
    with sigv4_only_upstream() as (upstream, upstream_logs), proxying(upstream.url) as (
        proxy,
        logs,
    ):
        s3 = _legacy_s3(proxy)
        s3.create_bucket(Bucket="legacy")
        put = s3.put_object(Bucket="legacy", Key="dir/a b+c.txt", Body=b"hello")
        assert put["ETag"] == '"' + hashlib.md5(b"hello").hexdigest() + '"'
        got = s3.get_object(Bucket="legacy", Key="dir/a b+c.txt")
        assert got["Body"].read() == b"hello"
        # the proxy's account replaces the upstream's: what the proxy verified
        account = account_of(got["ResponseMetadata"]["HTTPHeaders"])
        assert (account["scheme"], account["access_key"]) == ("s3-v2", LEGACY_KEY)
        assert [o["Key"] for o in s3.list_objects(Bucket="legacy")["Contents"]] == ["dir/a b+c.txt"]
        assert s3.list_objects_v2(Bucket="legacy", Prefix="dir/")["KeyCount"] == 1
        assert s3.head_object(Bucket="legacy", Key="dir/a b+c.txt")["ContentLength"] == 5
        with pytest.raises(ClientError) as info:  # the upstream's own error, unchanged
            s3.get_object(Bucket="legacy", Key="missing")
        assert info.value.response["Error"]["Code"] == "NoSuchKey"
        s3.delete_object(Bucket="legacy", Key="dir/a b+c.txt")
        assert s3.list_objects_v2(Bucket="legacy")["KeyCount"] == 0
    # the proxy took S3's legacy scheme; the upstream saw only SigV4 from the chain's key
    assert all(" s3-v2" in line for line in logs if "upstream" in line)
    assert all(line.endswith("upstream sigv4") for line in upstream_logs), upstream_logs


def test_a_20_mib_upload_is_streamed(monkeypatch):
    chain_environment(monkeypatch)
    with sigv4_only_upstream() as (upstream, _), proxying(upstream.url) as (proxy, _):
        s3 = _legacy_s3(proxy)
        s3.create_bucket(Bucket="big")
        body = os.urandom(20 * 1024 * 1024)  # over max_body (5 MiB): never held whole
        s3.put_object(Bucket="big", Key="blob", Body=body)
        got = s3.get_object(Bucket="big", Key="blob")["Body"].read()
        assert hashlib.sha256(got).digest() == hashlib.sha256(body).digest()


def test_a_legacy_presigned_get(monkeypatch):
    chain_environment(monkeypatch)
    with sigv4_only_upstream() as (upstream, _), proxying(upstream.url) as (proxy, logs):
        s3 = _legacy_s3(proxy)
        s3.create_bucket(Bucket="shared")
        s3.put_object(Bucket="shared", Key="report 1.txt", Body=b"numbers")
        url = s3.generate_presigned_url(
            "get_object", Params={"Bucket": "shared", "Key": "report 1.txt"}, ExpiresIn=300
        )
        assert "AWSAccessKeyId=" in url and "Signature=" in url  # S3's legacy form
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.read() == b"numbers"
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(url.replace("report", "other"), timeout=10)
        assert info.value.code == 403
        assert ET.fromstring(info.value.read()).findtext("Code") == "SignatureDoesNotMatch"
    assert any(line.endswith("200 upstream s3-v2-query") for line in logs)


def test_sigv2_ec2_clients(monkeypatch):
    chain_environment(monkeypatch)
    with sigv4_only_upstream() as (upstream, upstream_logs), proxying(
        upstream.url, service="ec2"
    ) as (proxy, _):
        ec2 = botocore_client(
            "ec2", proxy.url, key=LEGACY_KEY, secret=LEGACY_SECRET, signature_version="v2"
        )
        regions = [r["RegionName"] for r in ec2.describe_regions()["Regions"]]
        assert "eu-west-1" in regions
        assert ec2.describe_instances()["Reservations"] == []
        # a SigV2 GET query signed by sigbridge's own signer, sent with urllib
        query = urllib.parse.urlencode({"Action": "DescribeRegions", "Version": "2016-11-15"})
        signed = signers.get_signer("sigv2").sign(
            Request("GET", f"{proxy.url}/?{query}"),
            Credentials(LEGACY_KEY, LEGACY_SECRET),
            dt.datetime.now(dt.timezone.utc),
        )
        with urllib.request.urlopen(signed.url, timeout=10) as response:
            root = ET.fromstring(response.read())
        assert root.tag.endswith("DescribeRegionsResponse")
    assert len(upstream_logs) == 3 and all("upstream sigv4" in line for line in upstream_logs)


def test_the_upstream_refuses_legacy_signatures_itself(monkeypatch):
    # What the proxy is for: the same legacy client straight at the upstream is refused.
    chain_environment(monkeypatch)
    with sigv4_only_upstream() as (upstream, _):
        s3 = botocore_client(
            "s3", upstream.url, signature_version="s3", s3=PATH, key="AKIDCHAINEXAMPLE"
        )
        with pytest.raises(ClientError) as info:
            s3.list_buckets()
        assert info.value.response["Error"]["Code"] == "InvalidRequest"


def test_the_proxy_refuses_in_aws_shapes(monkeypatch):
    chain_environment(monkeypatch)
    with sigv4_only_upstream() as (upstream, upstream_logs), proxying(
        upstream.url, service="ec2"
    ) as (proxy, _):
        wrong = _legacy_s3(proxy, secret="wrong")
        with pytest.raises(ClientError) as info:
            wrong.get_object(Bucket="b", Key="k")
        assert info.value.response["Error"]["Code"] == "SignatureDoesNotMatch"
        assert info.value.response["Error"]["SignatureProvided"] == "<masked>"
        modern = botocore_client("s3", proxy.url, key=LEGACY_KEY, secret=LEGACY_SECRET, s3=PATH)
        with pytest.raises(ClientError) as info:
            modern.list_buckets()
        assert info.value.response["Error"]["Code"] == "InvalidRequest"  # not a legacy scheme
        ec2 = botocore_client(
            "ec2", proxy.url, key="AKIDUNKNOWN", secret=LEGACY_SECRET, signature_version="v2"
        )
        with pytest.raises(ClientError) as info:
            ec2.describe_regions()
        assert info.value.response["Error"]["Code"] == "InvalidClientTokenId"  # query XML
    assert upstream_logs == []  # nothing refused reached the upstream


def test_trust_legacy_takes_any_legacy_signature(monkeypatch):
    chain_environment(monkeypatch)
    with sigv4_only_upstream() as (upstream, _), proxying(upstream.url, trust_legacy=True) as (
        proxy,
        _,
    ):
        s3 = _legacy_s3(proxy, key="AKIDANYONE", secret="anything")
        s3.create_bucket(Bucket="trusted")
        assert s3.list_objects_v2(Bucket="trusted")["KeyCount"] == 0
        from signers.proxy import startup_lines

        assert any("legacy signatures are NOT checked" in line for line in startup_lines(proxy))
        unsigned = urllib.request.Request(proxy.url + "/trusted")
        with pytest.raises(urllib.error.HTTPError) as info:  # a signature is still required
            urllib.request.urlopen(unsigned, timeout=10)
        assert ET.fromstring(info.value.read()).findtext("Code") == "MissingAuthenticationToken"


def test_proxy_options_are_checked(monkeypatch):
    chain_environment(monkeypatch)
    from signers.proxy import make_proxy

    for options, field in (
        ({"keys": [], "trust_legacy": True}, "keys"),
        ({}, "keys"),
        ({"keys": [], "accept": ["sigv4"]}, "accept"),
        ({"keys": [], "region": None, "upstream": "http://127.0.0.1:9"}, "region"),
        ({"keys": [], "upstream": "ftp://x"}, "upstream"),
    ):
        options = {"upstream": "http://127.0.0.1:9", "region": "us-east-1", **options}
        monkeypatch.delenv("AWS_DEFAULT_REGION")
        with pytest.raises(signers.InvalidOption) as info:
            make_proxy(**options)
        assert info.value.field == field, (options, info.value)
        monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    monkeypatch.delenv("AWS_ACCESS_KEY_ID")
    with pytest.raises(signers.InvalidCredentials):  # no credentials: an error at start-up
        make_proxy(upstream="http://127.0.0.1:9", keys=[], region="us-east-1")
