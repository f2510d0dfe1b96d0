"""Eventually consistent reads for a local stack: a small proxy in front of the emulator's DynamoDB.

DynamoDB's GetItem is eventually consistent unless ``ConsistentRead`` is true: right after a write, a
read may return the item as it was before (or nothing, for a new item). Emulators are always
consistent, so code that reads its own writes naively passes locally and fails on AWS. The function's
``AWS_ENDPOINT_URL`` points here; everything is forwarded unchanged except:

- PutItem / UpdateItem / DeleteItem: the proxy first reads the item as it is (a consistent GetItem with
  the emulator's own root credentials), then forwards the write untouched (its signature stays valid).
- GetItem without ``ConsistentRead: true`` within ``window`` seconds of a write to that key: answered
  with the old version (or no item).

Query, Scan and batch calls pass through (reads stay consistent there). Run:
``python -m bootstrap.consistency_proxy --upstream http://127.0.0.1:4566 --port 4600 --window-ms 1500``.
"""

import argparse
import http.client
import json
import os
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import boto3

WRITES = ("PutItem", "UpdateItem", "DeleteItem")
# Not forwarded as received. Host is: the caller's signature covers it.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "content-length"}


class StaleReads:
    """Remembers, per (table, key), the version a stale read returns and until when."""

    def __init__(self, window_s: float, key_attributes: tuple[str, ...]) -> None:
        self.window_s, self.key_attributes = window_s, key_attributes
        self._versions: dict[str, tuple[float, dict[str, Any] | None]] = {}
        self._lock = threading.Lock()

    def _slot(self, table: str, key: dict[str, Any]) -> str:
        return json.dumps([table, {name: key.get(name) for name in self.key_attributes}], sort_keys=True)

    def key_of(self, operation: str, body: dict[str, Any]) -> dict[str, Any]:
        """The key attributes of a write, in DynamoDB's wire format."""
        source = body.get("Item", {}) if operation == "PutItem" else body.get("Key", {})
        return {name: source[name] for name in self.key_attributes if name in source}

    def record_write(self, table: str, key: dict[str, Any], old_item: dict[str, Any] | None) -> None:
        with self._lock:
            slot = self._slot(table, key)
            # Within an open window the version readers may still see is the one from before the first write.
            if slot in self._versions and self._versions[slot][0] > time.monotonic():
                old_item = self._versions[slot][1]
            self._versions[slot] = (time.monotonic() + self.window_s, old_item)

    def stale_version(self, table: str, key: dict[str, Any]) -> tuple[bool, dict[str, Any] | None]:
        """(True, old item or None) while the key's window is open; (False, None) after."""
        with self._lock:
            until, old_item = self._versions.get(self._slot(table, key), (0.0, None))
        return (True, old_item) if until > time.monotonic() else (False, None)


def make_handler(upstream: str, stale: StaleReads) -> type[BaseHTTPRequestHandler]:
    target = urllib.parse.urlsplit(upstream)
    # Emulators treat these as the account's root, allowed everything: the proxy only reads old versions.
    reader = boto3.client(
        "dynamodb",
        endpoint_url=upstream,
        region_name=os.environ.get("AWS_DEFAULT_REGION", "us-east-1"),
        aws_access_key_id="test",
        aws_secret_access_key="test",  # noqa: S106 - emulator's fixed root
    )

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *_args: Any) -> None:  # quiet: the emulator logs requests already
            pass

        def _forward(self, body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
            connection = http.client.HTTPConnection(target.hostname, target.port, timeout=60)
            try:
                headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
                headers["Content-Length"] = str(len(body))
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                return response.status, response.getheaders(), response.read()
            finally:
                connection.close()

        def _reply(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.send_response(status)
            for name, value in headers:
                if name.lower() not in _HOP_BY_HOP:
                    self.send_header(name, value)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            operation = (self.headers.get("X-Amz-Target") or "").rpartition(".")[2]
            if operation == "GetItem":
                request = json.loads(body or b"{}")
                stale_now, old_item = stale.stale_version(request.get("TableName", ""), request.get("Key", {}))
                if stale_now and not request.get("ConsistentRead"):
                    answer = {"Item": old_item} if old_item else {}
                    self._reply(200, [("Content-Type", "application/x-amz-json-1.0")], json.dumps(answer).encode())
                    return
            if operation in WRITES:
                self._write(operation, body)
                return
            self._reply(*self._forward(body))

        def _write(self, operation: str, body: bytes) -> None:
            request = json.loads(body or b"{}")
            table, key = request.get("TableName", ""), stale.key_of(operation, request)
            old_item = reader.get_item(TableName=table, Key=key, ConsistentRead=True).get("Item")
            status, headers, answer = self._forward(body)
            if status == 200:
                stale.record_write(table, key, old_item)
            self._reply(status, headers, answer)

        do_GET = do_PUT = do_DELETE = do_PATCH = lambda self: self._reply(
            *self._forward(  # noqa: E731
                self.rfile.read(int(self.headers.get("Content-Length") or 0))
            )
        )

    return Handler


def serve(upstream: str, port: int, window_s: float, key_attributes: tuple[str, ...]) -> ThreadingHTTPServer:
    server = ThreadingHTTPServer(("127.0.0.1", port), make_handler(upstream, StaleReads(window_s, key_attributes)))
    server.daemon_threads = True
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--upstream", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--window-ms", type=float, default=1000)
    parser.add_argument("--key-attributes", default="id")
    args = parser.parse_args()
    server = serve(args.upstream, args.port, args.window_ms / 1000, tuple(args.key_attributes.split(",")))
    server.serve_forever()


if __name__ == "__main__":
    main()
