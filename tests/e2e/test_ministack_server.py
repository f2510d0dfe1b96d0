"""MiniStack's app on uvicorn answers what it answered on hypercorn: same status lines, headers and bodies.

Two bare emulators (the harness's tuned MiniStack, no stack), one per server, get the same raw HTTP/1.1
requests on one kept-alive connection each: the health check, a DynamoDB call, S3 calls (a bucket made, keys and
buckets missing), and a POST that waits for ``100 Continue``. What may differ is only what differs between any
two answers (request ids, ``x-amz-id-2``, the date) and the header names' case, which HTTP leaves free
(RFC 9110, 5.1) and AWS's own HTTP/2 endpoints send in lower case.
"""

import http.client
import os
import re
import socket
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from local_runtime.ministack.launcher import HEALTH_PATH
from local_runtime.ministack.server import SWITCH
from local_runtime.processes import answers_health, pick_port, poll_until, spawn, stop_process_group

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
UUID = rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
VARYING = re.compile(UUID + rb"|\w{3}, \d\d \w{3} \d{4} [\d:]{8} GMT")
JSON_1_0 = "application/x-amz-json-1.0"
RANDOM_HEADERS = {"x-amz-id-2"}
REQUESTS = [
    ("GET", HEALTH_PATH, {}, b""),
    ("GET", "/no-such-bucket/key", {}, b""),
    ("POST", "/", {"X-Amz-Target": "DynamoDB_20120810.ListTables", "Content-Type": JSON_1_0}, b"{}"),
    ("PUT", "/some-bucket", {}, b""),
    ("GET", "/some-bucket/missing-key", {}, b""),
]


@contextmanager
def emulator(server: str, tmp_path: Path) -> Iterator[int]:
    port = pick_port(4900 if server == "uvicorn" else 4950)
    scratch = tmp_path / server
    scratch.mkdir()
    env = {
        **os.environ,
        SWITCH: server,
        "GATEWAY_PORT": str(port),
        "BIND_HOST": "127.0.0.1",
        "TMPDIR": str(scratch),
        "LOG_LEVEL": "WARNING",
        "HARNESS_FORK_SERVER": "0",
        "PYTHONPATH": str(ROOT),
    }
    process = spawn([sys.executable, "-m", "local_runtime.ministack"], env, scratch / "log")
    try:
        health = f"http://127.0.0.1:{port}{HEALTH_PATH}"
        assert poll_until(lambda: answers_health(health) or process.poll() is not None, 60.0), server
        assert process.poll() is None, (scratch / "log").read_text()
        yield port
    finally:
        stop_process_group(process.pid)
        process.wait(timeout=10)


def exchange(port: int) -> list[tuple[str, list[tuple[str, bytes]], bytes]]:
    """Each request on one kept-alive connection: its status line, headers (names lower-cased), body."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    answers = []
    try:
        for method, path, headers, body in REQUESTS:
            connection.request(method, path, body=body, headers=headers)
            response = connection.getresponse()
            status_line = f"HTTP/1.1 {response.status} {response.reason}"
            names = [
                (name.lower(), b"*" if name.lower() in RANDOM_HEADERS else VARYING.sub(b"*", value.encode()))
                for name, value in response.getheaders()
            ]
            answers.append((status_line, names, VARYING.sub(b"*", response.read())))
    finally:
        connection.close()
    return answers


def continue_then_answer(port: int) -> bytes:
    """A POST that sends its body only after ``100 Continue``: the interim line, then the final status line."""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as raw:
        raw.sendall(
            b"POST / HTTP/1.1\r\nHost: x\r\nX-Amz-Target: DynamoDB_20120810.ListTables\r\n"
            b"Content-Type: application/x-amz-json-1.0\r\nContent-Length: 2\r\nExpect: 100-continue\r\n\r\n"
        )
        interim = raw.recv(64)
        raw.sendall(b"{}")
        final = raw.recv(64)
    return interim.split(b"\r\n")[0] + b" / " + final.split(b"\r\n")[0]


def test_uvicorn__answers_as_hypercorn_did(tmp_path):
    # GIVEN the tuned MiniStack once on each server
    answers = {}
    for server in ("uvicorn", "hypercorn"):
        with emulator(server, tmp_path) as port:
            # WHEN the same requests are sent to each
            answers[server] = (exchange(port), continue_then_answer(port))
    # THEN every status line, header and body is the same (but for ids and dates)
    assert answers["uvicorn"] == answers["hypercorn"]
    statuses = [status for status, _, _ in answers["uvicorn"][0]]
    assert statuses[0] == "HTTP/1.1 200 OK" and statuses[1] == "HTTP/1.1 404 Not Found"
    assert [status.split()[1] for status in statuses] == ["200", "404", "200", "200", "404"]
    assert answers["uvicorn"][1] == b"HTTP/1.1 100 Continue / HTTP/1.1 200 OK"
