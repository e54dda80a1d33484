"""Server middleware: verify the AWS signature of every request in front of a Python app.

- :mod:`signers.middleware.wsgi`: ``VerifyingMiddleware`` for WSGI apps (PEP 3333);
- :mod:`signers.middleware.asgi`: ``VerifyingMiddleware`` for ASGI 3 apps.

Both use the standard library only; refusals are AWS's answers, rendered as ``sigbridge serve``
renders them (:mod:`signers._verification.http_answers`), and the app receives the
:class:`~signers.Verified` result under ``"sigbridge.verified"`` (WSGI environ, ASGI scope).
"""

from __future__ import annotations

from typing import List

__all__: List[str] = []
