"""Sign with botocore's legacy signers by hand: SigV2 for a query API, HmacV1 for S3."""

import botocore.auth
from botocore.auth import HmacV1Auth, SigV2Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

credentials = Credentials("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY")
request = AWSRequest("GET", "https://sdb.amazonaws.com/", params={"Action": "ListDomains"})
SigV2Auth(credentials).add_auth(request)
s3_auth = HmacV1Auth(None)  # credentials set later
presign = botocore.auth.HmacV1QueryAuth(credentials, expires=600)
