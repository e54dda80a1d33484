import boto3
from botocore.client import Config

s3 = boto3.client("s3", config=Config(signature_version="s3"))
sdb = boto3.client("sdb", config=Config(signature_version="v2"))
nested = Config(s3={"signature_version": "s3"})
config = Config()
config.signature_version = "s3-query"
modern = boto3.client("s3", config=Config(signature_version="s3v4"))  # 's3' here is fine
