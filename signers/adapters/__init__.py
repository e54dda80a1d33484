"""Client adapters: sign what an HTTP client sends, in the client's own plug-in point.

- :mod:`signers.adapters.requests`: ``AWSAuth``, a ``requests`` ``AuthBase``;
- :mod:`signers.adapters.httpx`: ``AWSAuth``, an ``httpx.Auth`` for ``Client`` and ``AsyncClient``;
- :mod:`signers.adapters.aiohttp`: ``AWSAuth``, an aiohttp (>= 3.12) client middleware;
- :mod:`signers.adapters.urllib3`: ``AWSAuth``, the ``(method, url, body, headers=None) ->
  headers`` callable opensearch-py and elasticsearch-py take as ``http_auth``.

Each is an optional extra (``pip install 'sigbridge[httpx]'`` ...); importing this package loads
none of them.  The rules they share are in :mod:`signers.adapters._signing`.
"""

from __future__ import annotations

from typing import List

__all__: List[str] = []
