"""S3 SigV2 options answer the bucket of a host they have seen from memory: the same answer as
the first time, errors every time, and the options' value (equality, hash, pickle) untouched."""

from __future__ import annotations

import pickle

import pytest

import signers
from signers._core.s3_v2 import S3V2Options

HOSTS = [
    ("examplebucket.s3.amazonaws.com", "examplebucket"),
    ("ExampleBucket.S3.Amazonaws.com.", "examplebucket"),
    ("my.bucket.s3-eu-west-1.amazonaws.com", "my.bucket"),
    ("s3.amazonaws.com", None),
    ("s3-eu-west-1.amazonaws.com", None),
]


@pytest.mark.parametrize(("host", "bucket"), HOSTS)
def test_a_host_seen_again_names_the_same_bucket(host, bucket):
    options = S3V2Options()
    assert options.resolve_bucket(host) == bucket
    assert options.resolve_bucket(host) == bucket


def test_a_host_that_names_no_bucket_is_refused_every_time():
    options = S3V2Options(addressing="virtual")
    for _ in range(3):
        with pytest.raises(signers.InvalidRequest):
            options.resolve_bucket("example.com")


def test_a_conflicting_bucket_is_refused_every_time():
    options = S3V2Options(bucket="other")
    for _ in range(3):
        with pytest.raises(signers.InvalidOption):
            options.resolve_bucket("examplebucket.s3.amazonaws.com")


def test_the_memory_is_not_part_of_the_value():
    seen = S3V2Options()
    for host, _ in HOSTS:
        seen.resolve_bucket(host)
    fresh = S3V2Options()
    assert seen == fresh and hash(seen) == hash(fresh) and repr(seen) == repr(fresh)
    again = pickle.loads(pickle.dumps(seen))
    assert again == fresh


def test_the_memory_stays_bounded():
    options = S3V2Options()
    for i in range(1000):
        assert options.resolve_bucket(f"bucket-{i}.s3.amazonaws.com") == f"bucket-{i}"
    assert len(options._buckets) <= 256
