"""The HTTP machinery ``sigbridge serve`` and ``sigbridge proxy`` share (private).

- :mod:`.bounded`: a server with a bounded number of connections (each one a worker thread; the
  excess gets a quick 503), a deadline per request rather than per read, a larger listen
  backlog, lingering closes, and one log line (never a traceback) for a client that hangs up;
- :mod:`.shapes`: the success answers SDKs can parse, per protocol (S3 operations, query XML,
  JSON), and the address of an S3 request (bucket and key, path-style or virtual-hosted);
- :mod:`.masking`: session tokens and signatures masked in error answers;
- :mod:`.forward`: a verified request sent on to an upstream server, its auth replaced (or
  removed), both bodies streamed.
"""
