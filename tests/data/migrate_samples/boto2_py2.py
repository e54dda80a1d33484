# A Python 2 script from boto 2's day: it does not parse as Python 3.
import boto
from boto.s3.connection import S3Connection, OrdinaryCallingFormat

conn = S3Connection("AKIDEXAMPLE", "SECRET", calling_format=OrdinaryCallingFormat())
print "buckets:", conn.get_all_buckets()
ec2 = boto.connect_ec2()
params = {'SignatureVersion': '2'}  # a Python 2 dict literal still counts
