"""Connect the way boto 2 did: each service's connect_to_region, SigV2 for EC2 and SQS."""

import boto.ec2
import boto.sqs
from boto import sns
from boto.s3 import connect_to_region

ec2 = boto.ec2.connect_to_region("us-west-2")
queues = boto.sqs.connect_to_region("eu-west-1").get_all_queues()
topics = sns.connect_to_region("us-east-1").get_all_topics()
s3 = connect_to_region("us-east-1")
