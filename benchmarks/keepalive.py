"""The load bursts' HTTP client: one kept-alive ``http.client`` connection per client thread.

The bursts used ``requests`` (through ``tests.support.Api``), whose sessions, adapters, hooks and cookie jar cost
about 2 ms of CPU per POST on this project's 2-core machines: a fifth of the CPU one request costs the whole
emulated path (emulator ~5 ms, function process ~4 ms). The load generator shares the cores with the emulator, so
that CPU came out of the figure being measured. A bare ``http.client`` POST on a kept-alive connection costs a
fraction of it, so a burst's req/s measures the harness, not the client. What each request sends (method, path,
headers, JSON body) is what ``Api.post`` sends.
"""

import http.client
import json
import threading
import time
import urllib.parse
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

# A kept-alive connection the server has closed since its last use fails at once: that one is reopened and the
# request sent again (nothing reached the server). A fresh connection's failure is reported, never retried.
STALE_CONNECTION_ERRORS = (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError)


class KeepAliveClient:
    """POSTs JSON to one URL with the stack's API key, on one connection kept open between requests."""

    def __init__(self, url: str, key: str, timeout: float = 30.0) -> None:
        parts = urllib.parse.urlsplit(url)
        self.host, self.port, self.timeout = parts.hostname, parts.port, timeout
        self.path = parts.path + (f"?{parts.query}" if parts.query else "")
        self.headers = {"Content-Type": "application/json", "x-api-key": key}
        self.connection: http.client.HTTPConnection | None = None

    def post(self, body: Any) -> tuple[int, bytes]:
        data = json.dumps(body).encode()
        reused = self.connection is not None
        try:
            return self._send(data)
        except STALE_CONNECTION_ERRORS:
            self.close()
            if not reused:
                raise
            return self._send(data)

    def _send(self, data: bytes) -> tuple[int, bytes]:
        if self.connection is None:
            self.connection = http.client.HTTPConnection(self.host, self.port, timeout=self.timeout)
        self.connection.request("POST", self.path, body=data, headers=self.headers)
        response = self.connection.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        if self.connection is not None:
            self.connection.close()
            self.connection = None


@dataclass
class Burst:
    """What a burst did: each request's status and latency, in request order, and the burst's duration."""

    statuses: list[int]
    latencies_s: list[float]
    seconds: float


def burst(url: str, key: str, bodies: list[Any], clients: int) -> Burst:
    """POST every body from ``clients`` threads, each on its own kept-alive connection."""
    local = threading.local()
    opened: list[KeepAliveClient] = []

    def send(body: Any) -> tuple[int, float]:
        if not hasattr(local, "client"):
            local.client = KeepAliveClient(url, key)
            opened.append(local.client)
        started = time.perf_counter()
        status, _ = local.client.post(body)
        return status, time.perf_counter() - started

    started = time.perf_counter()
    try:
        with ThreadPoolExecutor(max_workers=clients) as pool:
            results = list(pool.map(send, bodies))
    finally:
        for client in opened:
            client.close()
    return Burst([status for status, _ in results], [latency for _, latency in results], time.perf_counter() - started)
