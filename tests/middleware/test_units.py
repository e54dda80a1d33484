"""The middleware without sockets: WSGI and ASGI apps called directly, with requests signed by
botocore (the oracle: an independent signer) or built by hand."""

from __future__ import annotations

import asyncio
import io
import json

import pytest

import signers
from signers.middleware import _common
from signers.middleware.asgi import VerifyingMiddleware as ASGIMiddleware
from signers.middleware.wsgi import VerifyingMiddleware as WSGIMiddleware
from tests.middleware.support import AK, KEYS, REGION, SECRET

botocore = pytest.importorskip("botocore")
from botocore.auth import SigV4Auth  # noqa: E402
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials as BotoCredentials  # noqa: E402

HOST = "127.0.0.1:8080"


def _botocore_signed(method, path, body=b"", headers=None, service="sts", secret=SECRET):
    request = AWSRequest(method, f"http://{HOST}{path}", data=body, headers=headers or {})
    SigV4Auth(BotoCredentials(AK, secret), service, REGION).add_auth(request)
    return dict(request.headers.items())


def _environ(method, path, headers, body=b""):
    target, _, query = path.partition("?")
    environ = {
        "REQUEST_METHOD": method,
        "PATH_INFO": target,
        "QUERY_STRING": query,
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "8080",
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "CONTENT_LENGTH": str(len(body)) if body else "",
    }
    for name, value in headers.items():
        key = name.upper().replace("-", "_")
        if key in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            environ[key] = value
        else:
            environ["HTTP_" + key] = value
    environ.setdefault("HTTP_HOST", HOST)
    return environ


class _Recorder:
    def __init__(self):
        self.environ = None

    def __call__(self, environ, start_response):
        self.environ = environ
        self.body = environ["wsgi.input"].read()
        start_response("200 OK", [])
        return [b"app"]


def _call_wsgi(middleware, environ):
    answer = {}

    def start_response(status, headers):
        answer["status"] = status
        answer["headers"] = dict(headers)

    body = b"".join(middleware(environ, start_response))
    return int(answer["status"].split()[0]), answer["headers"], body


FORM = "application/x-www-form-urlencoded; charset=utf-8"


def test_wsgi_hands_the_app_the_verified_result_and_the_body():
    app = _Recorder()
    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = _botocore_signed("POST", "/", body, {"Content-Type": FORM})
    status, _, answer = _call_wsgi(WSGIMiddleware(app, KEYS), _environ("POST", "/", headers, body))
    assert (status, answer) == (200, b"app")
    verified = app.environ["sigbridge.verified"]
    assert (verified.scheme, verified.access_key, verified.service) == ("sigv4", AK, "sts")
    assert app.body == body


def test_wsgi_refusals_in_each_protocol():
    def refused(headers, path="/", body=b"", **options):
        app = _Recorder()
        result = _call_wsgi(
            WSGIMiddleware(app, KEYS, **options), _environ("POST", path, headers, body)
        )
        assert app.environ is None
        return result

    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    query = refused(
        _botocore_signed("POST", "/", body, {"Content-Type": FORM}, secret="x"), body=body
    )
    assert query[0] == 403 and query[1]["Content-Type"] == "text/xml"
    assert b"<ErrorResponse><Error><Type>Sender</Type><Code>SignatureDoesNotMatch" in query[2]
    target = {
        "Content-Type": "application/x-amz-json-1.0",
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
    }
    answer = refused(_botocore_signed("POST", "/", b"{}", target, "dynamodb", "x"), body=b"{}")
    assert answer[0] == 403
    assert json.loads(answer[2])["__type"] == "InvalidSignatureException"
    s3 = refused(_botocore_signed("POST", "/b/k", b"", {}, "s3", "x"), path="/b/k")
    assert s3[0] == 403 and b"<Error><Code>SignatureDoesNotMatch</Code>" in s3[2]
    assert b"<CanonicalRequest>" in s3[2]
    unsigned = refused({"Content-Type": FORM}, body=body)
    assert unsigned[0] == 403 and b"MissingAuthenticationToken" in unsigned[2]
    large = refused(
        _botocore_signed("POST", "/", body, {"Content-Type": FORM}), body=body, max_body=8
    )
    assert large[0] == 400 and b"<Code>EntityTooLarge</Code>" in large[2]


