"""Write ``vectors/sigv2/`` and ``vectors/s3-v2/`` from the case list below.

Every expected file comes from :mod:`legacy_reference` (the published algorithms, step by step),
never from sigbridge's signers.  Before writing, each case is also checked against botocore
wherever botocore can express it, and against the signatures printed in AWS's documentation for
the ``aws-doc-*`` cases; any disagreement stops the script.

Run from the repository root::

    python -m tests.reference.make_legacy_vectors          # rewrite the folders
    python -m tests.reference.make_legacy_vectors --check  # compare with what is on disk
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path
from typing import Any, Dict, List

from . import botocore_oracle, legacy_reference

ROOT = Path(__file__).resolve().parents[2]
VECTORS = ROOT / "vectors"

EXAMPLE = {
    "access_key_id": "AKIDEXAMPLE",
    "secret_access_key": "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
}
# The example key pair of AWS's documentation (the aws-doc-* cases).
DOC = {
    "access_key_id": "AKIAIOSFODNN7EXAMPLE",
    "secret_access_key": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
}
# The example session token of AWS's documentation: it holds '/', '+' and '='.
TOKEN = (
    "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfp"
    "SPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQ"
    "DYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+s"
    "cqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="
)
WITH_TOKEN = dict(EXAMPLE, token=TOKEN)
T = "2015-08-30T12:36:00Z"


def case(name: str, description: str, request: str, **extra: Any) -> Dict[str, Any]:
    spec = {"name": name, "description": description, "request": request}
    spec.update(extra)
    return spec


# -- SigV2 cases (location "query"; the placement is an option) --------------------------------

EC2 = "Host:ec2.amazonaws.com\n"
SQS = "Host:sqs.us-east-1.amazonaws.com\n"
FORM = "Content-Type:application/x-www-form-urlencoded\n"

SIGV2_CASES: List[Dict[str, Any]] = [
    case(
        "get-basic",
        "GET with the parameters in the URL, HmacSHA256 (the default)",
        "GET /?Action=DescribeRegions&Version=2014-10-01 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-sort-case",
        "names sort in byte order: digits, upper case, '_', lower case",
        "GET /?zeta=1&Alpha=2&_under=3&beta=4&9lives=5&Zulu=6 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-sort-unencoded-names",
        "names sort by their unencoded bytes ('a~' before 'a\u00e9'), not by their encoded form",
        "GET /?a%C3%A9=2&a~=1&a-b=3&a.b=4 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-space",
        "a space is signed as %20",
        "GET /?Action=Test&Value=hello%20world HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-plus-is-space",
        "the query is form-encoded: '+' is a space and is signed (and sent) as %20",
        "GET /?Action=Test&Value=hello+world HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-literal-plus",
        "a literal plus is written %2B and signed as %2B",
        "GET /?Action=Test&Value=1%2B1 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-star",
        "'*' is not unreserved: signed as %2A",
        "GET /?Action=Test&Value=a*b HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-tilde",
        "'~' is unreserved: signed as is, even when sent as %7E",
        "GET /?Action=Test&Value=a%7Eb~c HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-slash",
        "'/' in a value is signed as %2F",
        "GET /?Action=Test&Path=%2Fhome%2Fuser HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-equals-ampersand",
        "'=' and '&' inside a value are signed as %3D and %26",
        "GET /?Action=Test&Expr=a%3Db%26c%3Dd HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-percent",
        "a literal '%' (sent as %25) is signed as %25",
        "GET /?Action=Test&Ratio=100%25 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-encode-reserved-name",
        "reserved characters in a name are encoded like a value's",
        "GET /?Action=Test&my%20key%3D=v&a%2Fb=w HTTP/1.1\n" + EC2,
    ),
    case(
        "get-utf8",
        "UTF-8 names and values, upper-case hex",
        "GET /?Action=Test&%D0%BA%D0%BB%D1%8E%D1%87="
        "%D0%B7%D0%BD%D0%B0%D1%87%D0%B5%D0%BD%D0%B8%D0%B5&Symbol=%E1%88%B4 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-utf8-lower-hex",
        "lower-case hex escapes are decoded and signed with upper-case hex",
        "GET /?Action=Test&Name=caf%c3%a9 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-empty-values",
        "an empty value and a name without '=' are both signed as 'name='",
        "GET /?Action=Test&Marker=&Flag HTTP/1.1\n" + EC2,
    ),
    case(
        "get-repeated-names",
        "values of a repeated name keep the order they were sent in",
        "GET /?Action=Test&Filter=b&Filter=a&Filter=c HTTP/1.1\n" + EC2,
    ),
    case(
        "get-repeated-names-interleaved",
        "repeated names separated by others: stable sort keeps their relative order",
        "GET /?B=1&A=2&C=0&A=1 HTTP/1.1\n" + EC2,
    ),
    case(
        "get-path",
        "an SQS queue URL: the path is signed as sent",
        "GET /123456789012/MyQueue?Action=ReceiveMessage&MaxNumberOfMessages=5"
        "&Version=2012-11-05 HTTP/1.1\n" + SQS,
    ),
    case(
        "get-non-default-port",
        "a non-default port is part of the host line",
        "GET /?Action=ListDomains&Version=2009-04-15 HTTP/1.1\nHost:sdb.example.internal:8443\n",
    ),
    case(
        "get-default-port-dropped",
        "a Host header that spells out the default port (443) is signed without it",
        "GET /?Action=ListDomains&Version=2009-04-15 HTTP/1.1\nHost:sdb.amazonaws.com:443\n",
    ),
    case(
        "get-host-upper-case",
        "the host line is lower-cased",
        "GET /?Action=DescribeRegions&Version=2014-10-01 HTTP/1.1\n"
        "Host:EC2.US-West-2.AmazonAWS.com\n",
    ),
    case(
        "get-hmacsha1",
        "SignatureMethod HmacSHA1",
        "GET /?Action=DescribeRegions&Version=2014-10-01 HTTP/1.1\n" + EC2,
        options={"signature_method": "HmacSHA1"},
    ),
    case(
        "get-session-token",
        "session credentials add SecurityToken (with '/', '+' and '=' to encode)",
        "GET /?Action=DescribeRegions&Version=2014-10-01 HTTP/1.1\n" + EC2,
        credentials=WITH_TOKEN,
        requires=["session-token"],
    ),
    case(
        "get-expires-option",
        "option expires=300: Expires (now + 300 s) replaces Timestamp",
        "GET /?Action=DescribeRegions&Version=2014-10-01 HTTP/1.1\n" + EC2,
        options={"expires": 300},
    ),
    case(
        "get-expires-given",
        "an Expires the caller put in the query is honoured; no Timestamp is added",
        "GET /?Action=DescribeRegions&Expires=2015-08-30T13%3A00%3A00Z&Version=2014-10-01 "
        "HTTP/1.1\n" + EC2,
    ),
    case(
        "aws-doc-emr-describe-job-flows",
        "AWS documentation example (Elastic MapReduce DescribeJobFlows, caller-given Timestamp)",
        "GET /?Action=DescribeJobFlows&Version=2009-03-31&Timestamp=2011-10-03T15%3A19%3A30 "
        "HTTP/1.1\nHost:elasticmapreduce.amazonaws.com\n",
        credentials=DOC,
        timestamp="2011-10-03T15:19:30Z",
        published={"query": "i91nKc4PWAt0JJIdXwz9HxZCJDdiy6cf/Mj6vPxyYIs="},
    ),
    case(
        "post-form",
        "POST with a form body: the parameters go in the body",
        "POST / HTTP/1.1\n" + SQS + FORM + "\nAction=ListQueues&Version=2012-11-05",
    ),
    case(
        "post-form-charset",
        "Content-Type with a charset parameter is still a form; '+' in the body is a space",
        "POST / HTTP/1.1\n"
        + SQS
        + "Content-Type:application/x-www-form-urlencoded; charset=utf-8\n"
        + "\nAction=SendMessage&MessageBody=hello+w%C3%B6rld%21&Version=2012-11-05",
    ),
    case(
        "post-form-content-length",
        "the Content-Length header is updated to the signed body",
        "POST / HTTP/1.1\n"
        + SQS
        + FORM
        + "Content-Length:36\n"
        + "\nAction=ListQueues&Version=2012-11-05",
    ),
    case(
        "post-empty-auto-body",
        "a POST with neither body nor Content-Type: form body with Content-Type added",
        "POST / HTTP/1.1\n" + SQS,
    ),
    case(
        "post-url-and-body-params",
        "a POST with URL parameters and a form body: both are signed, the URL is kept",
        "POST /123456789012/MyQueue?Action=DeleteMessage HTTP/1.1\n"
        + SQS
        + FORM
        + "\nReceiptHandle=abc%2Fdef%3D&Version=2012-11-05",
    ),
    case(
        "post-placement-query",
        "placement='query' on a form POST: the added parameters go in the URL, the body's are "
        "signed where they are",
        "POST / HTTP/1.1\n" + SQS + FORM + "\nAction=ListQueues&Version=2012-11-05",
        options={"placement": "query"},
    ),
    case(
        "post-json-body-query",
        "a POST whose body is not a form: parameters in the URL, the body is not signed",
        "POST /?Action=Upload&Version=2010-05-08 HTTP/1.1\n"
        'Host:iam.amazonaws.com\nContent-Type:application/json\n\n{"a": 1}',
    ),
    case(
        "post-hmacsha1-session-token",
        "POST form body with HmacSHA1 and a session token",
        "POST / HTTP/1.1\n" + SQS + FORM + "\nAction=ListQueues&Version=2012-11-05",
        options={"signature_method": "HmacSHA1"},
        credentials=WITH_TOKEN,
        requires=["session-token"],
    ),
]

# -- S3 cases (locations "header" and "query") -------------------------------------------------

BUCKET = "Host:examplebucket.s3.amazonaws.com\n"

S3_CASES: List[Dict[str, Any]] = [
    case(
        "aws-doc-object-get",
        "AWS documentation example: GET Object, virtual-hosted, Date given",
        "GET /photos/puppy.jpg HTTP/1.1\nHost:johnsmith.s3.amazonaws.com\n"
        "Date:Tue, 27 Mar 2007 19:36:42 +0000\n",
        credentials=DOC,
        timestamp="2007-03-27T19:36:42Z",
        published={"header": "bWq2s1WEIj+Ydj0vQ697zp+IXMU="},
    ),
    case(
        "aws-doc-object-put",
        "AWS documentation example: PUT Object with Content-Type",
        "PUT /photos/puppy.jpg HTTP/1.1\nContent-Type:image/jpeg\n"
        "Host:johnsmith.s3.amazonaws.com\nDate:Tue, 27 Mar 2007 21:15:45 +0000\n\nJPEG",
        credentials=DOC,
        timestamp="2007-03-27T21:15:45Z",
        published={"header": "MyyxeRY7whkBe+bq8fHCL/2kKUg="},
    ),
    case(
        "aws-doc-list",
        "AWS documentation example: GET Bucket; prefix, max-keys and marker are not signed",
        "GET /?prefix=photos&max-keys=50&marker=puppy HTTP/1.1\nUser-Agent:Mozilla/5.0\n"
        "Host:johnsmith.s3.amazonaws.com\nDate:Tue, 27 Mar 2007 19:42:41 +0000\n",
        credentials=DOC,
        timestamp="2007-03-27T19:42:41Z",
        published={"header": "htDYFYduRNen8P9ZfE/s9SuKy0U="},
    ),
    case(
        "aws-doc-fetch-acl",
        "AWS documentation example: GET ?acl, a sub-resource without value",
        "GET /?acl HTTP/1.1\nHost:johnsmith.s3.amazonaws.com\n"
        "Date:Tue, 27 Mar 2007 19:44:46 +0000\n",
        credentials=DOC,
        timestamp="2007-03-27T19:44:46Z",
        published={"header": "c2WLPFtWHVgbEmeEG93a4cG37dM="},
    ),
    case(
        "aws-doc-upload-cname",
        "AWS documentation example: CNAME bucket with a port, Content-MD5/Type, x-amz-* headers "
        "with mixed case and a repeated name",
        "PUT /db-backup.dat.gz HTTP/1.1\nUser-Agent:curl/7.15.5\nHost:static.johnsmith.net:8080\n"
        "Date:Tue, 27 Mar 2007 21:06:08 +0000\nx-amz-acl:public-read\n"
        "content-type:application/x-download\nContent-MD5:4gJE4saaMU4BqNR0kLY+lw==\n"
        "X-Amz-Meta-ReviewedBy:joe@johnsmith.net\nX-Amz-Meta-ReviewedBy:jane@johnsmith.net\n"
        "X-Amz-Meta-FileChecksum:0x02661779\nX-Amz-Meta-ChecksumAlgorithm:crc32\n"
        "Content-Disposition:attachment; filename=database.dat\nContent-Encoding:gzip\n"
        "\nbackup",
        credentials=DOC,
        timestamp="2007-03-27T21:06:08Z",
        options={"addressing": "cname"},
        published={"header": "ilyl83RwaSoYIEdixDQcA4OnAnc="},
    ),
    case(
        "aws-doc-list-all-buckets",
        "AWS documentation example: GET Service on s3.amazonaws.com (no bucket)",
        "GET / HTTP/1.1\nHost:s3.amazonaws.com\nDate:Wed, 28 Mar 2007 01:29:59 +0000\n",
        credentials=DOC,
        timestamp="2007-03-28T01:29:59Z",
        published={"header": "qGdzdERIC03wnaRNKh6OqZehG9s="},
    ),
    case(
        "aws-doc-unicode-keys",
        "AWS documentation example: path-style, the undecoded path (mixed-case hex kept)",
        "GET /dictionary/fran%C3%A7ais/pr%c3%a9f%c3%a8re HTTP/1.1\nHost:s3.amazonaws.com\n"
        "Date:Wed, 28 Mar 2007 01:49:49 +0000\n",
        credentials=DOC,
        timestamp="2007-03-28T01:49:49Z",
        published={"header": "DNEZGsoieTZ92F3bUfSPQcbGmlM="},
    ),
    case(
        "aws-doc-delete-x-amz-date",
        "AWS documentation's DELETE example with x-amz-date: per the documented rule the Date "
        "line is empty and x-amz-date is an amz header (the printed example signs otherwise; "
        "see README)",
        "DELETE /johnsmith/photos/puppy.jpg HTTP/1.1\nUser-Agent:dotnet\nHost:s3.amazonaws.com\n"
        "Date:Tue, 27 Mar 2007 21:20:27 +0000\nx-amz-date:Tue, 27 Mar 2007 21:20:26 +0000\n",
        credentials=DOC,
        timestamp="2007-03-27T21:20:26Z",
        locations=["header"],
    ),
    case(
        "aws-doc-query-string-auth",
        "AWS documentation example: presigned GET Object expiring at 1175139620",
        "GET /photos/puppy.jpg HTTP/1.1\nHost:johnsmith.s3.amazonaws.com\n",
        credentials=DOC,
        timestamp="2007-03-29T02:40:20Z",
        expiration_in_seconds=3600,
        locations=["query"],
        published={"query": "NpgCjnDzrM+WFzoENXmpNDUsSn8="},
    ),
    case(
        "get-virtual-hosted",
        "virtual-hosted bucket on s3.amazonaws.com",
        "GET /photos/cat.jpg HTTP/1.1\n" + BUCKET,
    ),
    case(
        "get-virtual-hosted-regional",
        "virtual-hosted bucket on s3.<region>.amazonaws.com",
        "GET /photos/cat.jpg HTTP/1.1\nHost:examplebucket.s3.us-west-2.amazonaws.com\n",
    ),
    case(
        "get-virtual-hosted-dash-region",
        "virtual-hosted bucket on the older s3-<region>.amazonaws.com",
        "GET /photos/cat.jpg HTTP/1.1\nHost:examplebucket.s3-eu-west-1.amazonaws.com\n",
    ),
    case(
        "get-virtual-hosted-dotted-bucket",
        "a bucket name with dots (and an 's3' label of its own)",
        "GET /index.html HTTP/1.1\nHost:www.s3.example.com.s3.amazonaws.com\n",
    ),
    case(
        "get-virtual-hosted-china",
        "virtual-hosted on amazonaws.com.cn",
        "GET /k HTTP/1.1\nHost:examplebucket.s3.cn-north-1.amazonaws.com.cn\n",
    ),
    case(
        "get-virtual-hosted-dualstack",
        "virtual-hosted on s3.dualstack.<region>",
        "GET /k HTTP/1.1\nHost:examplebucket.s3.dualstack.us-east-1.amazonaws.com\n",
    ),
    case(
        "get-bucket-root",
        "the bucket's root: resource '/bucket/'",
        "GET / HTTP/1.1\n" + BUCKET,
    ),
    case(
        "get-path-style",
        "path-style on s3.amazonaws.com: the path already holds the bucket",
        "GET /examplebucket/photos/cat.jpg HTTP/1.1\nHost:s3.amazonaws.com\n",
    ),
    case(
        "get-path-style-regional",
        "path-style on s3.<region>.amazonaws.com",
        "GET /examplebucket/photos/cat.jpg HTTP/1.1\nHost:s3.eu-central-1.amazonaws.com\n",
    ),
    case(
        "get-path-option-on-virtual-host",
        "addressing='path' overrides what the host looks like",
        "GET /photos/cat.jpg HTTP/1.1\n" + BUCKET,
        options={"addressing": "path"},
    ),
    case(
        "get-custom-endpoint-path",
        "a custom endpoint with a port: path-style by default",
        "GET /mybucket/docs/report.pdf HTTP/1.1\nHost:minio.example.net:9000\n",
    ),
    case(
        "get-custom-endpoint-bucket-option",
        "a custom endpoint whose host addresses a bucket given as bucket=",
        "GET /docs/report.pdf HTTP/1.1\nHost:objects.example.net\n",
        options={"bucket": "mybucket"},
    ),
    case(
        "get-custom-endpoint-suffix",
        "virtual_host_suffix: <bucket>.<suffix> hosts are virtual-hosted",
        "GET /docs/report.pdf HTTP/1.1\nHost:mybucket.objects.example.net\n",
        options={"virtual_host_suffix": "objects.example.net"},
    ),
    case(
        "get-sub-resources-sorted",
        "signed sub-resources sort by name; other parameters (prefix) are left out",
        "GET /photos/cat.jpg?versionId=3HL4kqtJlcpXroDTDmJ%2BrmSpXd3dIbrHY&prefix=x&acl HTTP/1.1\n"
        + BUCKET,
    ),
    case(
        "get-sub-resource-values-decoded",
        "sub-resource values are signed decoded",
        "GET /big.iso?uploadId=VXBsb2FkIElE%2Fb%3Dc&partNumber=3 HTTP/1.1\n" + BUCKET,
    ),
    case(
        "get-response-overrides",
        "response-* overrides are signed with their decoded values",
        "GET /report.txt?response-content-type=text%2Fplain&response-content-disposition="
        "attachment%3B%20filename%3D%22a%20b.txt%22&response-cache-control=no-cache HTTP/1.1\n"
        + BUCKET,
    ),
    case(
        "get-sub-resource-empty-value",
        "'?acl=' signs like '?acl' (no '=')",
        "GET /?acl= HTTP/1.1\n" + BUCKET,
    ),
    case(
        "get-extra-sub-resource",
        "extra_sub_resources adds a vendor's parameter (here 'accelerate') to the signed ones",
        "GET /?accelerate HTTP/1.1\n" + BUCKET,
        options={"extra_sub_resources": ["accelerate"]},
    ),
    case(
        "get-undecoded-path",
        "the path is signed exactly as sent: %2F, lower-case hex, '+', '=' and '~' unchanged",
        "GET /a%2Fb/c%20d/e+f/g%7eh/i=j~k HTTP/1.1\n" + BUCKET,
    ),
    case(
        "get-path-dot-segments",
        "S3 does not normalize: dot segments and double slashes stay",
        "GET /a/../b/./c//d HTTP/1.1\n" + BUCKET,
    ),
    case(
        "put-content-md5-type",
        "Content-MD5 and Content-Type lines (values trimmed)",
        "PUT /notes.txt HTTP/1.1\n"
        + BUCKET
        + "Content-Type:  text/plain; charset=utf-8  \nContent-MD5:XrY7u+Ae7tCTyyK7j1rNww==\n"
        + "\nhello world",
    ),
    case(
        "put-amz-headers",
        "x-amz-* headers: names lower-cased and sorted, repeated names joined with ',', values "
        "trimmed, a folded value unfolded, inner spaces kept, other headers ignored",
        "PUT /data.bin HTTP/1.1\n"
        + BUCKET
        + "X-Amz-Meta-Zeta:last\nx-amz-acl:  private\nX-AMZ-META-Multi:one\n"
        + "X-Amz-Meta-Spaces:a  b   c\nx-amz-meta-multi: two \nX-Amz-Meta-Folded:first part\n"
        + "   second part\nX-Custom:not signed\nContent-Type:application/octet-stream\n"
        + "\n0123",
    ),
    case(
        "get-x-amz-date",
        "x-amz-date instead of Date: the Date line is empty and no Date is added",
        "GET /photos/cat.jpg HTTP/1.1\n" + BUCKET + "x-amz-date:Sun, 30 Aug 2015 12:36:00 GMT\n",
    ),
    case(
        "get-date-given",
        "a Date the caller set is signed as given",
        "GET /photos/cat.jpg HTTP/1.1\n" + BUCKET + "Date:Sun, 30 Aug 2015 12:36:00 GMT\n",
    ),
    case(
        "get-session-token",
        "session credentials: x-amz-security-token is added and signed",
        "GET /photos/cat.jpg HTTP/1.1\n" + BUCKET,
        credentials=WITH_TOKEN,
        requires=["session-token"],
    ),
    case(
        "post-multi-object-delete",
        "POST ?delete with Content-MD5 and Content-Type",
        "POST /?delete HTTP/1.1\n"
        + BUCKET
        + "Content-MD5:p5/WA/oEr30qrEEl21PAqw==\nContent-Type:application/xml\n"
        + "\n<Delete><Object><Key>a</Key></Object></Delete>",
    ),
    case(
        "post-initiate-multipart",
        "POST ?uploads with an x-amz-storage-class header",
        "POST /big.iso?uploads HTTP/1.1\n" + BUCKET + "x-amz-storage-class:STANDARD_IA\n",
    ),
    case(
        "put-part",
        "PUT ?partNumber&uploadId",
        "PUT /big.iso?partNumber=2&uploadId=abc.def-ghi_jkl HTTP/1.1\n" + BUCKET + "\npart-two",
    ),
    case(
        "get-query-x-amz-param",
        "presigned: an x-amz-* query parameter is signed as an x-amz-* header",
        "PUT /upload.txt?x-amz-acl=public-read HTTP/1.1\n" + BUCKET,
    ),
    case(
        "get-query-long-expiry",
        "presigned for 7 days",
        "GET /photos/cat.jpg HTTP/1.1\n" + BUCKET,
        expiration_in_seconds=604800,
        locations=["query"],
    ),
]


def _context(spec: Dict[str, Any], family: str) -> Dict[str, Any]:
    context: Dict[str, Any] = {
        "credentials": spec.get("credentials", EXAMPLE),
        "timestamp": spec.get("timestamp", T),
    }
    if family == "s3-v2" and "query" in spec.get("locations", ["header", "query"]):
        context["expiration_in_seconds"] = spec.get("expiration_in_seconds", 3600)
    if spec.get("options"):
        context["options"] = spec["options"]
    if spec.get("requires"):
        context["requires"] = spec["requires"]
    context["description"] = spec["description"]
    return context


def _check_oracles(
    family: str,
    location: str,
    name: str,
    raw: bytes,
    context: Dict[str, Any],
    expected: Dict[str, Any],
    published: Dict[str, str],
) -> List[str]:
    problems = []
    if location in published and published[location] != expected["signature"]:
        problems.append(f"{family}/{name} {location}: AWS documentation disagrees")
    request = legacy_reference.parse_raw(raw)
    if family == "sigv2":
        reason = botocore_oracle.sigv2_supported(request, context)
        if reason is None:
            got = botocore_oracle.sigv2(request, context)
            if got["signature"] != expected["signature"]:
                problems.append(f"{family}/{name}: botocore signature differs")
            if got["string-to-sign"] != expected["string-to-sign"]:
                problems.append(f"{family}/{name}: botocore string to sign differs")
    else:
        reason = botocore_oracle.s3_supported(request, context, location)
        if reason is None:
            got = botocore_oracle.s3(request, context, location)
            if got["signature"] != expected["signature"]:
                problems.append(f"{family}/{name} {location}: botocore signature differs")
            if got["string-to-sign"] != expected["string-to-sign"]:
                problems.append(f"{family}/{name} {location}: botocore string to sign differs")
    return problems


def build(family: str, specs: List[Dict[str, Any]]) -> Dict[str, Dict[str, bytes]]:
    """Case name -> file name -> contents."""
    out: Dict[str, Dict[str, bytes]] = {}
    problems: List[str] = []
    for spec in specs:
        raw = spec["request"]
        if "\n\n" not in raw:
            raw += "\n"
        data = raw.encode("utf-8")
        context = _context(spec, family)
        files = {
            "context.json": (json.dumps(context, indent=4, ensure_ascii=False) + "\n").encode(),
            "request.txt": data,
        }
        default_locations = ["query"] if family == "sigv2" else ["header", "query"]
        for location in spec.get("locations", default_locations):
            request = legacy_reference.parse_raw(data)
            expected = legacy_reference.sign(family, location, request, context)
            files[f"{location}-string-to-sign.txt"] = expected["string-to-sign"].encode("utf-8")
            files[f"{location}-signature.txt"] = expected["signature"].encode("ascii")
            files[f"{location}-signed-request.txt"] = expected["signed-request"]
            problems += _check_oracles(
                family,
                location,
                spec["name"],
                data,
                context,
                expected,
                spec.get("published", {}),
            )
        out[spec["name"]] = files
    if problems:
        raise SystemExit("\n".join(problems))
    return out


FAMILIES = {"sigv2": SIGV2_CASES, "s3-v2": S3_CASES}


def main(argv: Any = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare instead of writing")
    args = parser.parse_args(argv)
    stale = []
    for family, specs in FAMILIES.items():
        folder = VECTORS / family
        cases = build(family, specs)
        for name, files in cases.items():
            case_dir = folder / name
            if args.check:
                for file_name, content in files.items():
                    path = case_dir / file_name
                    if not path.is_file() or path.read_bytes() != content:
                        stale.append(str(path.relative_to(ROOT)))
                continue
            if case_dir.exists():
                shutil.rmtree(case_dir)
            case_dir.mkdir(parents=True)
            for file_name, content in files.items():
                (case_dir / file_name).write_bytes(content)
        existing = {p.name for p in folder.iterdir() if p.is_dir()} if folder.exists() else set()
        for extra in sorted(existing - set(cases)):
            stale.append(f"vectors/{family}/{extra} (not in the case list)")
    if stale:
        print("out of date:\n  " + "\n  ".join(stale), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
