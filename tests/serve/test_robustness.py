"""serve under slow, greedy and vanishing clients (issue 9 item 7): a deadline per request, a cap
on connections and threads with a quick 503 for the excess, a larger backlog, one log line for a
hang-up, and an oversized body refused before ``100 Continue``."""

from __future__ import annotations

import contextlib
import datetime as dt
import http.client
import select
import socket
import struct
import threading
import time

import pytest

import signers
from signers import Credentials, Request
from tests._support import AK, SECRET
from tests.serve.support import (
    TIMEOUT,
    account_of,
    connect,
    read_all,
    read_answer,
    running,
    status_of,
    wait_until,
    worker_threads,
)

pytestmark = pytest.mark.slow  # servers on sockets

HEAD_START = b"GET /b/k HTTP/1.1\r\nHost: h\r\nX-Slow: "


def _signed_get(server, key="k"):
    signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
    request = Request("GET", f"{server.url}/b/{key}")
    return signer.sign(request, Credentials(AK, SECRET), at=dt.datetime.now(dt.timezone.utc))


def _trickle(sockets, interval, rounds):
    """Send one byte on each socket every ``interval`` s for ``rounds`` rounds (one thread, no
    blocking), until the server answers; ``{socket: everything it received before the server
    closed}`` for the sockets the server ended."""
    received = {sock: b"" for sock in sockets}
    ended = {}
    for sock in sockets:
        sock.setblocking(False)
    for _ in range(rounds):
        for sock in sockets:
            if sock in ended:
                continue
            try:
                while True:
                    data = sock.recv(65536)
                    if not data:
                        ended[sock] = received[sock]
                        break
                    received[sock] += data
            except BlockingIOError:
                pass
            except OSError:
                ended[sock] = received[sock]
            if sock not in ended and not received[sock]:
                with contextlib.suppress(OSError):  # the server stopped reading: answer coming
                    sock.send(b"a")
        if len(ended) == len(sockets):
            break
        time.sleep(interval)
    return ended


def test_trickling_clients_are_cut_at_the_request_deadline():
    # Each byte comes well within the per-read timeout; only a deadline for the whole request
    # ends these (before: they held their connections for as long as they trickled).
    with running(timeout=2.0, request_timeout=1.0) as (server, logs):
        slow = [connect(server) for _ in range(5)]
        try:
            for sock in slow:
                sock.sendall(HEAD_START)
            answers = _trickle(slow, interval=0.2, rounds=60)  # up to 12 s of trickling
            assert len(answers) == len(slow), "a trickling client was never cut off"
            for data in answers.values():
                assert status_of(data) == 400 and b"<Code>RequestTimeout</Code>" in data
            signed = _signed_get(server)
            connection = http.client.HTTPConnection(*server.server_address[:2], timeout=TIMEOUT)
            connection.request("GET", "/b/k", headers=dict(signed.headers))
            assert connection.getresponse().status == 200
            connection.close()
        finally:
            for sock in slow:
                sock.close()
        assert sum("400 RequestTimeout" in line for line in logs) == len(slow)


def test_a_trickled_body_is_cut_at_its_deadline():
    # The body's allowance is its length at 256 KiB/s: a 10-byte body sent a byte a second
    # does not get ten seconds.
    with running(timeout=2.0, request_timeout=1.0) as (server, _):
        sock = connect(server)
        try:
            sock.sendall(b"PUT /b/k HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n")
            answers = _trickle([sock], interval=0.2, rounds=60)
            assert answers, "a trickled body was never cut off"
            assert b"RequestTimeout" in next(iter(answers.values()))
        finally:
            sock.close()


def test_connections_beyond_the_cap_get_a_quick_503_and_threads_stay_bounded():
    with running(max_connections=4, timeout=5.0, request_timeout=5.0) as (server, logs):
        holders = [connect(server) for _ in range(4)]
        extra = []
        try:
            for sock in holders:
                sock.sendall(HEAD_START)  # a request begun, never finished
            assert wait_until(lambda: server.active_connections == 4)
            for _ in range(20):
                sock = connect(server)
                extra.append(sock)
                sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
            for sock in extra:
                answer = read_all(sock)  # answered and closed without waiting for a slot
                assert status_of(answer) == 503
                assert b"<Code>ServiceUnavailable</Code>" in answer
                assert b"Retry-After: 1" in answer
            assert worker_threads() <= 4
            assert server.refused_busy == 20
        finally:
            for sock in holders + extra:
                sock.close()
        # the holders gone, a slot is free again
        assert wait_until(lambda: server.active_connections == 0)
        signed = _signed_get(server)
        connection = http.client.HTTPConnection(*server.server_address[:2], timeout=TIMEOUT)
        connection.request("GET", "/b/k", headers=dict(signed.headers))
        assert connection.getresponse().status == 200
        connection.close()
        assert sum("503 ServiceUnavailable" in line for line in logs) == 20


def test_the_listen_backlog_queues_a_burst_of_connections():
    # The server is not accepting (no serve_forever): a connection completes only if the
    # kernel queues it.  With a backlog of 5, most of these wait for a SYN retransmission.
    server = signers.serve.make_server(
        "127.0.0.1", 0, credentials=[Credentials(AK, SECRET)], backlog=128, log=lambda _: None
    )
    sockets = []
    try:
        for _ in range(64):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.setblocking(False)
            sock.connect_ex(server.server_address[:2])
            sockets.append(sock)
        _, writable, _ = select.select([], sockets, [], 0.5)
        connected = [s for s in writable if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0]
        assert len(connected) == 64
    finally:
        for sock in sockets:
            sock.close()
        server.server_close()


def _reset(sock):
    # close with an RST, as a client that crashes or is killed does
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