def test_wsgi_refuses_aws_chunked_before_reading_the_body():
    class Unreadable(io.RawIOBase):
        def read(self, *args):
            raise AssertionError("the body of an aws-chunked upload was read")

    app = _Recorder()
    environ = _environ(
        "PUT", "/b/k", {"X-Amz-Content-Sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER"}, b"x"
    )
    environ["wsgi.input"] = Unreadable()
    status, _, body = _call_wsgi(WSGIMiddleware(app, KEYS), environ)
    assert status == 501 and b"<Code>NotImplemented</Code>" in body and app.environ is None


def test_the_raw_path_is_preferred_when_the_server_keeps_it():
    assert _common.incoming_url("http", "h", "/a%2Fb?x=1", "/a/b", "x=1") == "http://h/a%2Fb?x=1"
    assert _common.incoming_url("http", "h", None, "/a b/\xe9", "q=1") == "http://h/a%20b/%E9?q=1"


def test_serve_and_the_middleware_render_errors_with_one_implementation():
    import signers.serve
    from signers._verification import http_answers

    assert signers.serve.error_response is http_answers.error_response


def _asgi(middleware, scope, messages):
    sent = []
    incoming = list(messages)

    async def receive():
        return incoming.pop(0) if incoming else {"type": "http.disconnect"}

    async def send(message):
        sent.append(message)

    asyncio.run(middleware(scope, receive, send))
    return sent


def _scope(kind, method, path, headers, query=b""):
    return {
        "type": kind,
        "method": method,
        "scheme": "http" if kind == "http" else "ws",
        "path": path,
        "raw_path": path.encode(),
        "query_string": query,
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
        "server": ("127.0.0.1", 8080),
    }


def test_asgi_replays_the_body_and_passes_the_verified_result():
    seen = {}

    async def app(scope, receive, send):
        seen["verified"] = scope["sigbridge.verified"]
        seen["body"] = (await receive())["body"]
        seen["next"] = (await receive())["type"]
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": b"ok"})

    body = b"Action=GetCallerIdentity&Version=2011-06-15"
    headers = _botocore_signed("POST", "/", body, {"Content-Type": FORM})
    messages = [
        {"type": "http.request", "body": body[:10], "more_body": True},
        {"type": "http.request", "body": body[10:], "more_body": False},
    ]
    sent = _asgi(ASGIMiddleware(app, KEYS), _scope("http", "POST", "/", headers), messages)
    assert sent[0]["status"] == 200
    assert (seen["verified"].access_key, seen["body"], seen["next"]) == (
        AK,
        body,
        "http.disconnect",
    )


def test_asgi_refuses_a_websocket_handshake_that_does_not_verify_and_passes_lifespan():
    calls = []

    async def app(scope, receive, send):
        calls.append(scope["type"])

    middleware = ASGIMiddleware(app, KEYS)
    headers = _botocore_signed("GET", "/ws", b"", {}, "execute-api", secret="x")
    sent = _asgi(middleware, _scope("websocket", "GET", "/ws", headers), [])
    assert sent == [{"type": "websocket.close", "code": 1008}]
    good = _botocore_signed("GET", "/ws", b"", {}, "execute-api")
    _asgi(middleware, _scope("websocket", "GET", "/ws", good), [])
    _asgi(middleware, {"type": "lifespan"}, [])
    assert calls == ["websocket", "lifespan"]


def test_options_are_checked_when_built():
    with pytest.raises(signers.InvalidOption, match="max_body"):
        WSGIMiddleware(_Recorder(), KEYS, max_body=-1)
    with pytest.raises(signers.InvalidOption, match="lookup"):
        ASGIMiddleware(_Recorder(), "AKID:secret")
    with pytest.raises(signers.InvalidOption, match="max_skew"):
        WSGIMiddleware(_Recorder(), KEYS, max_skew="900")
    assert "secret" not in repr(WSGIMiddleware(_Recorder(), KEYS)).lower()
