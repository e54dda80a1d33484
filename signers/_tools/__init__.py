"""Maintainer tools run from a source checkout (``python -m signers._tools.NAME``), never imported
by the library at run time: ``make_services`` regenerates the AWS service table from botocore."""