@pytest.mark.parametrize(
    "data",
    [
        b"GET /b/k HTTP/1.1\r\nHost: h\r\nX-Half",
        b"PUT /b/k HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n0123456789",
        b"GET /b/k HTT",
    ],
    ids=["in-the-headers", "in-the-body", "in-the-request-line"],
)
def test_a_client_that_hangs_up_is_one_log_line(capfd, data):
    with running(timeout=2.0) as (server, logs):
        sock = connect(server)
        sock.sendall(data)
        time.sleep(0.2)
        _reset(sock)
        assert wait_until(lambda: any("hung up" in line for line in logs))
        sock = connect(server)  # and it still serves
        sock.sendall(b"GET / HTTP/1.1\r\nHost: h\r\n\r\n")
        assert status_of(read_answer(sock)) == 403
        sock.close()
    printed = capfd.readouterr()
    assert "Traceback" not in printed.err + printed.out
    assert [line for line in logs if "hung up" in line] == [
        next(line for line in logs if "hung up" in line)
    ]


def test_oversized_body_is_refused_before_100_continue():
    with running(max_body=1024, max_upload=4096) as (server, logs):
        for headers in (
            b"",  # not signed: its body would have to be held, above max_body
            b"Authorization: AWS " + AK.encode() + b":c2lnbmF0dXJl\r\n",  # streamable: max_upload
        ):
            sock = connect(server)
            sock.sendall(
                b"PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                + headers
                + b"Content-Length: 5000\r\n\r\n"
            )
            answer = read_answer(sock)  # sent before any body byte
            sock.close()
            assert not answer.startswith(b"HTTP/1.1 100")
            assert status_of(answer) == 400 and b"<Code>EntityTooLarge</Code>" in answer
        limits = [line for line in logs if "EntityTooLarge" in line]
        assert len(limits) == 2


def test_refused_signature_is_answered_before_100_continue_for_a_streamed_body():
    # A body the signature does not cover is streamed; its signature is checked first, so a
    # wrong one is refused before the client sends the body.
    with running(max_body=1024) as (server, _):
        sock = connect(server)
        sock.sendall(
            b"PUT /b/k HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
            b"Date: Mon, 01 Jan 2024 00:00:00 GMT\r\n"
            b"Authorization: AWS AKIDUNKNOWN:c2lnbmF0dXJl\r\nContent-Length: 4000\r\n\r\n"
        )
        answer = read_answer(sock)
        sock.close()
        assert status_of(answer) == 403 and b"<Code>InvalidAccessKeyId</Code>" in answer


def test_a_request_that_fits_gets_100_continue_then_its_answer():
    with running() as (server, _):
        signer = signers.get_signer("sigv4", region="us-east-1", service="s3", s3=True)
        signed = signer.sign(
            Request("PUT", server.url + "/b/k", [("Expect", "100-continue")], b"hello"),
            Credentials(AK, SECRET),
            at=dt.datetime.now(dt.timezone.utc),
        )
        sock = connect(server)
        head = f"Host: {signed.request.host_header}\r\n"
        head += "".join(f"{n}: {v}\r\n" for n, v in signed.headers)
        sock.sendall(f"PUT /b/k HTTP/1.1\r\n{head}Content-Length: 5\r\n\r\n".encode())
        interim = read_answer(sock)
        assert interim.startswith(b"HTTP/1.1 100 Continue\r\n")
        sock.sendall(b"hello")
        final = read_answer(sock)
        sock.close()
        assert status_of(final) == 200
        # PutObject's ETag is the MD5 of the body
        assert b'ETag: "5d41402abc4b2a76b9719d911017c592"' in final


@pytest.mark.slow
def test_load_trickling_clients_do_not_starve_the_others():
    # 50 clients trickle requests they never finish; 20 clients make 10 signed requests each on
    # keep-alive connections.  70 connections for 64 workers: the last to come get a 503 and
    # retry.  Every signed request is answered, every trickler is cut off at its deadline, and
    # the worker threads never exceed the cap.
    cap = 64
    with running(max_connections=cap, timeout=2.0, request_timeout=1.5) as (server, _):
        tricklers = [connect(server) for _ in range(50)]
        for sock in tricklers:
            sock.sendall(HEAD_START)
        results = []
        retries = []
        peak = [0]
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                peak[0] = max(peak[0], worker_threads())
                time.sleep(0.01)

        def client():
            # As an SDK does: a 503 (all connections busy) is retried after a pause.
            connection = http.client.HTTPConnection(*server.server_address[:2], timeout=TIMEOUT)
            try:
                done = 0
                while done < 10:
                    signed = _signed_get(server)
                    connection.request("GET", "/b/k", headers=dict(signed.headers))
                    response = connection.getresponse()
                    response.read()
                    if response.status == 503:
                        retries.append(1)
                        connection.close()
                        time.sleep(0.2)
                        continue
                    results.append((response.status, account_of(response.headers)["scheme"]))
                    done += 1
            finally:
                connection.close()

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.monotonic()
        clients = [threading.Thread(target=client, daemon=True) for _ in range(20)]
        for thread in clients:
            thread.start()
        answers = _trickle(tricklers, interval=0.1, rounds=150)
        for thread in clients:
            thread.join(30)
        served = time.monotonic() - started
        stop.set()
        sampler.join(2)
        for sock in tricklers:
            sock.close()
        assert results == [(200, "sigv4")] * 200
        assert len(answers) == 50 and all(b"RequestTimeout" in a for a in answers.values())
        assert peak[0] <= cap
        print(
            f"\n200 signed requests beside 50 tricklers in {served:.2f} s "
            f"({len(retries)} retried after a 503); peak worker threads {peak[0]} (cap {cap})"
        )
