"""AWS Signature Version 4, presigned-URL (query string) form: ``sigv4-query``.

Same canonical request as the header form, except that the authentication parameters travel in
the query and are themselves part of the canonical query string: ``X-Amz-Algorithm``,
``X-Amz-Credential``, ``X-Amz-Date``, ``X-Amz-SignedHeaders``, ``X-Amz-Expires`` (1 ... 604800 s)
and, with a session token, ``X-Amz-Security-Token``; the signature is appended last as
``X-Amz-Signature``.  No header is added.  S3 presigned URLs sign ``UNSIGNED-PAYLOAD``; other
services hash the (usually empty) body.

The signer is :class:`signers.sigv4.SigV4Signer` with ``placement="query"``; this module names it
for the registry and for imports (the form's steps are in ``signers._query_form``).
"""

from __future__ import annotations

from .sigv4 import SigV4QuerySigner, SigV4Signer, s3v4_query

__all__ = ["SigV4QuerySigner", "SigV4Signer", "s3v4_query"]
